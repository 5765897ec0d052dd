#!/usr/bin/env node
/**
 * `upscale <file-or-url> [options]`: the core from the command line. This entry loads only what a command needs:
 * --help and --version the argument parser and the option descriptions, a job cli/run.ts (the core, the runtime),
 * `serve`, `worker` and `keys` the service.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asUpscaleError, invalidOptions, UpscaleError } from '../core/errors';
import { isPaid } from '../core/vendors';
import { envCommandArgs } from '../runtime/env-command';
import { parseCli, USAGE } from './args';
import { nearest } from '../runtime/nearest';
import { SERVE, WORKER } from './serve-usage';
import { WriteFailed } from './write-failed';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_REJECTED = 2;
const EXIT_CANCELLED = 130;
const EXIT_TERMINATED = 143;

/** The signal that stopped the run (SIGINT: Ctrl-C, exit 130; SIGTERM: a service manager or kill, exit 143). */
let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;

async function run(argv: string[]): Promise<number> {
	const args = parseCli(argv);
	if (args.help) {
		process.stdout.write(`${USAGE}\n`);
		return EXIT_OK;
	}
	if (args.version) {
		const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
		process.stdout.write(`${pkg.version}\n`);
		return EXIT_OK;
	}
	if (args.source === '-') throw invalidOptions('Reading the image from standard input is not supported: give a file path or an http(s) URL (--output - does write the result to standard output).');
	// `upscale serv`: a command mistyped reads as an image that does not exist.
	const meant = args.source && /^[a-z-]+$/i.test(args.source) && !existsSync(args.source) ? nearest(args.source, COMMANDS) : undefined;
	if (meant) throw invalidOptions(`No such file: ${args.source}. Did you mean the command \`upscale ${meant}\`?`);
	const { upscaleFromArgs } = await import('./run');
	return upscaleFromArgs(args, (signal) => (stoppedBy ??= signal));
}

/** A word as the shell reads it back: quoted unless it is plain. */
const shellWord = (s: string) => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The --output the command line gave (the resume hint keeps it), if it parses. */
function outputGiven(argv: string[]): string | undefined {
	try {
		return parseCli(argv).output;
	} catch {
		return undefined;
	}
}

/** How to pick a paid task up again from the command line, writing where this run was to write. */
function resumeHint(e: UpscaleError): string {
	if (!e.taskId || !e.provider || !isPaid(e.provider) || e.code === 'TASK_FAILED' || e.code === 'NOT_FOUND') return '';
	const output = outputGiven(argv);
	return ` Resume with: upscale --task ${e.taskId} --provider ${e.provider}${output ? ` --output ${shellWord(output)}` : ''}`;
}

function fail(err: unknown, json: boolean): number {
	if (err instanceof WriteFailed) {
		process.stderr.write(`upscale: ${err.message}\n`);
		if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'WRITE_FAILED', message: err.message } })}\n`);
		return EXIT_FAILED;
	}
	const e = asUpscaleError(err);
	const code = e.code === 'ABORTED' ? (stoppedBy === 'SIGTERM' ? EXIT_TERMINATED : EXIT_CANCELLED) : e.local ? EXIT_REJECTED : EXIT_FAILED;
	const message = `${e.message.replace(/\n/g, ' ')}${resumeHint(e)}`;
	process.stderr.write(`upscale: ${message}\n`);
	if (json) process.stdout.write(`${JSON.stringify({ error: { ...e.toJSON(), message } })}\n`);
	return code;
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
// `upscale serve`, `upscale worker` and `upscale keys`: the HTTP job service, the workers of a fleet, and its client
// keys (loaded only when asked for). An image file named "serve", "worker" or "keys" is given as ./serve.
const COMMANDS = ['serve', 'worker', 'keys'] as const;
const subcommand = COMMANDS.find((c) => c === argv[0]);
// A reader that went away (a closed pipe) must not turn our own messages into errors: those writes are dropped.
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);
// Whatever escapes (a library's stray 'error' event) ends as one line, never a stack trace; only the first is
// reported, so a failure that repeats itself cannot keep the process busy.
let escaped = false;
const onEscape = (err: unknown) => {
	if (escaped) return;
	escaped = true;
	process.exitCode = fail(err, json);
};
// serve and worker take no arguments (--help prints their settings); a refused one ends here, before any setting is read.
const handled = subcommand === 'serve' || subcommand === 'worker' ? envCommandArgs(subcommand === 'serve' ? SERVE : WORKER, argv.slice(1)) : undefined;
if (handled !== undefined) {
	process.exitCode = handled;
} else if (subcommand === 'serve') {
	void import('../service/main').then(({ serve }) => serve()).then(
		(code) => process.exit(code),
		(err) => {
			process.stderr.write(`upscale serve: ${(err as Error).message}\n`);
			process.exit(1);
		},
	);
} else if (subcommand === 'worker') {
	void import('../service/fleet/worker').then(({ work }) => work()).then(
		(code) => process.exit(code),
		(err) => {
			process.stderr.write(`upscale worker: ${(err as Error).message}\n`);
			process.exit(1);
		},
	);
} else if (subcommand === 'keys') {
	void import('../service/keys/command').then(({ keysCommand }) => {
		process.exitCode = keysCommand(argv.slice(1));
	});
} else {
	process.on('uncaughtException', onEscape);
	process.on('unhandledRejection', onEscape);
	run(argv)
		// One command, done: its output is written and flushed (stdout and stderr are synchronous on Linux), the engine
		// closed; the process ends now rather than after the native libraries wind their threads down one by one.
		.then((code) => process.exit(code))
		.catch((err) => {
			process.exitCode = fail(err, json);
		});
}
