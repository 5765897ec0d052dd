/**
 * The job engine's one lifecycle, for every door (the job service's server and workers, the Discord bot and its
 * workers): run a queued job (every step a restart must know about is written before it happens: "sending" before
 * the paid request leaves, the vendor's task id the moment it exists), and take over a job whose process stopped
 * (resume its stored task through Upscaler.resume instead of submitting again; fail one caught mid-send with what
 * that means for the bill). A door supplies how an image URL is fetched and hears when a job has ended (its sink:
 * the service's webhook, the bot's Discord delivery).
 */
import { readFile } from 'node:fs/promises';
import { asUpscaleError, isPaid, PROVIDER_NAMES, sniffImage, UpscaleError, type InputFacts, type Progress, type ProviderId, type RunControl, type UpscaleOptionsInput, type UpscaleResult, type Upscaler } from '../../core';
import type { Logger } from '../log';
import type { Files } from './files';
import { newId } from './ids';
import type { JobPatch, JobStore } from './store';
import type { JobRow, JobStatus } from './job';

export interface ExecutorDeps {
	jobs: JobStore;
	files: Files;
	/** The provider a job names (throws when it is not set up here). */
	upscaler(provider: ProviderId): Upscaler;
	log: Logger;
	/**
	 * Fetches a job's image URL by the door's rules (the service refuses private addresses; the bot takes only
	 * Discord's CDN).
	 */
	fetchImage(url: string, o: { signal: AbortSignal; provider: ProviderId; fileName?: string }): Promise<{ bytes: Uint8Array; fileName: string }>;
	jobTimeoutMs: number;
	/** How a job interrupted by a stop is explained: who stopped ("the server"), and what to do next ("Submit it again."). */
	voice: { who: string; again: string };
	/** Called once a job reached succeeded or failed (not canceled): the door's sink (a webhook, a Discord reply). */
	onFinished(row: JobRow): void | Promise<void>;
	/** A job whose process stopped is being resumed from its stored task (the bot says so on the reply). */
	onResume?(row: JobRow): void;
	/** Each progress report of a running job (a fleet worker shares them through Redis). */
	onProgress?(id: string, p: Progress): void;
	/**
	 * Written with a job's outcome, in the same step (the bot: its delivery is under way from that moment, so no
	 * other process delivers it too).
	 */
	outcomePatch?(): JobPatch;
	/** A job ended this way (the service counts them for /metrics). */
	onOutcome?(provider: string, status: JobStatus): void;
	/** A running job of this process was canceled: its work stops here (the bot stops its progress edits). */
	onAbort?(id: string): void;
}

interface Running {
	row: JobRow;
	/** This run's token: its writes are refused once another run holds the job. */
	holder: string;
	controller: AbortController;
	phase: JobRow['phase'];
	progress?: Progress;
	canceled?: boolean;
	/** Another run took the job over (this one's claim had lapsed): this run stops without writing. */
	superseded?: boolean;
}

/** Thrown inside a run whose job another run took over: nothing more is sent or written. */
class Superseded extends Error {}

type RunHooks = Required<Pick<RunControl, 'signal' | 'onProgress' | 'beforeSend' | 'onSubmitted'>>;

const cap = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

/** What canceling a job means for the bill, as its client is told. */
export function cancelOutcome(row: JobRow): { vendorMayCharge: boolean; message: string } {
	const name = PROVIDER_NAMES[row.provider as ProviderId];
	const sent = row.phase === 'sending' || row.phase === 'submitted';
	const free = !isPaid(row.provider as ProviderId) || !sent;
	const message = free
		? 'Canceled before anything was sent: nothing was charged.'
		: `Canceled. ${cap(name)} already had the job${row.vendor_task_id ? ` (task ${row.vendor_task_id})` : ''} and may still charge for it; its result is discarded.`;
	return { vendorMayCharge: !free, message };
}

/** A canceled job's row, as every queue writes it (`extra`: the door's own fields, written in the same step). */
export function canceledPatch(outcome: { vendorMayCharge: boolean; message: string }, extra?: JobPatch): JobPatch {
	return { status: 'canceled', phase: 'done', finished_at: Date.now(), nothing_charged: outcome.vendorMayCharge ? 0 : 1, cancel_note: outcome.message, ...extra };
}

export class JobExecutor {
	private readonly running = new Map<string, Running>();
	private readonly durations: number[] = [];
	private stopping = false;

	constructor(private readonly deps: ExecutorDeps) {}

	progress(id: string): Progress | undefined {
		return this.running.get(id)?.progress;
	}

	/** Average time of the last jobs, in ms (undefined before the first). */
	averageMs(): number | undefined {
		return this.durations.length ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : undefined;
	}

	/** Runs a queued job to its end. `onSent`: the job has left for the vendor (a task id, or a sync job done). */
	async start(id: string, onSent?: () => void): Promise<void> {
		const row = await this.deps.jobs.get(id);
		if (!row || row.status !== 'queued') return;
		const holder = newId('run');
		// Not written: canceled meanwhile.
		if (!(await this.deps.jobs.update(id, { status: 'running', phase: 'preparing', started_at: Date.now(), holder }))) return;
		await this.track({ ...row, status: 'running', phase: 'preparing', holder }, (run) => this.upscale(row, run), onSent);
	}

	/**
	 * A job that was running when the process running it stopped. With a task id: its task is resumed (no second
	 * submit). Caught while being sent: failed, saying the vendor may have charged. Otherwise nothing was sent:
	 * `rerun` puts it back in the queue (and says so), else it fails with "nothing was charged". `done` settles
	 * when a resumed task has ended.
	 */
	async takeOver(stale: JobRow, o: { rerun: boolean }): Promise<{ outcome: 'resumed' | 'failed' | 'requeued'; done: Promise<void> }> {
		// Held by this run from here on, and read in the same step: the previous run can no longer write.
		const row = (await this.deps.jobs.takeOver(stale.id, newId('run'))) ?? stale;
		const holder = row.holder ?? undefined;
		const provider = row.provider as ProviderId;
		const name = PROVIDER_NAMES[provider];
		if (row.vendor_task_id) {
			this.deps.log.info('resuming job', { job: row.id, provider, taskId: row.vendor_task_id });
			this.deps.onResume?.(row);
			const done = this.track(row, (run) => this.deps.upscaler(provider).resume(row.vendor_task_id!, { timeoutMs: this.deps.jobTimeoutMs }, run));
			return { outcome: 'resumed', done };
		}
		const paid = isPaid(provider);
		const sending = row.phase === 'sending' && paid;
		if (!sending && o.rerun) {
			await this.deps.jobs.update(row.id, { status: 'queued', phase: 'queued', started_at: null }, holder);
			return { outcome: 'requeued', done: Promise.resolve() };
		}
		const { who, again } = this.deps.voice;
		const message = !paid
			? `${cap(who)} stopped while ${name} was working on this job: nothing was charged. ${again}`
			: sending
				? `${cap(who)} stopped while sending the job to ${name}, before ${name} answered with a task id: ${name} may have charged for it, but there is nothing to resume. ${again}`
				: `${cap(who)} stopped before the job was sent to ${name}: nothing was charged. ${again}`;
		await this.finishFailed(row, new UpscaleError('INTERNAL', message), !sending, holder);
		return { outcome: 'failed', done: Promise.resolve() };
	}

	/** Stops a running job of this process that was canceled (its outcome is written by whoever canceled it). */
	abort(id: string): void {
		const r = this.running.get(id);
		if (!r) return;
		r.canceled = true;
		r.controller.abort();
		this.deps.onAbort?.(id);
	}

	/**
	 * Stops the running jobs: one not yet sent goes back to the queue (nothing was spent); one the vendor has keeps
	 * its stored phase, for whoever takes it over.
	 */
	async stop(): Promise<void> {
		this.stopping = true;
		for (const r of this.running.values()) {
			if (r.phase === 'preparing') await this.deps.jobs.update(r.row.id, { status: 'queued', phase: 'queued', started_at: null }, r.holder);
			r.controller.abort();
		}
	}

	/** Runs one job's work with its abort controller and progress, and records how it ended. */
	private async track(row: JobRow, work: (run: RunHooks) => Promise<UpscaleResult>, onSent?: () => void): Promise<void> {
		const entry: Running = { row, holder: row.holder ?? newId('run'), controller: new AbortController(), phase: row.phase };
		/** A write of this run's; when another run holds the job now, this one stops. */
		const write = async (patch: Parameters<JobStore['update']>[1]) => {
			if (await this.deps.jobs.update(row.id, patch, entry.holder)) return;
			if (entry.canceled) return;
			entry.superseded = true;
			entry.controller.abort();
			throw new Superseded(`job ${row.id} is held by another run`);
		};
		this.running.set(row.id, entry);
		const started = Date.now();
		const run: RunHooks = {
			signal: entry.controller.signal,
			onProgress: (p: Progress) => {
				entry.progress = p;
				this.deps.onProgress?.(row.id, p);
			},
			// The paid request is about to leave: a crash from here on may have cost a credit.
			beforeSend: async () => {
				if (entry.phase !== 'preparing') return;
				entry.phase = 'sending';
				await write({ phase: entry.phase });
			},
			onSubmitted: async (taskId: string) => {
				entry.phase = 'submitted';
				await write({ phase: entry.phase, vendor_task_id: taskId, execution: 'async' });
				this.deps.log.info('task submitted', { job: row.id, provider: row.provider, taskId });
				onSent?.();
			},
		};
		try {
			const result = await work(run);
			if (entry.canceled || this.stopping || entry.superseded) return;
			await this.finishSucceeded(row, result, entry.holder);
		} catch (e) {
			// Canceled: the cancel wrote the outcome. Stopping: the stored phase tells the next process what to do.
			// Superseded: another run holds the job and decides.
			if (entry.superseded) this.deps.log.warn('job taken over by another run: this one stopped', { job: row.id, phase: entry.phase });
			if (entry.canceled || this.stopping || entry.superseded) return;
			const err = asUpscaleError(e, row.provider as ProviderId);
			await this.finishFailed(row, err, !isPaid(row.provider as ProviderId) || err.local || entry.phase === 'preparing', entry.holder);
		} finally {
			this.running.delete(row.id);
			this.durations.push(Date.now() - started);
			if (this.durations.length > 50) this.durations.shift();
		}
	}

	private async upscale(row: JobRow, run: RunHooks): Promise<UpscaleResult> {
		const provider = row.provider as ProviderId;
		const upscaler = this.deps.upscaler(provider);
		const options = JSON.parse(row.options) as UpscaleOptionsInput;
		let bytes: Uint8Array;
		let fileName = row.input_name ?? 'image';
		let facts: InputFacts;
		if (row.image_url) {
			run.onProgress({ stage: 'downloading', provider, elapsedMs: 0 });
			const got = await this.deps.fetchImage(row.image_url, { signal: run.signal, provider, fileName: row.input_name ?? undefined });
			bytes = got.bytes;
			fileName = got.fileName;
			facts = sniffImage(bytes);
			await this.deps.jobs.update(row.id, { input_name: fileName, input_format: facts.format, input_width: facts.width, input_height: facts.height, input_bytes: facts.bytes });
			upscaler.check(facts, options);
		} else {
			bytes = new Uint8Array(await readFile(row.input_path!));
			// Checked when the upload was accepted; its facts are in the row.
			facts = { format: row.input_format as InputFacts['format'], width: row.input_width!, height: row.input_height!, bytes: bytes.length };
		}
		const o = { ...options };
		// Prefer the async endpoint where it takes the job: a task id survives a restart, a sync request does not.
		if ((o.execution ?? 'auto') === 'auto') {
			try {
				upscaler.check(facts, { ...o, execution: 'async' });
				o.execution = 'async';
			} catch {
				// a size or format only the sync endpoint takes: stay on the automatic choice
			}
		}
		const input = { bytes, fileName };
		const pending = (upscaler as Upscaler).upscale(input, o, run);
		input.bytes = new Uint8Array();
		return pending;
	}

	private async finishSucceeded(row: JobRow, r: UpscaleResult, holder: string): Promise<void> {
		const path = await this.deps.files.writeResult(row.id, r.extension, r.bytes);
		const written = await this.deps.jobs.update(row.id, {
			status: 'succeeded',
			phase: 'done',
			finished_at: Date.now(),
			execution: r.execution,
			vendor_task_id: r.taskId ?? row.vendor_task_id,
			credits_consumed: isPaid(r.provider) ? r.credits.consumed : 0,
			credits_remaining: r.credits.remaining,
			output_path: path,
			output_type: r.contentType,
			output_format: r.format ?? null,
			output_width: r.width ?? null,
			output_height: r.height ?? null,
			output_bytes: r.bytes.length,
			result_url: r.resultUrl ?? null,
			result_expires_at: r.resultExpiresAt ?? null,
			...this.deps.outcomePatch?.(),
		}, holder);
		// Canceled while it finished (the cancel's outcome stands), or another run holds it: the result goes.
		if (!written) {
			const now = await this.deps.jobs.get(row.id);
			if (now && now.status !== 'canceled') this.deps.log.warn('job taken over by another run: this one stopped', { job: row.id, phase: 'done' });
			return this.deps.files.remove(path);
		}
		await this.deps.files.remove(row.input_path);
		this.deps.onOutcome?.(row.provider, 'succeeded');
		this.deps.log.info('job succeeded', { job: row.id, provider: row.provider, taskId: r.taskId, bytes: r.bytes.length, credits: r.credits.consumed, ...(r.params.backend ? { backend: r.params.backend } : {}) });
		await this.ended(row.id);
	}

	private async finishFailed(row: JobRow, e: UpscaleError, nothingCharged: boolean, holder?: string): Promise<void> {
		const message = nothingCharged && !/nothing was charged/i.test(e.message) && isPaid(row.provider as ProviderId) ? `${e.message} Nothing was charged.` : e.message;
		if (!(await this.deps.jobs.update(row.id, { status: 'failed', phase: 'done', finished_at: Date.now(), error_code: e.code, error_message: message, nothing_charged: nothingCharged ? 1 : 0, vendor_task_id: e.taskId ?? row.vendor_task_id, ...this.deps.outcomePatch?.() }, holder))) return;
		this.deps.files.removeSync(row.input_path);
		this.deps.onOutcome?.(row.provider, 'failed');
		this.deps.log.warn('job failed', { job: row.id, provider: row.provider, code: e.code, taskId: e.taskId, error: message });
		await this.ended(row.id);
	}

	private async ended(id: string): Promise<void> {
		const row = await this.deps.jobs.get(id);
		if (row) await this.deps.onFinished(row);
	}
}
