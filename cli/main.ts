#!/usr/bin/env node
/** `upscale <file-or-url> [options]`: the core from the command line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asUpscaleError, isPaid, isProviderId, isVendorId, PROVIDER_NAMES, listWords, PROVIDER_IDS, UpscaleError, VENDOR_IDS, type ProviderId, type Upscaler, type UpscaleResult } from '../core';
import { clientFromEnv, LocalUpscaler, readInput, vendorWithKey } from '../runtime';
import { parseCli, USAGE, type CliArgs } from './args';
import { outputPath, planOutput, resultName, WriteFailed, writeResult, writeStdout, type Recovery } from './output';
import { progressReporter } from './progress';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_REJECTED = 2;
const EXIT_CANCELLED = 130;
const EXIT_TERMINATED = 143;

/** The signal that stopped the run (SIGINT: Ctrl-C, exit 130; SIGTERM: a service manager or kill, exit 143). */
let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;

/** --provider, else the first vendor whose key is set, else the local engine. */
function pickProvider(args: CliArgs): ProviderId {
	const p = args.provider?.toLowerCase();
	if (p === undefined) return vendorWithKey() ?? 'local';
	if (isProviderId(p)) return p;
	throw new UpscaleError('INVALID_OPTIONS', `Unknown provider "${args.provider}": use ${listWords(PROVIDER_IDS)}.`, { local: true });
}

function summary(r: UpscaleResult, output: string) {
	return {
		provider: r.provider,
		execution: r.execution,
		taskId: r.taskId ?? null,
		output,
		format: r.format ?? null,
		width: r.width ?? null,
		height: r.height ?? null,
		bytes: r.bytes.length,
		input: r.input,
		credits: r.credits,
		resultUrl: r.resultUrl ?? null,
		resultExpiresAt: r.resultExpiresAt ? new Date(r.resultExpiresAt).toISOString() : null,
		elapsedMs: r.elapsedMs,
		params: r.params,
	};
}

function creditsLine(r: UpscaleResult): string {
	if (!isPaid(r.provider)) return `credits used: 0 (${PROVIDER_NAMES[r.provider].replace(/^the /, '')})`;
	const c = r.credits;
	const used = c.consumed === null ? 'unknown' : String(c.consumed);
	const left = c.remaining === null ? 'unknown' : String(c.remaining);
	return `credits used: ${used}, remaining: ${left}`;
}

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
	if (!args.source && !args.task) throw new UpscaleError('INVALID_OPTIONS', `No image given.\n${USAGE.split('\n')[0]}`, { local: true });
	if (args.source && args.task) throw new UpscaleError('INVALID_OPTIONS', 'Give an image or --task, not both.', { local: true });
	if (args.output === '-' && args.json) throw new UpscaleError('INVALID_OPTIONS', '--output - (image on stdout) and --json exclude each other.', { local: true });
	const provider = pickProvider(args);
	if (!isVendorId(provider) && args.task) throw new UpscaleError('INVALID_OPTIONS', `The local engine has no tasks: --task works with --provider ${listWords(VENDOR_IDS)}.`, { provider, local: true });
	const destination = args.output === '-' ? undefined : await planOutput(args.source ?? `task-${args.task}`, args.output, args.force);
	const vendorId = isVendorId(provider) ? provider : undefined;
	const local = vendorId ? undefined : new LocalUpscaler();
	// REDIS_URL: this run shares its key's request budget with every other process on the key.
	const shared = vendorId && process.env.REDIS_URL?.trim() ? (await import('../runtime/redis-connection')).sharedStateFromEnv(process.env, (m) => process.stderr.write(`warning: ${m}\n`)) : undefined;
	const vendor = vendorId ? clientFromEnv(vendorId, process.env, undefined, shared?.state) : undefined;
	const client: Upscaler = local ?? vendor!;
	const controller = new AbortController();
	const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
		stoppedBy ??= signal;
		controller.abort();
	};
	const onSigint = onSignal('SIGINT');
	const onSigterm = onSignal('SIGTERM');
	process.once('SIGINT', onSigint);
	process.once('SIGTERM', onSigterm);
	const progress = progressReporter(process.stderr, !args.quiet && !args.json);
	try {
		const control = { signal: controller.signal, onProgress: progress.report };
		const input = args.source ? await readInput(args.source) : undefined;
		const result = input ? await client.upscale(input, args.options, control) : await vendor!.waitForTask(args.task!, args.options, control);
		progress.end();
		const recovery: Recovery = { taskId: result.taskId, provider: result.provider, resultUrl: result.resultUrl, resultExpiresAt: result.resultExpiresAt };
		if (!destination) {
			await writeStdout(result.bytes, resultName(args.source ?? `task-${args.task}`, result.extension), recovery);
			if (!args.quiet) process.stderr.write(`${creditsLine(result)}\n`);
			return EXIT_OK;
		}
		const path = outputPath(destination, result.extension);
		await writeResult(path, result.bytes, recovery);
		if (args.json) {
			process.stdout.write(`${JSON.stringify(summary(result, path))}\n`);
		} else {
			const size = result.width && result.height ? `${result.width}x${result.height} ` : '';
			process.stdout.write(`${path}\n`);
			if (!args.quiet) process.stderr.write(`wrote ${size}${result.format?.toUpperCase() ?? ''} (${(result.bytes.length / 1024).toFixed(0)} KB); ${creditsLine(result)}\n`);
		}
		return EXIT_OK;
	} finally {
		progress.end();
		process.removeListener('SIGINT', onSigint);
		process.removeListener('SIGTERM', onSigterm);
		await shared?.close();
		await local?.close();
	}
}

/** How to pick a paid task up again from the command line. */
function resumeHint(e: UpscaleError): string {
	if (!e.taskId || !e.provider || !isPaid(e.provider) || e.code === 'TASK_FAILED' || e.code === 'NOT_FOUND') return '';
	return ` Resume with: upscale --task ${e.taskId} --provider ${e.provider}`;
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
const subcommand = argv[0] === 'serve' || argv[0] === 'keys' || argv[0] === 'worker' ? argv[0] : undefined;
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
if (subcommand === 'serve') {
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
		.then((code) => {
			process.exitCode = code;
		})
		.catch((err) => {
			process.exitCode = fail(err, json);
		});
}
