/**
 * Webhook messages (one per finished job that asked for one, and one per matching subscription of its key) and every
 * delivery attempt made for them: the store's interface (WebhookStore), and its embedded SQLite table. A fleet keeps
 * them on Redis (redis-webhook-store.ts).
 */
import type { Db } from '../../runtime/jobs/db';

export interface WebhookRow {
	id: string;
	job_id: string;
	client_id: string;
	url: string;
	/** The client key and the receiver's origin, where attempts in flight are counted (null on messages stored before it was kept). */
	endpoint: string | null;
	/** The subscription it is sent for (signed with its secret); null: the job's own webhook_url (the key's secret). */
	subscription_id: string | null;
	event: string;
	payload: string;
	status: 'pending' | 'delivered' | 'failed';
	attempts: number;
	next_at: number | null;
	created_at: number;
}

/** A message as it is stored: pending, no attempt yet. */
export type NewWebhook = Omit<WebhookRow, 'status' | 'attempts' | 'subscription_id'> & { subscription_id?: string | null };

export interface AttemptRow {
	webhook_id: string;
	n: number;
	at: number;
	status_code: number | null;
	error: string | null;
	ms: number;
}

/**
 * What a sender has in flight, and its caps: a claim takes no message whose endpoint or client is at its cap, so a
 * receiver that hangs holds back only its own messages (and, past the client's cap, its own client's).
 */
export interface Capacity {
	endpoints: Record<string, number>;
	clients: Record<string, number>;
	perEndpoint: number;
	perClient: number;
}

/** How many due messages a claim looks through for ones within the caps. */
export const CLAIM_SCAN = 5000;

export interface WebhookStore {
	insert(w: NewWebhook): Promise<void>;
	/**
	 * Up to `limit` messages due now, oldest first, within the sender's capacity, each claimed for `leaseMs`: no
	 * other sender takes it meanwhile (in a fleet, several workers send), and one whose sender died is due again
	 * when the lease ends.
	 */
	claimDue(now: number, limit: number, leaseMs: number, capacity: Capacity): Promise<WebhookRow[]>;
	/** When the next pending message is due (undefined: none). */
	nextDue(): Promise<number | undefined>;
	/** The message for the job's own webhook_url (not a subscription's). */
	ofJob(jobId: string): Promise<WebhookRow | undefined>;
	attempts(webhookId: string): Promise<AttemptRow[]>;
	/** Records one attempt and what follows it: delivered, another try at next_at, or given up. */
	recordAttempt(a: AttemptRow, next: { status: WebhookRow['status']; next_at: number | null }): Promise<void>;
	purge(before: number): Promise<void>;
}

/** Takes rows in order while their endpoint and client are under their caps (counting what it takes). */
export function withinCapacity(rows: WebhookRow[], limit: number, c: Capacity): WebhookRow[] {
	const endpoints = { ...c.endpoints };
	const clients = { ...c.clients };
	const taken: WebhookRow[] = [];
	for (const r of rows) {
		if (taken.length >= limit) break;
		const e = r.endpoint ?? '';
		if ((endpoints[e] ?? 0) >= c.perEndpoint || (clients[r.client_id] ?? 0) >= c.perClient) continue;
		endpoints[e] = (endpoints[e] ?? 0) + 1;
		clients[r.client_id] = (clients[r.client_id] ?? 0) + 1;
		taken.push(r);
	}
	return taken;
}

const atCap = (counts: Record<string, number>, cap: number) => JSON.stringify(Object.keys(counts).filter((k) => counts[k] >= cap));

/** The embedded store: one process sends; a claim's lease keeps what is being sent out of the next claim. */
export class WebhookTable implements WebhookStore {
	constructor(private readonly db: Db) {}

	async insert(w: NewWebhook): Promise<void> {
		this.db.run(
			"INSERT INTO webhooks (id, job_id, client_id, url, endpoint, subscription_id, event, payload, status, attempts, next_at, created_at) VALUES (:id, :job_id, :client_id, :url, :endpoint, :subscription_id, :event, :payload, 'pending', 0, :next_at, :created_at)",
			{ subscription_id: null, ...w },
		);
	}

	async claimDue(now: number, limit: number, leaseMs: number, capacity: Capacity): Promise<WebhookRow[]> {
		return this.db.tx(() => {
			const due = this.db.all<WebhookRow>(
				`SELECT * FROM webhooks WHERE status = 'pending' AND next_at <= :now
				AND client_id NOT IN (SELECT value FROM json_each(:clients)) AND COALESCE(endpoint, '') NOT IN (SELECT value FROM json_each(:endpoints))
				ORDER BY next_at LIMIT :scan`,
				{ now, scan: CLAIM_SCAN, clients: atCap(capacity.clients, capacity.perClient), endpoints: atCap(capacity.endpoints, capacity.perEndpoint) },
			);
			const taken = withinCapacity(due, limit, capacity);
			this.db.run('UPDATE webhooks SET next_at = :lease WHERE id IN (SELECT value FROM json_each(:ids))', { lease: now + leaseMs, ids: JSON.stringify(taken.map((w) => w.id)) });
			return taken;
		});
	}

	async nextDue(): Promise<number | undefined> {
		const r = this.db.get<{ t: number | null }>("SELECT MIN(next_at) AS t FROM webhooks WHERE status = 'pending'");
		return r?.t ?? undefined;
	}

	async ofJob(jobId: string): Promise<WebhookRow | undefined> {
		return this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE job_id = :jobId AND subscription_id IS NULL ORDER BY created_at DESC LIMIT 1', { jobId });
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
