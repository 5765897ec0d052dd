/**
 * Where jobs live, as the routes and the runner see it: the embedded SQLite database (one server: sqlite-store.ts)
 * or Redis (a fleet of API instances and workers: redis-store.ts). Every call may wait; `admit` is one atomic
 * step — the Idempotency-Key check, the limits on jobs in flight and the insert cannot interleave with another
 * request's, on one server or on many.
 */
import type { JobRow, JobStatus, NewJob } from './job';

export interface AdmitOptions {
	/** The client's Idempotency-Key and the hash of the request it came with. */
	idempotency?: { key: string; hash: string };
	/** Most jobs queued or running for one client, and for the whole service. */
	maxPerClient: number;
	maxAll: number;
}

export type Admission =
	| { kind: 'created'; row: JobRow }
	/** The same key and request as before: that job. */
	| { kind: 'replayed'; jobId: string }
	/** The same key with another request. */
	| { kind: 'key-reused'; jobId: string }
	/** Over a limit: the client's (`perClient`) or the service's. */
	| { kind: 'busy'; mine: number; all: number; perClient: boolean };

export type JobPatch = Partial<Omit<JobRow, 'id'>>;

export interface JobStore {
	admit(job: NewJob, o: AdmitOptions): Promise<Admission>;
	get(id: string): Promise<JobRow | undefined>;
	/** A client's job (another client's id answers as if it did not exist). */
	ofClient(id: string, clientId: string): Promise<JobRow | undefined>;
	/**
	 * Writes the patch. A change of status applies only while the job has not finished: a finished job's outcome
	 * (a cancel, a result) is final, whoever writes next. With `holder` (a run's token), only while that run holds
	 * the job (no one else took it over). False when nothing was written.
	 */
	update(id: string, patch: JobPatch, holder?: string): Promise<boolean>;
	/**
	 * The job, now held by `holder` (a run taking over a job whose process stopped), read in the same step: a write
	 * the previous run makes afterwards is refused, so what the new run decides from this row stays true.
	 */
	takeOver(id: string, holder: string): Promise<JobRow | undefined>;
	/** Newest first; `before` is the (created_at, id) of the last job of the previous page. */
	list(clientId: string, limit: number, before?: { createdAt: number; id: string }, status?: JobStatus): Promise<JobRow[]>;
	withStatus(status: JobStatus): Promise<JobRow[]>;
	countByStatus(): Promise<Record<JobStatus, number>>;
	/** Finished jobs whose result file is past the retention. */
	expired(before: number): Promise<JobRow[]>;
	/** Forgets job records finished before `before`, and idempotency keys past their day. */
	purge(before: number, now: number): Promise<void>;
	/** The balance the last finished job of a vendor reported, and when. */
	lastCredits(provider: string): Promise<{ remaining: number; at: number } | undefined>;
	/** Finished jobs whose door has not delivered their outcome yet, due by `now` (JobRow.deliver_after). */
	dueDeliveries(now: number, limit: number): Promise<JobRow[]>;
	/** Answers when the store can be used (the readiness probe). */
	ping(): Promise<void>;
}
