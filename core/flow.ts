/**
 * One upscale from start to result: plan → (credits before) → submit sync or async → wait → download → (credits
 * after). UpscaleClient wires it; input.ts, wait.ts, download.ts and credits.ts each do one step.
 */
import { remainingAfter, startCreditMeter } from './credits';
import { damagedSyncResult, downloadResult, readImage } from './download';
import { UpscaleError } from './errors';
import { prepareInput } from './input';
import type { UpscaleOptions } from './options';
import type { Clock, Sleep } from './ports';
import type { SharedState } from './state';
import type { Transport } from './transport';
import type { InputFacts, OutputImage, RunControl, SubmittedTask, UpscaleInput, UpscaleResult } from './upscaler';
import { waitForResult } from './wait';
import type { VendorId } from './vendors';
import type { Credits, PreparedInput, ResultRef, Vendor, VendorContext } from './vendors/types';

/** What every step needs: the vendor, its transport, time, and the shared state. */
export interface Flow {
	vendor: Vendor;
	provider: VendorId;
	transport: Transport;
	clock: Clock;
	sleep: Sleep;
	state: SharedState;
	/** Budget and activity scope: provider + base URL + key. */
	scope: string;
	ctx(deadline: number, signal?: AbortSignal): VendorContext;
}

function inputFacts(prepared: PreparedInput): InputFacts | null {
	return prepared.kind === 'bytes' ? { format: prepared.info.format, width: prepared.info.width, height: prepared.info.height, bytes: prepared.info.bytes } : null;
}

export interface Finished {
	started: number;
	run: RunControl;
	execution: 'sync' | 'async';
	taskId?: string;
	image: OutputImage;
	ref?: ResultRef;
	input: InputFacts | null;
	credits: Credits;
	params: Record<string, unknown>;
}

/** The result as callers get it; tells the caller "done". */
export function finish(f: Flow, r: Finished): UpscaleResult {
	const elapsedMs = f.clock.now() - r.started;
	r.run.onProgress?.({ stage: 'done', provider: f.provider, taskId: r.taskId, elapsedMs });
	return {
		...r.image,
		provider: f.provider,
		execution: r.execution,
		taskId: r.taskId,
		status: 'completed',
		input: r.input,
		credits: r.credits,
		resultUrl: r.ref?.url,
		resultExpiresAt: r.ref?.expiresAt,
		elapsedMs,
		vendorProcessingMs: r.ref?.processingMs,
		params: r.params,
	};
}

/** Once the vendor has the image, the bytes are dropped, so a 30 MB input is not kept alive next to a 50 MB result. */
function release(prepared: PreparedInput): void {
	if (prepared.kind === 'bytes') prepared.bytes = new Uint8Array();
}

/** One request that answers with the image (Clipdrop) or where to fetch it (Ximilar). */
async function runSync(f: Flow, ctx: VendorContext, plan: ReturnType<Vendor['plan']>, prepared: PreparedInput, started: number, run: RunControl) {
	const r = await f.vendor.runSync(ctx, plan, prepared);
	release(prepared);
	const credits = r.credits ?? {};
	if (r.image) {
		const read = readImage(r.image.bytes, r.image.contentType);
		if ('damaged' in read) throw damagedSyncResult(f, read.damaged, credits.consumed);
		return { image: read.image, ref: undefined, credits, taskId: undefined };
	}
	run.onProgress?.({ stage: 'downloading', provider: f.provider, elapsedMs: f.clock.now() - started });
	return { ...(await downloadResult(f, ctx, undefined, r.ref!)), credits, taskId: undefined };
}

/** Waits for a task (submitted now, or earlier) and downloads its result, telling the caller each stage. */
export async function awaitTask(f: Flow, ctx: VendorContext, taskId: string, o: Pick<UpscaleOptions, 'pollMinMs' | 'pollMaxMs'>, started: number, run: RunControl, justSubmitted = false) {
	const done = await waitForResult(f, ctx, taskId, o, started, run, justSubmitted);
	run.onProgress?.({ stage: 'downloading', provider: f.provider, taskId, elapsedMs: f.clock.now() - started });
	return downloadResult(f, ctx, taskId, done);
}

/** The input as this vendor takes it (bytes sniffed, or its URL; downloaded when the vendor needs bytes). */
function prepare(f: Flow, input: UpscaleInput, deadline: number, signal?: AbortSignal): Promise<PreparedInput> {
	return prepareInput(input, { vendor: f.vendor, provider: f.provider, transport: f.transport, deadline, signal });
}

/** Submit, tell the caller the task id, wait, download; errors after the submit carry the task id. */
async function runAsync(f: Flow, ctx: VendorContext, o: UpscaleOptions, plan: ReturnType<Vendor['plan']>, prepared: PreparedInput, started: number, run: RunControl) {
	const sub = await f.vendor.submit(ctx, plan, prepared);
	release(prepared);
	try {
		await run.onSubmitted?.(sub.taskId);
		return { ...(await awaitTask(f, ctx, sub.taskId, o, started, run, true)), credits: sub.credits ?? {}, taskId: sub.taskId };
	} catch (e) {
		throw e instanceof UpscaleError ? e.withTaskId(sub.taskId) : e;
	}
}

export async function runUpscale(f: Flow, input: UpscaleInput, o: UpscaleOptions, run: RunControl): Promise<UpscaleResult> {
	const started = f.clock.now();
	const deadline = started + o.timeoutMs;
	const ctx = { ...f.ctx(deadline, run.signal), beforeSend: run.beforeSend };
	const prepared = await prepare(f, input, deadline, run.signal);
	const plan = f.vendor.plan(o, prepared);
	const facts = inputFacts(prepared);
	const meter = await startCreditMeter(f, ctx);
	try {
		run.onProgress?.({ stage: 'uploading', provider: f.provider, elapsedMs: f.clock.now() - started });
		const done = plan.execution === 'sync' ? await runSync(f, ctx, plan, prepared, started, run) : await runAsync(f, ctx, o, plan, prepared, started, run);
		const credits = await meter.finish(ctx, done.credits);
		return finish(f, { started, run, execution: plan.execution, taskId: done.taskId, image: done.image, ref: done.ref, input: facts, credits, params: plan.params });
	} finally {
		meter.end();
	}
}

/** Starts an async task and returns at once with its id; the credits as far as they are known right after. */
export async function submitTask(f: Flow, input: UpscaleInput, o: UpscaleOptions, signal?: AbortSignal): Promise<SubmittedTask> {
	const deadline = f.clock.now() + o.timeoutMs;
	const prepared = await prepare(f, input, deadline, signal);
	const plan = f.vendor.plan(o, prepared);
	const ctx = f.ctx(deadline, signal);
	const sub = await f.vendor.submit(ctx, plan, prepared);
	const credits: Credits = f.vendor.creditsFromBalance
		? { consumed: null, remaining: await remainingAfter(f, ctx) }
		: { consumed: sub.credits?.consumed ?? null, remaining: sub.credits?.remaining ?? null };
	return { provider: f.provider, taskId: sub.taskId, status: 'submitted', input: inputFacts(prepared), target: plan.target ?? null, credits, params: plan.params };
}
