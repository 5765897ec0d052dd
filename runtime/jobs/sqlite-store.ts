/**
 * The embedded job store: jobs.db in the data directory (one server owns it, see lock.ts). Its calls are
 * synchronous underneath, so `admit` runs its check and insert in one transaction with nothing in between.
 */
import type { Db } from './db';
import { IdempotencyTable } from './idempotency';
import type { Admission, AdmitOptions, JobPatch, JobStore } from './store';
import { JobTable, type JobRow, type JobStatus, type NewJob } from './job';

export class SqliteJobStore implements JobStore {
	readonly table: JobTable;
	private readonly idempotency: IdempotencyTable;

	constructor(private readonly db: Db) {
		this.table = new JobTable(db);
		this.idempotency = new IdempotencyTable(db);
	}

	async admit(job: NewJob, o: AdmitOptions): Promise<Admission> {
		const key = o.idempotency;
		if (key) {
			const seen = this.idempotency.find(job.client_id, key.key, job.created_at);
			if (seen) return seen.request_hash === key.hash ? { kind: 'replayed', jobId: seen.job_id } : { kind: 'key-reused', jobId: seen.job_id };
		}
		// No limits (the bot: its own per-user slot): nothing to count.
		if (o.maxPerClient < Number.MAX_SAFE_INTEGER || o.maxAll < Number.MAX_SAFE_INTEGER) {
			const active = this.table.active(job.client_id);
			if (active.mine >= o.maxPerClient || active.all >= o.maxAll) return { kind: 'busy', ...active, perClient: active.mine >= o.maxPerClient };
		}
		let row!: JobRow;
		this.db.tx(() => {
			row = this.table.insert(job);
			if (key) this.idempotency.remember(job.client_id, key.key, key.hash, job.id, job.created_at);
		});
		return { kind: 'created', row };
	}

	async get(id: string) {
		return this.table.get(id);
	}

	async ofClient(id: string, clientId: string) {
		return this.table.ofClient(id, clientId);
	}

	async update(id: string, patch: JobPatch, holder?: string) {
		return this.table.update(id, patch, holder);
	}

	async takeOver(id: string, holder: string) {
		this.table.update(id, { holder });
		return this.table.get(id);
	}

	async list(clientId: string, limit: number, before?: { createdAt: number; id: string }, status?: JobStatus) {
		return this.table.list(clientId, limit, before, status);
	}

	async withStatus(status: JobStatus) {
		return this.table.withStatus(status);
	}

	async countByStatus() {
		return this.table.countByStatus();
	}

	async expired(before: number) {
		return this.table.expired(before);
	}

	async purge(before: number, now: number) {
		this.table.purge(before);
		this.idempotency.purge(now);
	}

	async lastCredits(provider: string) {
		const r = this.db.get<{ credits_remaining: number; finished_at: number }>(
			'SELECT credits_remaining, finished_at FROM jobs WHERE provider = :provider AND credits_remaining IS NOT NULL ORDER BY finished_at DESC LIMIT 1',
			{ provider },
		);
		return r ? { remaining: r.credits_remaining, at: r.finished_at } : undefined;
	}

	async dueDeliveries(now: number, limit: number) {
		return this.table.dueDeliveries(now, limit);
	}

	async ping() {
		this.db.get('SELECT 1 AS ok');
	}
}
