/**
 * The fleet's queue as an API instance sees it (REDIS_URL): admitted jobs go onto BullMQ queues on Redis, one for
 * vendor jobs and one for the local engine, and `upscale worker` processes run them (fleet/worker.ts). An API
 * instance holds no job state: the job store is Redis (store/redis-job-store.ts), a running job's progress is a
 * key its worker writes, a cancel is written to the store and published to the workers. Any instance answers for
 * any job.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Progress } from '../../core';
import type { Files } from '../files';
import { cancelOutcome } from '../job-executor';
import type { JobQueue } from '../job-queue';
import type { Metrics } from '../metrics';
import type { JobStore } from '../store/job-store';
import { FINISHED, type JobRow } from '../store/jobs';

/** The names every fleet process agrees on. */
export const FLEET = {
	vendorQueue: 'upscale-vendor-jobs',
	localQueue: 'upscale-local-jobs',
	cancelChannel: 'upscale:cancel',
	progressKey: (id: string) => `upscale:progress:${id}`,
} as const;

export const queueFor = (provider: string) => (provider === 'local' ? FLEET.localQueue : FLEET.vendorQueue);

export class FleetQueue implements JobQueue {
	private readonly queues: Record<string, Queue>;

	constructor(
		private readonly d: { redis: Redis; jobs: JobStore; files: Files; metrics: Metrics; connection: Redis },
	) {
		this.queues = Object.fromEntries([FLEET.vendorQueue, FLEET.localQueue].map((name) => [name, new Queue(name, { connection: d.connection })]));
	}

	async enqueue(id: string, provider: string): Promise<void> {
		// The job id is BullMQ's too: one queue entry per job, whoever adds it.
		await this.queues[queueFor(provider)].add('job', { id }, { jobId: id, removeOnComplete: true, removeOnFail: true });
	}

	async cancel(row: JobRow): Promise<{ vendorMayCharge: boolean; message: string }> {
		const outcome = cancelOutcome(row);
		await this.d.jobs.update(row.id, { status: 'canceled', phase: 'done', finished_at: Date.now(), nothing_charged: outcome.vendorMayCharge ? 0 : 1, cancel_note: outcome.message });
		// A waiting job leaves the queue; a running one is stopped by its worker.
		await this.queues[queueFor(row.provider)].remove(row.id).catch(() => 0);
		await this.d.redis.publish(FLEET.cancelChannel, row.id);
		this.d.files.removeSync(row.input_path);
		this.d.metrics.jobsFinished.inc({ provider: row.provider, status: 'canceled' });
		return outcome;
	}

	async settled(id: string, ms: number): Promise<void> {
		const until = Date.now() + ms;
		for (;;) {
			const row = await this.d.jobs.get(id);
			if (!row || FINISHED.includes(row.status) || Date.now() >= until) return;
			await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
		}
	}

	async progress(id: string): Promise<Progress | undefined> {
		const v = await this.d.redis.get(FLEET.progressKey(id));
		return v ? (JSON.parse(v) as Progress) : undefined;
	}

	async position(id: string): Promise<number | undefined> {
		for (const q of Object.values(this.queues)) {
			const waiting = await q.getJobs(['waiting'], 0, 999, true);
			const i = waiting.findIndex((j) => j?.id === id);
			if (i >= 0) return i;
		}
		return undefined;
	}

	async depth(): Promise<number> {
		const counts = await Promise.all(Object.values(this.queues).map((q) => q.getWaitingCount()));
		return counts.reduce((a, b) => a + b, 0);
	}

	retryAfterSeconds(): number {
		return 10;
	}

	/** Nothing to do in an API instance: the workers take over what stopped (BullMQ hands a stalled job to another). */
	async recover() {
		return { resumed: 0, failed: 0, requeued: 0 };
	}

	async stop(): Promise<void> {
		await Promise.all(Object.values(this.queues).map((q) => q.close().catch(() => undefined)));
		// BullMQ leaves a connection it was given open.
		await this.d.connection.quit().catch(() => this.d.connection.disconnect());
	}
}
