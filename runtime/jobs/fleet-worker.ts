/**
 * A worker of a door's fleet (REDIS_URL): takes that door's jobs from its BullMQ queues (paid jobs `concurrency` at
 * a time, the local engine one at a time) and runs them with the engine's executor, so "sending" and the vendor's
 * task id are in the store before the worker moves on.
 *
 * A worker killed mid-job (SIGKILL, a lost machine) stops renewing its claim; after `lockMs` BullMQ hands the job to
 * another worker, which reads the stored phase: a task id is resumed (never submitted again), a job caught mid-send
 * fails saying the vendor may have charged, one not yet sent runs again. stop(): jobs not yet sent go back to the
 * queue, jobs the vendor has are handed to another worker.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Progress } from '../../core';
import { JobExecutor, type ExecutorDeps } from './executor';
import type { FleetNames } from './fleet-queue';
import { FINISHED } from './job';

/** Progress is shared at most this often per job (and on every change of stage). */
const PROGRESS_EVERY_MS = 500;

export interface FleetWorkerDeps extends ExecutorDeps {
	names: FleetNames;
	/** Commands (progress keys); BullMQ's own connection (`bull`) and the cancel subscription (`sub`) wait forever. */
	redis: Redis;
	bull: Redis;
	sub: Redis;
	concurrency: number;
	lockMs: number;
	/** Where Redis is, with no password: for the queue's error messages. */
	where: string;
	redisUrl: string;
}

export class FleetWorker {
	private readonly executor: JobExecutor;
	private readonly shared = new Map<string, { at: number; stage: string }>();
	private workers: Worker[] = [];
	private stopping = false;

	constructor(private readonly deps: FleetWorkerDeps) {
		this.executor = new JobExecutor({
			...deps,
			onFinished: async (row) => {
				this.shared.delete(row.id);
				await deps.redis.del(deps.names.progressKey(row.id)).catch(() => 0);
				await deps.onFinished(row);
			},
			onProgress: (id: string, p: Progress) => {
				deps.onProgress?.(id, p);
				const last = this.shared.get(id);
				const now = Date.now();
				if (last && last.stage === p.stage && now - last.at < PROGRESS_EVERY_MS) return;
				this.shared.set(id, { at: now, stage: p.stage });
				void deps.redis.set(deps.names.progressKey(id), JSON.stringify(p), 'EX', 3600).catch(() => undefined);
			},
		});
	}

	async start(): Promise<void> {
		const { deps } = this;
		const options = { connection: deps.bull, lockDuration: deps.lockMs, stalledInterval: deps.lockMs, maxStalledCount: 1000 };
		const processor = (job: Job<{ id: string }>, token?: string) => this.process(job, token);
		this.workers = [new Worker(deps.names.vendorQueue, processor, { ...options, concurrency: deps.concurrency }), new Worker(deps.names.localQueue, processor, { ...options, concurrency: 1 })];
		for (const w of this.workers) w.on('error', (e) => deps.log.warn('queue', { error: e.message.split(deps.redisUrl).join(deps.where) }));
		await deps.sub.subscribe(deps.names.cancelChannel);
		deps.sub.on('message', (_channel: string, id: string) => this.executor.abort(id));
	}

	private async process(job: Job<{ id: string }>, token?: string): Promise<void> {
		const { deps } = this;
		const id = job.data.id;
		const row = await deps.jobs.get(id);
		if (!row || FINISHED.includes(row.status)) return;
		if (row.status === 'running') {
			// Its worker stopped (killed, or handed it back): resume, fail or run again, as its stored phase says.
			const t = await this.executor.takeOver(row, { rerun: true });
			deps.log.info('took over a job', { job: id, outcome: t.outcome, taskId: row.vendor_task_id });
			if (t.outcome === 'resumed') await t.done;
			if (t.outcome === 'requeued' && !this.stopping) await this.executor.start(id);
		} else {
			await this.executor.start(id);
		}
		if (this.stopping) {
			// Stopped mid-job: another worker finishes it (the stored phase says how).
			const now = await deps.jobs.get(id);
			if (now && !FINISHED.includes(now.status)) {
				await job.moveToDelayed(Date.now() + 100, token);
				throw new DelayedError();
			}
		}
	}

	/** Jobs not yet sent go back to the queue; the others are left to the next worker; the queues are let go. */
	async stop(): Promise<void> {
		this.stopping = true;
		await this.executor.stop();
		await Promise.all(this.workers.map((w) => w.close().catch(() => undefined)));
	}
}
