/**
 * The job engine's line in one process (no Redis: the job service's embedded server, the bot on its own): the accepted jobs, with a bound on jobs in flight (the
 * vendors' own request budget, shared by every job of a key, paces the requests) and a smaller one on jobs being
 * sent, the local engine one job at a time. Sending a few at a time, in order, gets each job its task id sooner than
 * sending all of them at once over a shared uplink (a shorter window in which a crash leaves "may have charged"),
 * and keeps the API answering quickly while a burst of jobs starts. The work on each job is the executor's
 * (executor.ts). After a crash, recover() has the executor take over each job that was running, and queues
 * again the ones that were waiting.
 */
import { isPaid, type Progress, type ProviderId } from '../../core';
import { canceledPatch, cancelOutcome, JobExecutor, type ExecutorDeps } from './executor';
import type { JobQueue } from './queue';
import { FINISHED, type JobRow } from './job';
import { Tally } from './tally';

export interface RunnerDeps extends ExecutorDeps {
	concurrency: number;
	/** Vendor jobs being prepared and sent at once: from the start until the task id (a sync job: until done). */
	parallelUploads: number;
	/** The line changed: each waiting job's place (1 = next), paid and local lines apart (the bot tells its users). */
	onLine?(places: Array<{ id: string; position: number }>): void;
}

/** A job waiting in this server's line, with the client key it belongs to (the line is fair between keys). */
interface Waiting {
	id: string;
	client: string;
}

export class Runner implements JobQueue {
	private readonly queued: Waiting[] = [];
	private readonly localQueued: Waiting[] = [];
	private vendorSlots = 0;
	private sending = 0;
	/** Sending slots held per client key. */
	private readonly sendingBy = new Tally();
	private localBusy = false;
	/** Whose local job ran last: the next goes to another key when one is waiting. */
	private lastLocalClient?: string;
	private readonly waiters = new Map<string, Set<() => void>>();
	private readonly idle: Array<() => void> = [];
	private running = 0;
	private stopping = false;
	private readonly executor: JobExecutor;

	constructor(private readonly deps: RunnerDeps) {
		this.executor = new JobExecutor({
			...deps,
			onFinished: async (row) => {
				await deps.onFinished(row);
				this.notify(row.id);
			},
		});
	}

	async enqueue(id: string, provider: string, client: string): Promise<void> {
		this.add(id, provider, client);
	}

	private add(id: string, provider: string, client: string): void {
		(isPaid(provider as ProviderId) ? this.queued : this.localQueued).push({ id, client });
		this.pump();
	}

	async depth(): Promise<number> {
		return this.queued.length + this.localQueued.length;
	}

	/** A queued job's place in this server's line (0 = next). */
	async position(id: string): Promise<number | undefined> {
		const i = this.queued.findIndex((w) => w.id === id);
		if (i >= 0) return i;
		const j = this.localQueued.findIndex((w) => w.id === id);
		return j >= 0 ? j : undefined;
	}

	async progress(id: string): Promise<Progress | undefined> {
		return this.executor.progress(id);
	}

	/** Seconds a client should wait before trying again when the queue is full: about one job's time. */
	retryAfterSeconds(): number {
		const avg = this.executor.averageMs() ?? 10_000;
		return Math.min(300, Math.max(1, Math.ceil(avg / 1000)));
	}

	/** Resolves when the job has finished, or after ms. */
	async settled(id: string, ms: number): Promise<void> {
		const row = await this.deps.jobs.get(id);
		if (!row || FINISHED.includes(row.status) || ms <= 0) return;
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

	/**
	 * The next job to send, fair between keys. A job's image is downloaded in its sending slot, so one key's slow
	 * image hosts could otherwise hold every slot and stall every other key. While other keys have jobs waiting, a
	 * key holds at most half the slots (at least one); a key alone may hold all but a quarter of them, which stay
	 * free for the next key that comes (with 4 slots: 3 and 1; with 2 or 3, all).
	 */
	private nextVendorJob(): Waiting | undefined {
		const slots = this.deps.parallelUploads;
		const waiting = new Set(this.queued.map((w) => w.client));
		const cap = (client: string) => (waiting.size > 1 || !waiting.has(client) ? Math.max(1, Math.floor(slots / 2)) : slots - Math.floor(slots / 4));
		const i = this.queued.findIndex((w) => this.sendingBy.of(w.client) < cap(w.client));
		return i < 0 ? undefined : this.queued.splice(i, 1)[0];
	}

	/** The local engine runs one job at a time, taking keys in turn. */
	private nextLocalJob(): Waiting | undefined {
		const i = this.localQueued.findIndex((w) => w.client !== this.lastLocalClient);
		return this.localQueued.splice(Math.max(0, i), 1)[0];
	}

	/** Resolves once no job is waiting or running here (the bot's graceful stop). */
	drain(): Promise<void> {
		if (!this.running && !this.queued.length && !this.localQueued.length) return Promise.resolve();
		return new Promise((r) => this.idle.push(r));
	}

	/** Starts a job and counts it until it ends. */
	private run(id: string, onSent?: () => void): Promise<void> {
		this.running++;
		return this.executor.start(id, onSent).finally(() => {
			this.running--;
		});
	}

	private pump(): void {
		this.tellLine();
		if (!this.running && !this.queued.length && !this.localQueued.length) this.idle.splice(0).forEach((f) => f());
		if (this.stopping) return;
		while (this.vendorSlots < this.deps.concurrency && this.sending < this.deps.parallelUploads) {
			const next = this.nextVendorJob();
			if (!next) break;
			this.startVendorJob(next);
		}
		if (!this.localBusy && this.localQueued.length) {
			const { id, client } = this.nextLocalJob()!;
			this.localBusy = true;
			this.lastLocalClient = client;
			void this.run(id).finally(() => {
				this.localBusy = false;
				this.pump();
			});
		}
	}

	private startVendorJob({ id, client }: Waiting): void {
		this.vendorSlots++;
		this.sending++;
		this.sendingBy.add(client);
		let sent = false;
		const doneSending = () => {
			if (sent) return;
			sent = true;
			this.sending--;
			this.sendingBy.add(client, -1);
			this.pump();
		};
		void this.run(id, doneSending).finally(() => {
			this.vendorSlots--;
			doneSending();
			this.pump();
		});
	}

	private tellLine(): void {
		if (!this.deps.onLine) return;
		const places = (line: Waiting[]) => line.map((w, i) => ({ id: w.id, position: i + 1 }));
		this.deps.onLine([...places(this.queued), ...places(this.localQueued)]);
	}

	/**
	 * Cancels a queued or running job. Says whether the vendor may still charge: it may once the job was sent
	 * (neither vendor can stop a task it accepted).
	 */
	async cancel(row: JobRow): Promise<{ vendorMayCharge: boolean; message: string }> {
		const outcome = cancelOutcome(row);
		const qi = this.queued.findIndex((w) => w.id === row.id);
		if (qi >= 0) this.queued.splice(qi, 1);
		const li = this.localQueued.findIndex((w) => w.id === row.id);
		if (li >= 0) this.localQueued.splice(li, 1);
		this.executor.abort(row.id);
		await this.deps.jobs.update(row.id, canceledPatch(outcome, this.deps.outcomePatch?.()));
		this.deps.files.removeSync(row.input_path);
		this.deps.onOutcome?.(row.provider, 'canceled');
		this.notify(row.id);
		this.pump();
		return outcome;
	}

	/** After a restart: resume what has a task id, fail what was caught mid-way, run again what was only queued. */
	async recover(): Promise<{ resumed: number; failed: number; requeued: number }> {
		let resumed = 0;
		let failed = 0;
		for (const row of await this.deps.jobs.withStatus('running')) {
			const t = await this.executor.takeOver(row, { rerun: false });
			if (t.outcome === 'resumed') {
				resumed++;
				this.running++;
				void t.done
					.catch((e: Error) => this.deps.log.error('resumed job ended in error', { job: row.id, error: e.message }))
					.finally(() => {
						this.running--;
						this.pump();
					});
			} else failed++;
		}
		const queued = await this.deps.jobs.withStatus('queued');
		for (const row of queued) this.add(row.id, row.provider, row.client_id);
		if (resumed + failed + queued.length) this.deps.log.info('recovered jobs after a restart', { resumed, failed, requeued: queued.length });
		return { resumed, failed, requeued: queued.length };
	}

	/**
	 * Stops starting jobs and aborts the running ones. A job the vendor has (a task id) is finished by the next start;
	 * one not yet sent goes back to the queue (nothing was spent), so a clean stop loses nothing.
	 */
	async stop(): Promise<void> {
		this.stopping = true;
		await this.executor.stop();
	}
}
