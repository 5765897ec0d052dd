/**
 * Idempotency keys (the IETF Idempotency-Key header): a client's key remembers the request it came with and the job
 * it made, for a day. The same key and request give the same job; the same key with another request is refused.
 */
import type { Db } from './db';

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export class IdempotencyTable {
	constructor(private readonly db: Db) {}

	find(clientId: string, key: string, now: number): { request_hash: string; job_id: string } | undefined {
		return this.db.get('SELECT request_hash, job_id FROM idempotency WHERE client_id = :clientId AND key = :key AND created_at > :since', {
			clientId,
			key,
			since: now - IDEMPOTENCY_TTL_MS,
		});
	}

	remember(clientId: string, key: string, requestHash: string, jobId: string, now: number): void {
		this.db.run('INSERT OR REPLACE INTO idempotency (client_id, key, request_hash, job_id, created_at) VALUES (:clientId, :key, :requestHash, :jobId, :now)', {
			clientId,
			key,
			requestHash,
			jobId,
			now,
		});
	}

	purge(now: number): number {
		return this.db.run('DELETE FROM idempotency WHERE created_at <= :since', { since: now - IDEMPOTENCY_TTL_MS });
	}
}
