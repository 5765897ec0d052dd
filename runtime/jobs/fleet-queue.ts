/**
 * The job engine's line on Redis (REDIS_URL), as a process that admits jobs sees it: admitted jobs go onto BullMQ
 * queues, one for paid jobs and one for the local engine, and worker processes run them (fleet-worker.ts). The
 * admitting process holds no job state: the job store is Redis (redis-store.ts), a running job's progress is a key
 * its worker writes, a cancel is written to the store and published to the workers. Any process answers for any
 * job. Each door has its own names (the job service's and the bot's jobs never mix on one Redis).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isPaid, type Progress, type ProviderId } from '../../core';
import type { Files } from './files';
import { canceledPatch, cancelOutcome } from './executor';
import type { JobQueue } from './queue';
import type { JobPatch, JobStore } from './store';
import { FINISHED, type JobRow, type JobStatus } from './job';

/** The names every process of one door's fleet agrees on. */
export interface FleetNames {
	vendorQueue: string;
	localQueue: string;
	cancelChannel: string;
	progressKey(id: string): string;
}

/** A door's names: `upscale` (the job service, as it always was) gives upscale-vendor-jobs, upscale:cancel… */
export function fleetNames(prefix: string): FleetNames {
	return {
		vendorQueue: `${prefix}-vendor-jobs`,
		localQueue: `${prefix}-local-jobs`,
		cancelChannel: `${prefix}:cancel`,
		progressKey: (id: string) => `${prefix}:progress:${id}`,
	};
}

/** The queue a provider's jobs wait in: paid ones, or the local engine's (one at a time per worker). */
export const queueFor = (names: FleetNames, provider: string) => (isPaid(provider as ProviderId) ? names.vendorQueue : names.localQueue);

export class FleetQueue implements JobQueue {
	private readonly queues: Record<string, Queue>;

	constructor(
		private readonly deps: {
			names: FleetNames;
			redis: Redis;
			jobs: JobStore;
			files: Files;
			connection: Redis;
			onOutcome?(provider: string, status: JobStatus): void;
			/** Written with a cancel's outcome, in the same step (the door's delivery lease: see ExecutorDeps.outcomePatch). */
			outcomePatch?(): JobPatch;
			/** A queue's connection error (Redis down): reported, never thrown at the process. */
			onError(message: string): void;
		},
	) {
		this.queues = Object.fromEntries(
			[deps.names.vendorQueue, deps.names.localQueue].map((name) => {
				const q = new Queue(name, { connection: deps.connection });
				q.on('error', (e) => deps.onError(e.message));
				return [name, q];
			}),
		);
	}

	async enqueue(id: string, provider: string): Promise<void> {
		// The job id is BullMQ's too: one queue entry per job, whoever adds it.
		await this.queues[queueFor(this.deps.names, provider)].add('job', { id }, { jobId: id, removeOnComplete: true, removeOnFail: true });
	}

	async cancel(row: JobRow): Promise<{ vendorMayCharge: boolean; message: string }> {
		const outcome = cancelOutcome(row);
		await this.deps.jobs.update(row.id, canceledPatch(outcome, this.deps.outcomePatch?.()));
		// A waiting job leaves the queue; a running one is stopped by its worker.
		await this.queues[queueFor(this.deps.names, row.provider)].remove(row.id).catch(() => 0);
		await this.deps.redis.publish(this.deps.names.cancelChannel, row.id);
		this.deps.files.removeSync(row.input_path);
		this.deps.onOutcome?.(row.provider, 'canceled');
		return outcome;
	}

	async settled(id: string, ms: number): Promise<void> {
		const until = Date.now() + ms;
		for (;;) {
			const row = await this.deps.jobs.get(id);
			if (!row || FINISHED.includes(row.status) || Date.now() >= until) return;
			await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
		}
	}

	async progress(id: string): Promise<Progress | undefined> {
		const v = await this.deps.redis.get(this.deps.names.progressKey(id));
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
		await this.deps.connection.quit().catch(() => this.deps.connection.disconnect());
	}
}
