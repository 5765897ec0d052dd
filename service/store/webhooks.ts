/**
 * Webhook messages (one per finished job that asked for one) and every delivery attempt made for them: the store's
 * interface (WebhookStore), and its embedded SQLite table. A fleet keeps them on Redis (redis-webhook-store.ts).
 */
import type { Db } from './db';

export interface WebhookRow {
	id: string;
	job_id: string;
	client_id: string;
	url: string;
	event: string;
	payload: string;
	status: 'pending' | 'delivered' | 'failed';
	attempts: number;
	next_at: number | null;
	created_at: number;
}

export interface AttemptRow {
	webhook_id: string;
	n: number;
	at: number;
	status_code: number | null;
	error: string | null;
	ms: number;
}

export interface WebhookStore {
	insert(w: Omit<WebhookRow, 'status' | 'attempts'>): Promise<void>;
	/**
	 * Messages due now, each claimed for `leaseMs`: no other sender takes it meanwhile (in a fleet, several workers
	 * send), and one whose sender died is due again when the lease ends.
	 */
	claimDue(now: number, limit: number, leaseMs: number): Promise<WebhookRow[]>;
	/** When the next pending message is due (undefined: none). */
	nextDue(): Promise<number | undefined>;
	ofJob(jobId: string): Promise<WebhookRow | undefined>;
	attempts(webhookId: string): Promise<AttemptRow[]>;
	/** Records one attempt and what follows it: delivered, another try at next_at, or given up. */
	recordAttempt(a: AttemptRow, next: { status: WebhookRow['status']; next_at: number | null }): Promise<void>;
	purge(before: number): Promise<void>;
}

/** The embedded store: one process sends, so a claim needs no lease (the sender skips what it is sending). */
export class WebhookTable implements WebhookStore {
	constructor(private readonly db: Db) {}

	async insert(w: Omit<WebhookRow, 'status' | 'attempts'>): Promise<void> {
		this.db.run(
			"INSERT INTO webhooks (id, job_id, client_id, url, event, payload, status, attempts, next_at, created_at) VALUES (:id, :job_id, :client_id, :url, :event, :payload, 'pending', 0, :next_at, :created_at)",
			{ ...w },
		);
	}

	async claimDue(now: number, limit: number): Promise<WebhookRow[]> {
		return this.db.all<WebhookRow>("SELECT * FROM webhooks WHERE status = 'pending' AND next_at <= :now ORDER BY next_at LIMIT :limit", { now, limit });
	}

	async nextDue(): Promise<number | undefined> {
		const r = this.db.get<{ t: number | null }>("SELECT MIN(next_at) AS t FROM webhooks WHERE status = 'pending'");
		return r?.t ?? undefined;
	}

	async ofJob(jobId: string): Promise<WebhookRow | undefined> {
		return this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE job_id = :jobId ORDER BY created_at DESC LIMIT 1', { jobId });
	}

	async attempts(webhookId: string): Promise<AttemptRow[]> {
		return this.db.all<AttemptRow>('SELECT * FROM webhook_attempts WHERE webhook_id = :webhookId ORDER BY n', { webhookId });
	}

	async recordAttempt(a: AttemptRow, next: { status: WebhookRow['status']; next_at: number | null }): Promise<void> {
		this.db.tx(() => {
			this.db.run('INSERT INTO webhook_attempts (webhook_id, n, at, status_code, error, ms) VALUES (:webhook_id, :n, :at, :status_code, :error, :ms)', { ...a });
			this.db.run('UPDATE webhooks SET status = :status, attempts = :n, next_at = :next_at WHERE id = :id', { id: a.webhook_id, n: a.n, ...next });
		});
	}

	async purge(before: number): Promise<void> {
		this.db.run('DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE created_at < :before AND status != \'pending\')', { before });
		this.db.run("DELETE FROM webhooks WHERE created_at < :before AND status != 'pending'", { before });
	}
}
