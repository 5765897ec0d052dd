/**
 * Runs the accepted jobs: a queue with a bound on jobs in flight (the vendors' own request budget, shared by every
 * job of a key, paces the requests) and a smaller one on jobs being sent, the local engine one job at a time.
 * Sending a few at a time, in order, gets each job its task id sooner than sending all of them at once over a
 * shared uplink (a shorter window in which a crash leaves "may have charged"), and keeps the API answering
 * quickly while a burst of jobs starts. Every step a restart must know about is
 * written before it happens: "sending" before a paid request leaves, the vendor's task id the moment it exists.
 * After a crash, recover() finishes each job whose task id was stored (no second submit), fails one caught while
 * being sent or prepared with what that means for the bill, and runs queued ones again.
 */
import { readFile } from 'node:fs/promises';
import { asUpscaleError, downloadImage, PROVIDER_NAMES, sniffImage, Transport, DEFAULT_RETRY, UpscaleError, type Http, type InputFacts, type Progress, type ProviderId, type UpscaleOptionsInput, type UpscaleResult, type Upscaler } from '../core';
import { nodePorts } from '../runtime';
import type { Logger } from '../runtime/log';
import type { Files } from './files';
import type { Metrics } from './metrics';
import type { Providers } from './providers';
import { FINISHED, type JobRow, type JobTable } from './store/jobs';

export interface RunnerDeps {
	jobs: JobTable;
	files: Files;
	providers: Providers;
	metrics: Metrics;
	log: Logger;
	/** Http for clients' image URLs (private addresses refused unless allowed). */
	clientHttp: Http;
	concurrency: number;
	/** Vendor jobs being prepared and sent at once: from the start until the task id (a sync job: until done). */
	parallelUploads: number;
	jobTimeoutMs: number;
	/** Called once a job reached succeeded or failed (not canceled): the webhook. */
	onFinished(row: JobRow): void;
}

interface Running {
	row: JobRow;
	controller: AbortController;
	phase: JobRow['phase'];
	progress?: Progress;
	canceled?: boolean;
}

const cap = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

export class Runner {
	private readonly queued: string[] = [];
	private readonly localQueued: string[] = [];
	private readonly running = new Map<string, Running>();
	private vendorSlots = 0;
	private sending = 0;
	private localBusy = false;
	private readonly waiters = new Map<string, Set<() => void>>();
	private readonly durations: number[] = [];
	private stopping = false;

	constructor(private readonly d: RunnerDeps) {}

	enqueue(id: string, provider: string): void {
		(provider === 'local' ? this.localQueued : this.queued).push(id);
		this.pump();
	}

	/** Jobs accepted and waiting for a slot. */
	get depth(): number {
		return this.queued.length + this.localQueued.length;
	}

	/** A queued job's place in this server's line (0 = next). */
	position(id: string): number | undefined {
		const i = this.queued.indexOf(id);
		if (i >= 0) return i;
		const j = this.localQueued.indexOf(id);
		return j >= 0 ? j : undefined;
	}

	progress(id: string): Progress | undefined {
		return this.running.get(id)?.progress;
	}

	/** Seconds a client should wait before trying again when the queue is full: about one job's time. */
	retryAfterSeconds(): number {
		const avg = this.durations.length ? this.durations.reduce((a, b) => a + b, 0) / this.durations.length : 10_000;
		return Math.min(300, Math.max(1, Math.ceil(avg / 1000)));
	}

	/** Resolves when the job has finished, or after ms. */
	settled(id: string, ms: number): Promise<void> {
		const row = this.d.jobs.get(id);
		if (!row || FINISHED.includes(row.status) || ms <= 0) return Promise.resolve();
		return new Promise((resolve) => {
			const set = this.waiters.get(id) ?? new Set();
			this.waiters.set(id, set);
			const done = () => {
				clearTimeout(timer);
				set.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			set.add(done);
		});
	}

	private notify(id: string): void {
		for (const f of [...(this.waiters.get(id) ?? [])]) f();
		this.waiters.delete(id);
	}

	private pump(): void {
		if (this.stopping) return;
		while (this.vendorSlots < this.d.concurrency && this.sending < this.d.parallelUploads && this.queued.length) {
			const id = this.queued.shift()!;
			this.vendorSlots++;
			this.sending++;
			let sent = false;
			const doneSending = () => {
				if (sent) return;
				sent = true;
				this.sending--;
				this.pump();
			};
			void this.execute(id, doneSending).finally(() => {
				this.vendorSlots--;
				doneSending();
				this.pump();
			});
		}
		if (!this.localBusy && this.localQueued.length) {
			const id = this.localQueued.shift()!;
			this.localBusy = true;
			void this.execute(id).finally(() => {
				this.localBusy = false;
				this.pump();
			});
		}
	}

	/**
	 * Cancels a queued or running job. Says whether the vendor may still charge: it may once the job was sent
	 * (neither vendor can stop a task it accepted).
	 */
	cancel(row: JobRow): { vendorMayCharge: boolean; message: string } {
		const name = PROVIDER_NAMES[row.provider as ProviderId];
		const sent = row.phase === 'sending' || row.phase === 'submitted';
		const free = row.provider === 'local' || !sent;
		const message = free
			? 'Canceled before anything was sent: nothing was charged.'
			: `Canceled. ${cap(name)} already had the job${row.vendor_task_id ? ` (task ${row.vendor_task_id})` : ''} and may still charge for it; its result is discarded.`;
		const qi = this.queued.indexOf(row.id);
		if (qi >= 0) this.queued.splice(qi, 1);
		const li = this.localQueued.indexOf(row.id);
		if (li >= 0) this.localQueued.splice(li, 1);
		const r = this.running.get(row.id);
		if (r) {
			r.canceled = true;
			r.controller.abort();
		}
		this.d.jobs.update(row.id, { status: 'canceled', phase: 'done', finished_at: Date.now(), nothing_charged: free ? 1 : 0, cancel_note: message });
		this.d.files.removeSync(row.input_path);
		this.d.metrics.jobsFinished.inc({ provider: row.provider, status: 'canceled' });
		this.notify(row.id);
		return { vendorMayCharge: !free, message };
	}

	/** After a restart: resume what has a task id, fail what was caught mid-way, run again what was only queued. */
	recover(): { resumed: number; failed: number; requeued: number } {
		let resumed = 0;
		let failed = 0;
		for (const row of this.d.jobs.withStatus('running')) {
			const name = PROVIDER_NAMES[row.provider as ProviderId];
			if (row.vendor_task_id && row.provider !== 'local') {
				resumed++;
				void this.track(row, (run) => this.d.providers.clients[row.provider as 'clipdrop']!.waitForTask(row.vendor_task_id!, { timeoutMs: this.d.jobTimeoutMs }, run));
				continue;
			}
			failed++;
			const sending = row.phase === 'sending' && row.provider !== 'local';
			const message =
				row.provider === 'local'
					? 'The server stopped while the local engine was working on this job: nothing was charged. Submit it again.'
					: sending
						? `The server stopped while sending the job to ${name}, before ${name} answered with a task id: ${name} may have charged for it, but there is nothing to resume. Submit it again.`
						: `The server stopped before the job was sent to ${name}: nothing was charged. Submit it again.`;
			this.finishFailed(row, new UpscaleError('INTERNAL', message), !sending);
		}
		const queued = this.d.jobs.withStatus('queued');
		for (const row of queued) this.enqueue(row.id, row.provider);
		if (resumed + failed + queued.length) this.d.log.info('recovered jobs after a restart', { resumed, failed, requeued: queued.length });
		return { resumed, failed, requeued: queued.length };
	}

	private async execute(id: string, onSent?: () => void): Promise<void> {
		const row = this.d.jobs.get(id);
		if (!row || row.status !== 'queued') return;
		this.d.jobs.update(id, { status: 'running', phase: 'preparing', started_at: Date.now() });
		await this.track({ ...row, status: 'running', phase: 'preparing' }, (run) => this.upscale(row, run), onSent);
	}

	/** Runs one job's work with its abort controller and progress, and records how it ended. */
	private async track(row: JobRow, work: (run: { signal: AbortSignal; onProgress: (p: Progress) => void; onSubmitted: (taskId: string) => void }) => Promise<UpscaleResult>, onSent?: () => void): Promise<void> {
		const entry: Running = { row, controller: new AbortController(), phase: row.phase };
		this.running.set(row.id, entry);
		const started = Date.now();
		const run = {
			signal: entry.controller.signal,
			onProgress: (p: Progress) => {
				entry.progress = p;
				// The paid request is about to leave: a crash from here on may have cost a credit.
				if (p.stage === 'uploading' && entry.phase === 'preparing') {
					entry.phase = 'sending';
					this.d.jobs.update(row.id, { phase: entry.phase });
				}
			},
			onSubmitted: (taskId: string) => {
				entry.phase = 'submitted';
				this.d.jobs.update(row.id, { phase: entry.phase, vendor_task_id: taskId, execution: 'async' });
				onSent?.();
			},
		};
		try {
			const result = await work(run);
			if (entry.canceled || this.stopping) return;
			await this.finishSucceeded(row, result);
		} catch (e) {
			// Canceled: cancel() wrote the outcome. Stopping: the stored phase tells the next start what to do.
			if (entry.canceled || this.stopping) return;
			const err = asUpscaleError(e, row.provider as ProviderId);
			this.finishFailed(row, err, row.provider === 'local' || err.local || entry.phase === 'preparing');
		} finally {
			this.running.delete(row.id);
			this.durations.push(Date.now() - started);
			if (this.durations.length > 50) this.durations.shift();
		}
	}

	private async upscale(row: JobRow, run: { signal: AbortSignal; onProgress: (p: Progress) => void; onSubmitted: (taskId: string) => void }): Promise<UpscaleResult> {
		const provider = row.provider as ProviderId;
		const upscaler = this.d.providers.upscaler(provider);
		const options = JSON.parse(row.options) as UpscaleOptionsInput;
		let bytes: Uint8Array;
		let fileName = row.input_name ?? 'image';
		let facts: InputFacts;
		if (row.image_url) {
			run.onProgress({ stage: 'downloading', provider, elapsedMs: 0 });
			const t = new Transport({ provider: provider === 'local' ? 'clipdrop' : provider, vendorName: 'the image host', ports: { ...nodePorts(), http: this.d.clientHttp }, authHeaders: {}, retry: DEFAULT_RETRY });
			const got = await downloadImage(t, row.image_url, { deadline: Date.now() + 120_000, signal: run.signal, provider });
			bytes = got.bytes;
			fileName = got.fileName;
			facts = sniffImage(bytes);
			this.d.jobs.update(row.id, { input_name: fileName, input_format: facts.format, input_width: facts.width, input_height: facts.height, input_bytes: facts.bytes });
			upscaler.check(facts, options);
		} else {
			bytes = new Uint8Array(await readFile(row.input_path!));
			// Checked when the upload was accepted; its facts are in the row.
			facts = { format: row.input_format as InputFacts['format'], width: row.input_width!, height: row.input_height!, bytes: bytes.length };
		}
		const o = { ...options };
		// Prefer the async endpoint where it takes the job: a task id survives a restart, a sync request does not.
		if (provider !== 'local' && (o.execution ?? 'auto') === 'auto') {
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

	private async finishSucceeded(row: JobRow, r: UpscaleResult): Promise<void> {
		const path = await this.d.files.writeResult(row.id, r.extension, r.bytes);
		this.d.jobs.update(row.id, {
			status: 'succeeded',
			phase: 'done',
			finished_at: Date.now(),
			execution: r.execution,
			vendor_task_id: r.taskId ?? row.vendor_task_id,
			credits_consumed: r.provider === 'local' ? 0 : r.credits.consumed,
			credits_remaining: r.credits.remaining,
			output_path: path,
			output_type: r.contentType,
			output_format: r.format ?? null,
			output_width: r.width ?? null,
			output_height: r.height ?? null,
			output_bytes: r.bytes.length,
		});
		await this.d.files.remove(row.input_path);
		this.d.metrics.jobsFinished.inc({ provider: row.provider, status: 'succeeded' });
		this.d.log.info('job succeeded', { job: row.id, provider: row.provider, taskId: r.taskId, bytes: r.bytes.length, credits: r.credits.consumed });
		this.ended(row.id);
	}

	private finishFailed(row: JobRow, e: UpscaleError, nothingCharged: boolean): void {
		const message = nothingCharged && !/nothing was charged/i.test(e.message) && row.provider !== 'local' ? `${e.message} Nothing was charged.` : e.message;
		this.d.jobs.update(row.id, { status: 'failed', phase: 'done', finished_at: Date.now(), error_code: e.code, error_message: message, nothing_charged: nothingCharged ? 1 : 0, vendor_task_id: e.taskId ?? row.vendor_task_id });
		this.d.files.removeSync(row.input_path);
		this.d.metrics.jobsFinished.inc({ provider: row.provider, status: 'failed' });
		this.d.log.warn('job failed', { job: row.id, provider: row.provider, code: e.code, taskId: e.taskId, error: message });
		this.ended(row.id);
	}

	private ended(id: string): void {
		const row = this.d.jobs.get(id);
		if (row) this.d.onFinished(row);
		this.notify(id);
	}

	/**
	 * Stops starting jobs and aborts the running ones. A job the vendor has (a task id) is finished by the next start;
	 * one not yet sent goes back to the queue (nothing was spent), so a clean stop loses nothing.
	 */
	stop(): void {
		this.stopping = true;
		for (const r of this.running.values()) {
			if (r.phase === 'preparing') this.d.jobs.update(r.row.id, { status: 'queued', phase: 'queued', started_at: null });
			r.controller.abort();
		}
	}
}
