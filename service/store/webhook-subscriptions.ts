/**
 * Webhook subscriptions (REST hooks): a client key's standing URLs, each called for every job of that key that ends
 * with an event it chose, signed with the subscription's own secret. The store's interface (SubscriptionStore) and
 * its embedded SQLite table; a fleet keeps them on Redis (redis-webhook-subscriptions.ts), where every API instance
 * and every worker sees them. Creating one is atomic with the per-key cap and the duplicate-URL check.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../runtime/jobs/db';

/** What a subscription can be told about: a job of its key that ended. */
export const WEBHOOK_EVENTS = ['job.succeeded', 'job.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Subscriptions one client key may hold (each ended job is one message per matching subscription). */
export const MAX_SUBSCRIPTIONS_PER_KEY = 20;

export interface Subscription {
	id: string;
	client_id: string;
	url: string;
	events: WebhookEvent[];
	/** whsec_…: shown once, when it is created; the messages are signed with it. */
	secret: string;
	created_at: number;
}

/** Created, or why not: the key already has this URL (its id), or it holds the most it may. */
export type CreateOutcome = { created: Subscription } | { exists: string } | { full: true };

export interface SubscriptionStore {
	create(s: Subscription, cap: number): Promise<CreateOutcome>;
	/** The key's subscriptions, oldest first. */
	list(clientId: string): Promise<Subscription[]>;
	get(id: string): Promise<Subscription | undefined>;
	/** True when the key had it and it is gone now. */
	remove(id: string, clientId: string): Promise<boolean>;
}

/** A new subscription's id and secret: unguessable, time-ordered like the other ids. */
export function newSubscription(clientId: string, url: string, events: WebhookEvent[], now = Date.now()): Subscription {
	const id = `whk_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
	return { id, client_id: clientId, url, events, secret: `whsec_${randomBytes(24).toString('base64')}`, created_at: now };
}

type SubscriptionRow = Omit<Subscription, 'events'> & { events: string };
const fromRow = (r: SubscriptionRow): Subscription => ({ ...r, events: JSON.parse(r.events) as WebhookEvent[] });

/** The embedded store: the table in jobs.db (runtime/jobs/schema.ts). */
export class SubscriptionTable implements SubscriptionStore {
	constructor(private readonly db: Db) {}

	async create(s: Subscription, cap: number): Promise<CreateOutcome> {
		return this.db.tx(() => {
			const same = this.db.get<{ id: string }>('SELECT id FROM webhook_subscriptions WHERE client_id = :client AND url = :url', { client: s.client_id, url: s.url });
			if (same) return { exists: same.id };
			const held = this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_subscriptions WHERE client_id = :client', { client: s.client_id });
			if ((held?.n ?? 0) >= cap) return { full: true as const };
			this.db.run('INSERT INTO webhook_subscriptions (id, client_id, url, events, secret, created_at) VALUES (:id, :client_id, :url, :events, :secret, :created_at)', { ...s, events: JSON.stringify(s.events) });
			return { created: s };
		});
	}

	async list(clientId: string): Promise<Subscription[]> {
		return this.db.all<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE client_id = :clientId ORDER BY created_at, id', { clientId }).map(fromRow);
	}

	async get(id: string): Promise<Subscription | undefined> {
		const r = this.db.get<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = :id', { id });
		return r ? fromRow(r) : undefined;
	}

	async remove(id: string, clientId: string): Promise<boolean> {
		return this.db.run('DELETE FROM webhook_subscriptions WHERE id = :id AND client_id = :clientId', { id, clientId }) > 0;
	}
}
