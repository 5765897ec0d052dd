/**
 * Command-line parsing with node:util parseArgs (built in, strict), mapped to core options. The provider options'
 * flags come from core's OPTION_FIELDS; the core validates their values.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { invalidOptions } from '../core/errors';
import { OPTION_FIELDS, type OptionField } from '../core/option-fields';
import type { UpscaleOptionsInput } from '../core/options';
import { argsProblem } from './did-you-mean';

export { USAGE } from './usage';

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

type Flags = NonNullable<ParseArgsConfig['options']>;

const FLAGS: Flags = {
	provider: { type: 'string', short: 'p' },
	...Object.fromEntries(OPTION_FIELDS.map((f) => [f.flag, { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.short ? { short: f.short } : {}) }])),
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
};

/** A provider option's value as core takes it (numbers parsed, aliases resolved; ranges are core's to check). */
function fieldValue(f: OptionField, raw: string | boolean | undefined): unknown {
	if (raw === undefined || typeof raw === 'boolean') return raw;
	switch (f.type) {
		case 'number':
		case 'integer':
			return number(f.flag, raw, f.type === 'integer');
		case 'url':
			return { url: raw };
		default:
			return f.aliases?.[raw] ?? raw;
	}
}

export function parseCli(argv: string[]): CliArgs {
	let parsed;
	try {
		parsed = parseArgs({
			args: argv,
			allowPositionals: true,
			allowNegative: true,
			strict: true,
			options: FLAGS,
		});
	} catch (e) {
		throw invalidOptions(`${argsProblem(e as Error & { code?: string }, Object.keys(FLAGS))} (See upscale --help.)`);
	}
	const v = parsed.values as Record<string, string | boolean | undefined>;
	const text = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
	if (parsed.positionals.length > 1) throw invalidOptions(`Give one image at a time (got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}).`);
	if (v.sync && v.async) throw invalidOptions('--sync and --async exclude each other.');
	const timeout = number('timeout', text('timeout'), false);
	if (timeout !== undefined && timeout <= 0) throw invalidOptions('--timeout must be a positive number of seconds.');
	if (timeout !== undefined && timeout < 1) throw invalidOptions(`--timeout must be at least 1 second (got "${v.timeout}").`);
	if (timeout !== undefined && timeout > 86_400) throw invalidOptions(`--timeout must be at most 86400 seconds (24 hours; got "${v.timeout}").`);
	const options: UpscaleOptionsInput = {};
	const put = <K extends keyof UpscaleOptionsInput>(k: K, val: UpscaleOptionsInput[K] | undefined) => {
		if (val !== undefined) options[k] = val;
	};
	for (const f of OPTION_FIELDS) put(f.key, fieldValue(f, v[f.flag]) as never);
	put('execution', v.sync ? 'sync' : v.async ? 'async' : undefined);
	put('timeoutMs', timeout !== undefined ? Math.round(timeout * 1000) : undefined);
	return {
		source: parsed.positionals[0],
		task: text('task'),
		provider: text('provider'),
		options,
		output: text('output'),
		force: !!v.force,
		json: !!v.json,
		quiet: !!v.quiet,
		help: !!v.help,
		version: !!v.version,
	};
}
