/** `upscale --help`: the provider options come from core's OPTION_FIELDS, the providers and variables from the registry. */
// The describing modules only (no zod, no HTTP): --help loads nothing else.
import { OPTION_FIELDS } from '../core/option-fields';
import { PROVIDER_IDS, VENDOR_IDS, VENDOR_REGISTRY } from '../core/vendors';

const line = (left: string, help: string, width = 20) => `  ${left.padEnd(width)} ${help}`.trimEnd();

function optionSections(): string[] {
	const out: string[] = [];
	let section = '';
	for (const f of OPTION_FIELDS) {
		if (f.section !== section) out.push((section = f.section));
		out.push(line(f.negatable ? `--no-${f.flag}` : `--${f.flag}${f.arg ? ` ${f.arg}` : ''}`, f.help));
	}
	return out;
}

function environment(): string[] {
	const vendors = VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].env);
	const rows: Array<[string, string]> = [
		[vendors.map((e) => e.key).join(', '), "the vendors' keys"],
		[vendors.map((e) => e.baseUrl).join(', '), 'other hosts (a proxy, or `npm run sandbox`)'],
		[vendors.map((e) => e.rateLimit).join(', '), "your request quota, e.g. 60/min (Clipdrop's default)"],
		['UPSCALE_LOCAL_THREADS', 'model worker threads for local (default: CPUs, at most 4)'],
		['UPSCALE_LOCAL_TILE', 'largest tile side for local, in input px (default 256)'],
	];
	const width = Math.max(...rows.map(([left]) => left.length)) + 1;
	return rows.map(([left, help]) => line(left, help, width));
}

export const USAGE = [
	'Usage: upscale <file-or-url> [options]',
	`       upscale --task <id> --provider ${VENDOR_IDS.join('|')} [--output PATH]`,
	'',
	`Upscales an image with ${VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name).join(', ')} or the local engine (free, offline) and writes the result to a file.`,
	'',
	'Provider',
	line('--provider NAME', `${PROVIDER_IDS.join(' | ')} (default: the vendor whose key is set, else local)`),
	...optionSections(),
	'Execution',
	line('--sync', 'one request, wait for the image (Clipdrop: up to 4096x4096 output)'),
	line('--async', 'submit a task and poll it (the default for Ximilar and for big Clipdrop jobs)'),
	line('--timeout SECONDS', 'give up waiting after this long (default 600); the task id is printed to resume'),
	line('--task ID', 'wait for a task started earlier and download its result'),
	'Output',
	line('--output PATH', 'file (or directory) to write; "-" writes the image to stdout'),
	line('--force', 'overwrite an existing output file'),
	line('--json', 'print one JSON object with the result on stdout'),
	line('--quiet', 'no progress on stderr'),
	line('--help, --version', ''),
	'',
	'Commands (each with --help)',
	line('upscale serve', 'the HTTP job service (API, page, webhooks): docs/service.md'),
	line('upscale worker', 'a worker of a job-service fleet (REDIS_URL): docs/scaling-out.md'),
	line('upscale keys', "the job service's client keys: create, list, revoke"),
	'',
	'Environment',
	...environment(),
	'',
	'Exit status: 0 done; 2 input or options rejected before any request; 1 any other failure; 130 cancelled; 143 terminated.',
].join('\n');
