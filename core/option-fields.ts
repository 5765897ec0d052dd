/**
 * How each provider option is offered by the toolkit's front doors — a command-line flag, a chat command option —
 * declared once, so the CLI's parser and help, and the bot's /upscale, are derived from this list. Adding an option:
 * its schema entry (options.ts), its entry here, the vendors that take it (core/vendors/), and the n8n node's
 * parameter for that vendor (nodes/Upscaler/vendors/).
 */
import { CLIPDROP_STRATEGIES, OUTPUT_FORMATS, XIMILAR_MODELS, XIMILAR_MODES, type ProviderOption } from './options';

export interface OptionField {
	key: ProviderOption;
	/** Its name on a form (Zapier, Activepieces, the service's page), unique among the fields. */
	label: string;
	/** Command-line flag, without the dashes, and its one-letter form. */
	flag: string;
	short?: string;
	type: 'number' | 'integer' | 'choice' | 'boolean' | 'url';
	/** Heading it is listed under in --help. */
	section: string;
	/** Placeholder of its value in --help ("N", "PX", "NAME"). */
	arg?: string;
	/** The line in --help. */
	help: string;
	/** A boolean that is on by default: the command line offers only --no-<flag>. */
	negatable?: boolean;
	/** Bounds a chat client checks before the command is sent (the core checks again). */
	min?: number;
	max?: number;
	choices?: ReadonlyArray<{ value: string; name: string }>;
	/** Other spellings accepted on the command line (`--format jpeg`). */
	aliases?: Record<string, string>;
	/** The chat command's option: its name and description (at most 100 characters). Absent: not offered in chat. */
	chat?: { name: string; description: string };
}

const choices = (values: readonly string[], names: string[]) => values.map((value, i) => ({ value, name: names[i] }));

export const OPTION_FIELDS: readonly OptionField[] = [
	{
		key: 'scale', label: 'Scale', flag: 'scale', short: 's', type: 'number', section: 'Size', arg: 'N', min: 1.1, max: 16,
		help: 'multiply both sides by N (default 2; Ximilar: 2, 4 or 8; local: up to 8, --fast 16)',
		chat: { name: 'scale', description: 'Multiply both sides by this (Ximilar: 2, 4 or 8; Local: up to 8; default 2)' },
	},
	{
		key: 'width', label: 'Width', flag: 'width', type: 'integer', section: 'Size', arg: 'PX', min: 1, max: 12288,
		help: 'exact output width (Clipdrop, local); alone, the height keeps the aspect ratio',
		chat: { name: 'width', description: 'Exact output width in pixels (Clipdrop, Local)' },
	},
	{
		key: 'height', label: 'Height', flag: 'height', type: 'integer', section: 'Size', arg: 'PX', min: 1, max: 12288,
		help: 'exact output height (Clipdrop, local)',
		chat: { name: 'height', description: 'Exact output height in pixels (Clipdrop, Local)' },
	},
	{
		key: 'fast', label: 'Fast Mode', flag: 'fast', type: 'boolean', section: 'Local engine',
		help: 'bicubic interpolation instead of the AI model: instant, less detail',
		chat: { name: 'fast', description: 'Local: fast bicubic interpolation instead of the AI model (up to 16x)' },
	},
	{
		key: 'best', label: 'Best Quality', flag: 'best', type: 'boolean', section: 'Local engine',
		help: 'best quality: the ESRGAN-thick model, up to 4x, about 25x slower on a large image (estimated before it starts)',
		chat: { name: 'best', description: 'Local: best-quality model (ESRGAN-thick, up to 4x, about 25x slower)' },
	},
	{
		key: 'strategy', label: 'Strategy', flag: 'strategy', type: 'choice', section: 'Clipdrop', arg: 'NAME', choices: choices(CLIPDROP_STRATEGIES, ['Smooth', 'Detailed']),
		help: 'smooth | detailed (async only; detailed costs 1 credit per output megapixel)',
		chat: { name: 'strategy', description: 'Clipdrop: smooth (1 credit) or detailed (1 credit per output megapixel)' },
	},
	{
		key: 'mode', label: 'Mode', flag: 'mode', type: 'choice', section: 'Ximilar', arg: 'NAME', choices: choices(XIMILAR_MODES, ['Artifact removal', 'Ironed out', 'High fidelity']),
		help: 'artifact_removal | ironed_out | high_fidelity (default artifact_removal)',
		chat: { name: 'mode', description: 'Ximilar: how details are treated' },
	},
	{
		key: 'model', label: 'Model', flag: 'model', type: 'choice', section: 'Ximilar', arg: 'NAME', choices: choices(XIMILAR_MODELS, ['Classic', 'Generative (GAN)']),
		help: 'classic | gan (gan: more detail, more credits)',
		chat: { name: 'model', description: 'Ximilar: classic, or generative (GAN, more credits)' },
	},
	{
		key: 'format', label: 'Format', flag: 'format', type: 'choice', section: 'Ximilar', arg: 'NAME', choices: choices(OUTPUT_FORMATS, ['PNG', 'JPEG', 'WebP']), aliases: { jpeg: 'jpg' },
		help: "png | jpg | webp (default: the input's format; also local)",
		chat: { name: 'format', description: 'Ximilar, Local: output format' },
	},
	{
		key: 'quality', label: 'Quality', flag: 'quality', type: 'integer', section: 'Ximilar', arg: 'N', min: 1, max: 100,
		help: '1..100, with --format (default 85; local: JPEG/WebP, default 90)',
		chat: { name: 'quality', description: 'Ximilar, Local: output quality 1-100 (with format)' },
	},
	{
		key: 'tuneColors', label: 'Tune Colors', flag: 'tune-colors', type: 'boolean', section: 'Ximilar', negatable: true,
		help: "do not match the input's colour palette",
		chat: { name: 'tune_colors', description: "Ximilar: match the input's colours (default on)" },
	},
	{
		key: 'webhook', label: 'Webhook URL', flag: 'webhook', type: 'url', section: 'Ximilar', arg: 'URL',
		help: 'async only: Ximilar calls this URL when the task is done',
	},
];
