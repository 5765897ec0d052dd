/**
 * Waiting for an async task: status checks paced by what the vendor says (eta, queue position; core/polling.ts),
 * progress for the caller, and a clear end: the result's address, the vendor's failure, the time limit, or a cancel.
 */
import { UpscaleError } from './errors';
import type { Flow } from './flow';
import type { UpscaleOptions } from './options';
import { nextPollDelay } from './polling';
import type { RunControl } from './upscaler';
import type { ResultRef, TaskState, VendorContext } from './vendors/types';

type Pace = Pick<UpscaleOptions, 'pollMinMs' | 'pollMaxMs'>;

function failed(f: Flow, taskId: string, state: TaskState): UpscaleError {
	return new UpscaleError(
		'TASK_FAILED',
		`${f.vendor.name} reported that task ${taskId} failed${state.failure ? `: ${state.failure}` : ''}. Credits for a failed task are the vendor's to refund; try again, perhaps with other options.`,
		{ provider: f.provider, taskId, vendorMessage: state.failure },
	);
}

function timedOut(f: Flow, ctx: VendorContext, taskId: string, state: TaskState, started: number): UpscaleError {
	return new UpscaleError(
		'TIMEOUT',
		`${f.vendor.name} has not finished task ${taskId} within the time limit (${Math.round((ctx.deadline - started) / 1000)} s); it is still ${state.status}. Fetch the result later with Get Task ${taskId}.`,
		{ provider: f.provider, taskId, retryable: true },
	);
}

async function pause(f: Flow, ctx: VendorContext, taskId: string, ms: number): Promise<void> {
	try {
		await f.sleep(ms, ctx.signal);
	} catch {
		throw new UpscaleError('ABORTED', `Cancelled while waiting for task ${taskId}.`, { provider: f.provider, taskId });
	}
}

/**
 * Polls until the task is complete; returns where to download the result. A task `justSubmitted` is first left
 * alone for the pace's minimum: no vendor finishes an upscale within a request's round trip, so a check at once
 * would only spend one of the key's requests (Clipdrop allows 60 a minute, status checks included) to learn
 * "queued". A task found again later (Get Task, a restart) is checked at once: it may be long done.
 */
export async function waitForResult(f: Flow, ctx: VendorContext, taskId: string, o: Pace, started: number, run: RunControl, justSubmitted = false): Promise<ResultRef> {
	const pace = {
		minMs: o.pollMinMs ?? f.vendor.pollPace.minMs,
		maxMs: Math.max(o.pollMaxMs ?? f.vendor.pollPace.maxMs, o.pollMinMs ?? 0),
	};
	let backoff = 0;
	let last: TaskState | undefined;
	if (justSubmitted) {
		if (f.clock.now() + pace.minMs >= ctx.deadline) throw timedOut(f, ctx, taskId, { status: 'queued', vendorStatus: 'submitted' }, started);
		await pause(f, ctx, taskId, pace.minMs);
	}
	for (;;) {
		const state = await f.vendor.status(ctx, taskId);
		if (state.status === 'completed') return f.vendor.result(ctx, taskId);
		if (state.status === 'failed') throw failed(f, taskId, state);
		if (last && last.status !== state.status) backoff = 0;
		last = state;
		run.onProgress?.({
			stage: state.status === 'queued' ? 'queued' : 'processing',
			provider: f.provider,
			taskId,
			position: state.position,
			etaMs: state.etaMs,
			vendorStatus: state.vendorStatus,
			elapsedMs: f.clock.now() - started,
		});
		const step = nextPollDelay(pace, f.clock.now(), state.etaMs, backoff);
		backoff = step.backoffMs;
		if (f.clock.now() + step.delayMs >= ctx.deadline) throw timedOut(f, ctx, taskId, state, started);
		await pause(f, ctx, taskId, step.delayMs);
	}
}
