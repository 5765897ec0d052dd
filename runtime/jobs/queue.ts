/**
 * The jobs waiting and running, as the routes see them: the embedded server's own queue (runner.ts: one process
 * runs them) or, with REDIS_URL, the fleet's queue on Redis (fleet-queue.ts: `upscale worker` processes run them).
 */
import type { Progress } from '../../core';
import type { JobRow } from './job';

export interface JobQueue {
	/** Hands an admitted job to whoever runs jobs (`client`: the key it belongs to; the embedded line is fair between keys). */
	enqueue(id: string, provider: string, client: string): Promise<void>;
	/** Cancels a queued or running job (its outcome written to the store); says whether the vendor may still charge. */
	cancel(row: JobRow): Promise<{ vendorMayCharge: boolean; message: string }>;
	/** Resolves when the job has finished, or after ms. */
	settled(id: string, ms: number): Promise<void>;
	/** A running job's last progress report. */
	progress(id: string): Promise<Progress | undefined>;
	/** A queued job's place in line (0 = next). */
	position(id: string): Promise<number | undefined>;
	/** Jobs accepted and waiting for a slot. */
	depth(): Promise<number>;
	/** Seconds a client should wait before trying again when the queue is full. */
	retryAfterSeconds(): number;
	/** After a restart: what this process finds to finish, fail or queue again. */
	recover(): Promise<{ resumed: number; failed: number; requeued: number }>;
	stop(): Promise<void>;
}
