/**
 * `upscale <file-or-url> [options]` once the arguments are read: the provider picked, the image read, the job run
 * (progress on stderr), the result written. Loaded only for a job (cli/main.ts), so --help never loads the core's
 * client, the runtime or HTTP.
 */
import { isPaid, isProviderId, isVendorId, listWords, PROVIDER_IDS, PROVIDER_NAMES, providerInfo, UpscaleError, VENDOR_IDS, type ProviderId, type Upscaler, type UpscaleResult } from '../core';
import { clientFromEnv, LocalUpscaler, readInput, vendorWithKey } from '../runtime';
import { USAGE, type CliArgs } from './args';
import { outputPath, planOutput, resultName, writeResult, writeStdout, type Recovery } from './output';
import { progressReporter } from './progress';

/** --provider, else the first vendor whose key is set, else the local engine. */
function pickProvider(args: CliArgs): ProviderId {
	const p = args.provider?.toLowerCase();
	if (p === undefined) return vendorWithKey() ?? 'local';
	if (isProviderId(p)) return p;
	// Named back only when it looks like a name: a key pasted into --provider is not printed.
	const shown = /^[a-z][a-z0-9_-]{0,15}$/i.test(p) ? ` "${args.provider}"` : '';
	throw new UpscaleError('INVALID_OPTIONS', `Unknown provider${shown}: use ${listWords(PROVIDER_IDS)}.`, { local: true });
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

/** The longest a job may be given (core's limit): the local engine's "no limit" on the command line. */
const LOCAL_NO_LIMIT_MS = 86_400_000;

/** The formats an output name can ask for, by its extension. */
const NAMED_FORMATS: Record<string, 'png' | 'jpg' | 'webp'> = { png: 'png', jpg: 'jpg', jpeg: 'jpg', webp: 'webp' };
const namedFormat = (output: string | undefined) => NAMED_FORMATS[/\.([a-z]+)$/i.exec(output ?? '')?.[1]?.toLowerCase() ?? ''];

/** The options a job is run with: --timeout for the local engine only when typed; `--output photo.webp` with no --format: the format the name asks for, where the provider converts (local, Ximilar). */
function optionsFor(args: CliArgs, provider: ProviderId): CliArgs['options'] {
	// The local engine runs here, with its progress and estimate on screen: no time limit unless --timeout is typed.
	if (provider === 'local' && args.options.timeoutMs === undefined) args = { ...args, options: { ...args.options, timeoutMs: LOCAL_NO_LIMIT_MS } };
	const format = namedFormat(args.output);
	// The same format as the input's is the default already: nothing is added to the request.
	if (!format || !args.source || format === namedFormat(args.source) || args.options.format !== undefined || !providerInfo(provider).accepts.includes('format')) return args.options;
	return { ...args.options, format };
}

function creditsLine(r: UpscaleResult): string {
	if (!isPaid(r.provider)) return `credits used: 0 (${PROVIDER_NAMES[r.provider].replace(/^the /, '')})`;
	const c = r.credits;
	const used = c.consumed === null ? 'unknown' : String(c.consumed);
	const left = c.remaining === null ? 'unknown' : String(c.remaining);
	return `credits used: ${used}, remaining: ${left}`;
}

/**
 * The job the command line asked for (an image, or --task), written where it asked; the exit code. `onStop` learns
 * which signal stopped it (Ctrl-C: SIGINT; a service manager: SIGTERM).
 */
export async function upscaleFromArgs(args: CliArgs, onStop: (signal: 'SIGINT' | 'SIGTERM') => void): Promise<number> {
	if (!args.source && !args.task) throw new UpscaleError('INVALID_OPTIONS', `No image given.\n${USAGE.split('\n')[0]}`, { local: true });
	if (args.source && args.task) throw new UpscaleError('INVALID_OPTIONS', 'Give an image or --task, not both.', { local: true });
	if (args.output === '-' && args.json) throw new UpscaleError('INVALID_OPTIONS', '--output - (image on stdout) and --json exclude each other.', { local: true });
	const provider = pickProvider(args);
	if (!isVendorId(provider) && args.task) throw new UpscaleError('INVALID_OPTIONS', `The local engine has no tasks: --task works with --provider ${listWords(VENDOR_IDS)}.`, { provider, local: true });
	const destination = args.output === '-' ? undefined : await planOutput(args.source ?? `task-${args.task}`, args.output, args.force);
	const vendorId = isVendorId(provider) ? provider : undefined;
	// One job, then exit: a small image runs in this thread rather than waiting for a worker to start.
	const local = vendorId ? undefined : new LocalUpscaler({ inline: true });
	// REDIS_URL: this run shares its key's request budget with every other process on the key.
	const shared = vendorId && process.env.REDIS_URL?.trim() ? (await import('../runtime/redis-connection')).sharedStateFromEnv(process.env, (m) => process.stderr.write(`warning: ${m}\n`)) : undefined;
	const vendor = vendorId ? clientFromEnv(vendorId, process.env, undefined, shared?.state) : undefined;
	const client: Upscaler = local ?? vendor!;
	const controller = new AbortController();
	const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
		onStop(signal);
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
		const result = input ? await client.upscale(input, optionsFor(args, provider), control) : await vendor!.waitForTask(args.task!, args.options, control);
		progress.end();
		const recovery: Recovery = { taskId: result.taskId, provider: result.provider, resultUrl: result.resultUrl, resultExpiresAt: result.resultExpiresAt };
		if (!destination) {
			await writeStdout(result.bytes, resultName(args.source ?? `task-${args.task}`, result.extension), recovery);
			if (!args.quiet) process.stderr.write(`${creditsLine(result)}\n`);
			return 0;
		}
		const path = outputPath(destination, result.extension);
		await writeResult(path, result.bytes, recovery);
		const asked = destination.file && namedFormat(destination.file);
		if (asked && asked !== result.extension && !args.quiet) {
			const why = providerInfo(result.provider).accepts.includes('format') ? 'as --format asked' : `${PROVIDER_NAMES[result.provider]} does not convert formats`;
			process.stderr.write(`note: ${path} holds a ${result.extension.toUpperCase()} image, not the format its name says (${why}).\n`);
		}
		if (args.json) {
			process.stdout.write(`${JSON.stringify(summary(result, path))}\n`);
		} else {
			const size = result.width && result.height ? `${result.width}x${result.height} ` : '';
			process.stdout.write(`${path}\n`);
			if (!args.quiet) process.stderr.write(`wrote ${size}${result.format?.toUpperCase() ?? ''} (${(result.bytes.length / 1024).toFixed(0)} KB); ${creditsLine(result)}\n`);
		}
		return 0;
	} finally {
		progress.end();
		process.removeListener('SIGINT', onSigint);
		process.removeListener('SIGTERM', onSigterm);
		await shared?.close();
		await local?.close();
	}
}
