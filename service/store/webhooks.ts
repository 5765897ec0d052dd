/** Webhook messages (one per finished job that asked for one) and every delivery attempt made for them. */
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

export class WebhookTable {
	constructor(private readonly db: Db) {}

	insert(w: Omit<WebhookRow, 'status' | 'attempts'>): void {
		this.db.run(
			"INSERT INTO webhooks (id, job_id, client_id, url, event, payload, status, attempts, next_at, created_at) VALUES (:id, :job_id, :client_id, :url, :event, :payload, 'pending', 0, :next_at, :created_at)",
			{ ...w },
		);
	}

	due(now: number, limit: number): WebhookRow[] {
		return this.db.all<WebhookRow>("SELECT * FROM webhooks WHERE status = 'pending' AND next_at <= :now ORDER BY next_at LIMIT :limit", { now, limit });
	}

	nextDue(): number | undefined {
		const r = this.db.get<{ t: number | null }>("SELECT MIN(next_at) AS t FROM webhooks WHERE status = 'pending'");
		return r?.t ?? undefined;
	}

	ofJob(jobId: string): WebhookRow | undefined {
		return this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE job_id = :jobId ORDER BY created_at DESC LIMIT 1', { jobId });
	}

	attempts(webhookId: string): AttemptRow[] {
		return this.db.all<AttemptRow>('SELECT * FROM webhook_attempts WHERE webhook_id = :webhookId ORDER BY n', { webhookId });
	}

	/** Records one attempt and what follows it: delivered, another try at next_at, or given up. */
	recordAttempt(a: AttemptRow, next: { status: WebhookRow['status']; next_at: number | null }): void {
		this.db.tx(() => {
			this.db.run('INSERT INTO webhook_attempts (webhook_id, n, at, status_code, error, ms) VALUES (:webhook_id, :n, :at, :status_code, :error, :ms)', { ...a });
			this.db.run('UPDATE webhooks SET status = :status, attempts = :n, next_at = :next_at WHERE id = :id', { id: a.webhook_id, n: a.n, ...next });
		});
	}

	purge(before: number): void {
		this.db.run('DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE created_at < :before AND status != \'pending\')', { before });
		this.db.run("DELETE FROM webhooks WHERE created_at < :before AND status != 'pending'", { before });
	}
}
