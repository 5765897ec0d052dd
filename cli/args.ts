/** Command-line parsing with node:util parseArgs (built in, strict), mapped to core options. */
import { parseArgs } from 'node:util';
import { invalidOptions, type UpscaleOptionsInput } from '../core';

export const USAGE = `Usage: upscale <file-or-url> [options]
       upscale --task <id> --provider clipdrop|ximilar [--output PATH]

Upscales an image with Clipdrop, Ximilar or the local engine (free, offline) and writes the result to a file.

Provider
  --provider NAME      clipdrop | ximilar | local (default: the vendor whose key is set, else local)
Size
  --scale N            multiply both sides by N (default 2; Ximilar: 2, 4 or 8; local: up to 8, --fast 16)
  --width PX           exact output width (Clipdrop, local); alone, the height keeps the aspect ratio
  --height PX          exact output height (Clipdrop, local)
Local engine
  --fast               Lanczos3 resampling instead of the AI model: instant, less detail
Clipdrop
  --strategy NAME      smooth | detailed (async only; detailed costs 1 credit per output megapixel)
Ximilar
  --mode NAME          artifact_removal | ironed_out | high_fidelity (default artifact_removal)
  --model NAME         classic | gan (gan: more detail, more credits)
  --format NAME        png | jpg | webp (default: the input's format; also local)
  --quality N          1..100, with --format (default 85; local: JPEG/WebP, default 90)
  --no-tune-colors     do not match the input's colour palette
  --webhook URL        async only: Ximilar calls this URL when the task is done
Execution
  --sync               one request, wait for the image (Clipdrop: up to 4096x4096 output)
  --async              submit a task and poll it (the default for Ximilar and for big Clipdrop jobs)
  --timeout SECONDS    give up waiting after this long (default 600); the task id is printed to resume
  --task ID            wait for a task started earlier and download its result
Output
  --output PATH        file (or directory) to write; "-" writes the image to stdout
  --force              overwrite an existing output file
  --json               print one JSON object with the result on stdout
  --quiet              no progress on stderr
  --help, --version

Environment
  CLIPDROP_API_KEY, XIMILAR_API_TOKEN      the vendors' keys
  CLIPDROP_BASE_URL, XIMILAR_BASE_URL      other hosts (a proxy, or \`npm run sandbox\`)
  CLIPDROP_RATE_LIMIT, XIMILAR_RATE_LIMIT  your request quota, e.g. 60/min (Clipdrop's default)
  UPSCALE_LOCAL_THREADS                    model worker threads for local (default: CPUs, at most 4)
  UPSCALE_LOCAL_TILE                       largest tile side for local, in input px (default 256)

Exit status: 0 done; 2 input or options rejected before any request; 1 any other failure; 130 cancelled.`;

export interface CliArgs {
	source?: string;
	task?: string;
	provider?: string;
	options: UpscaleOptionsInput;
	output?: string;
	force: boolean;
	json: boolean;
	quiet: boolean;
	help: boolean;
	version: boolean;
}

function number(flag: string, v: string | undefined, integer: boolean): number | undefined {
	if (v === undefined) return undefined;
	const n = Number(v);
	if (v.trim() === '' || !Number.isFinite(n)) throw invalidOptions(`--${flag} needs a number (got "${v}").`);
	if (integer && !Number.isInteger(n)) throw invalidOptions(`--${flag} needs a whole number (got "${v}").`);
	return n;
}

export function parseCli(argv: string[]): CliArgs {
	let parsed;
	try {
		parsed = parseArgs({
			args: argv,
			allowPositionals: true,
			allowNegative: true,
			strict: true,
			options: {
				provider: { type: 'string', short: 'p' },
				scale: { type: 'string', short: 's' },
				width: { type: 'string' },
				height: { type: 'string' },
				strategy: { type: 'string' },
				mode: { type: 'string' },
				model: { type: 'string' },
				format: { type: 'string' },
				quality: { type: 'string' },
				'tune-colors': { type: 'boolean' },
				fast: { type: 'boolean' },
				webhook: { type: 'string' },
				sync: { type: 'boolean' },
				async: { type: 'boolean' },
				timeout: { type: 'string' },
				task: { type: 'string' },
				output: { type: 'string', short: 'o' },
				force: { type: 'boolean', short: 'f' },
				json: { type: 'boolean' },
				quiet: { type: 'boolean', short: 'q' },
				help: { type: 'boolean', short: 'h' },
				version: { type: 'boolean', short: 'v' },
			},
		});
	} catch (e) {
		throw invalidOptions(`${(e as Error).message.split('\n')[0]} (see upscale --help).`);
	}
	const v = parsed.values;
	if (parsed.positionals.length > 1) throw invalidOptions(`Give one image at a time (got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}).`);
	if (v.sync && v.async) throw invalidOptions('--sync and --async exclude each other.');
	const timeout = number('timeout', v.timeout, false);
	if (timeout !== undefined && timeout <= 0) throw invalidOptions('--timeout must be a positive number of seconds.');
	if (timeout !== undefined && timeout < 1) throw invalidOptions(`--timeout must be at least 1 second (got "${v.timeout}").`);
	if (timeout !== undefined && timeout > 86_400) throw invalidOptions(`--timeout must be at most 86400 seconds (24 hours; got "${v.timeout}").`);
	const options: UpscaleOptionsInput = {};
	const put = <K extends keyof UpscaleOptionsInput>(k: K, val: UpscaleOptionsInput[K] | undefined) => {
		if (val !== undefined) options[k] = val;
	};
	put('scale', number('scale', v.scale, false));
	put('width', number('width', v.width, true));
	put('height', number('height', v.height, true));
	put('strategy', v.strategy as UpscaleOptionsInput['strategy']);
	put('mode', v.mode as UpscaleOptionsInput['mode']);
	put('model', v.model as UpscaleOptionsInput['model']);
	put('format', (v.format === 'jpeg' ? 'jpg' : v.format) as UpscaleOptionsInput['format']);
	put('quality', number('quality', v.quality, true));
	put('tuneColors', v['tune-colors']);
	put('fast', v.fast);
	put('webhook', v.webhook !== undefined ? { url: v.webhook } : undefined);
	put('execution', v.sync ? 'sync' : v.async ? 'async' : undefined);
	put('timeoutMs', timeout !== undefined ? Math.round(timeout * 1000) : undefined);
	return {
		source: parsed.positionals[0],
		task: v.task,
		provider: v.provider,
		options,
		output: v.output,
		force: !!v.force,
		json: !!v.json,
		quiet: !!v.quiet,
		help: !!v.help,
		version: !!v.version,
	};
}
