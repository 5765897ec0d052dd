/**
 * Webhooks in the Standard Webhooks scheme (the `standardwebhooks` package signs): `webhook-id` (the same on every
 * attempt, so a receiver can drop repeats), `webhook-timestamp`, `webhook-signature` with the client key's secret
 * (a job's own webhook_url) or the subscription's (each of the key's subscriptions to the event: one message each).
 * A message is stored before its first attempt and every attempt is recorded, so a restart loses none; a failed
 * attempt (no answer, or not 2xx within UPSCALE_WEBHOOK_TIMEOUT, default 15 s) is retried on the schedule (default
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 6 h: the last try about 24 h after the first), then given up.
 *
 * One receiver's slowness costs only its own deliveries: each attempt runs on its own (nothing waits for a batch),
 * at most PER_ENDPOINT attempts are in flight for one client key to one origin (scheme://host:port) and PER_CLIENT
 * for one client key, and the store's claim skips messages whose endpoint or client is at its cap, so a healthy
 * receiver's message is sent as soon as it is due while fifty others hang.
 */
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../runtime/log';
import type { Clients } from './auth';
import { newId } from '../runtime/jobs/ids';
import type { Metrics } from './metrics';
import type { JobView } from './schemas';
import { Tally } from '../runtime/jobs/tally';
import { clientUrlDispatcher } from './url-guard';
import type { JobRow } from '../runtime/jobs/job';
import type { Capacity, WebhookRow, WebhookStore } from './store/webhooks';
import type { SubscriptionStore, WebhookEvent } from './store/webhook-subscriptions';

export type { WebhookEvent } from './store/webhook-subscriptions';

/** Attempts in flight from one sender, in all, to one endpoint, for one client key. */
export const IN_FLIGHT = 256;
export const PER_ENDPOINT = 4;
export const PER_CLIENT = 32;

export interface WebhookSenderOptions {
	table: WebhookStore;
	/** The client keys' subscriptions: each ended job goes to those of its key that take its event. */
	subscriptions: SubscriptionStore;
	clients: Clients;
	retryMs: number[];
	/** How long one attempt may take before it counts as failed. */
	timeoutMs: number;
	allowPrivate: boolean;
	log: Logger;
	metrics: Metrics;
	/** How often to look for due messages other senders may have left (a fleet); 0: only when told. */
	pollMs?: number;
}

/**
 * Where attempts are counted: the client key and the receiver's origin. Keyed by client too, so a shared receiver
 * host (hooks.zapier.com, say) slowed by one client's URLs holds back only that client's messages.
 */
export function endpointOf(clientId: string, url: string): string {
	let origin = url;
	try {
		origin = new URL(url).origin;
	} catch {
		// a URL that does not parse counts as its own endpoint
	}
	return `${clientId} ${origin}`;
}

export class WebhookSender {
	private timer?: NodeJS.Timeout;
	private readonly inFlight = new Set<string>();
	private readonly byEndpoint = new Tally();
	private readonly byClient = new Tally();
	private claiming = false;
	private claimAgain = false;
	private stopped = false;
	private readonly dispatcher;

	constructor(private readonly options: WebhookSenderOptions) {
		this.dispatcher = clientUrlDispatcher(options.allowPrivate);
	}

	/** Stores the message (its id fixed now) and sends it at once; `subscription`: sent for it, to its URL. */
	async enqueue(job: { id: string; client_id: string; webhook_url: string }, event: WebhookEvent, data: JobView, subscription?: string): Promise<string> {
		const now = Date.now();
		const id = newId('msg');
		const payload = JSON.stringify({ type: event, timestamp: new Date(now).toISOString(), data });
		const url = job.webhook_url;
		await this.options.table.insert({ id, job_id: job.id, client_id: job.client_id, url, endpoint: endpointOf(job.client_id, url), subscription_id: subscription ?? null, event, payload, next_at: now, created_at: now });
		this.kick(0);
		return id;
	}

	/**
	 * A job reached succeeded or failed: its webhook, if it asked for one, and one message per subscription of its key
	 * to that event (a cancel sends none; a revoked key's subscriptions get nothing).
	 */
	async jobFinished(row: JobRow, view: JobView): Promise<void> {
		if (row.status !== 'succeeded' && row.status !== 'failed') return;
		const event = row.status === 'succeeded' ? 'job.succeeded' : 'job.failed';
		if (row.webhook_url) await this.enqueue({ id: row.id, client_id: row.client_id, webhook_url: row.webhook_url }, event, view);
		if (!this.options.clients.byId(row.client_id)) return;
		for (const s of await this.options.subscriptions.list(row.client_id)) {
			if (s.events.includes(event)) await this.enqueue({ id: row.id, client_id: row.client_id, webhook_url: s.url }, event, view, s.id);
		}
	}

	/** Starts sending what is due (messages left pending by a previous run included). */
	start(): void {
		this.kick(0);
	}

	private kick(delayMs: number): void {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.claimAndSend(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
		this.timer.unref?.();
	}

	/** Claims what is due within the caps and starts each attempt on its own; one claim at a time. */
	private async claimAndSend(): Promise<void> {
		if (this.claiming) {
			this.claimAgain = true;
			return;
		}
		this.claiming = true;
		try {
			do {
				this.claimAgain = false;
				const free = IN_FLIGHT - this.inFlight.size;
				const due = free > 0 ? await this.options.table.claimDue(Date.now(), free, this.leaseMs(), this.capacity()) : [];
				for (const w of due) if (!this.inFlight.has(w.id)) this.begin(w);
			} while (this.claimAgain && !this.stopped);
			await this.scheduleNext();
		} catch (e) {
			this.options.log.warn('webhook store', { error: (e as Error).message });
			this.kick(this.options.pollMs || 5000);
		} finally {
			this.claiming = false;
		}
	}

	/** A claim outlives its attempt: the attempt's timeout and a margin. */
	private leaseMs(): number {
		return this.options.timeoutMs + 15_000;
	}

	private capacity(): Capacity {
		return { endpoints: this.byEndpoint.toObject(), clients: this.byClient.toObject(), perEndpoint: PER_ENDPOINT, perClient: PER_CLIENT };
	}

	private begin(w: WebhookRow): void {
		const endpoint = w.endpoint ?? '';
		this.inFlight.add(w.id);
		this.byEndpoint.add(endpoint);
		this.byClient.add(w.client_id);
		void this.attempt(w)
			.catch((e: unknown) => this.options.log.warn('webhook store', { webhook: w.id, error: (e as Error).message }))
			.finally(() => {
				this.inFlight.delete(w.id);
				this.byEndpoint.add(endpoint, -1);
				this.byClient.add(w.client_id, -1);
				this.kick(0);
			});
	}

	private async scheduleNext(): Promise<void> {
		const next = await this.options.table.nextDue();
		const poll = this.options.pollMs ? Date.now() + this.options.pollMs : undefined;
		const at = next === undefined ? poll : poll === undefined ? next : Math.min(next, poll);
		if (at !== undefined) this.kick(at - Date.now());
	}

	/** POSTs the signed message once; what the receiver did. */
	private async post(w: WebhookRow, secret: string): Promise<{ statusCode: number | null; error: string | null }> {
		const signed = new Date();
		const headers = {
			'content-type': 'application/json',
			'user-agent': 'upscale-toolkit webhooks',
			'webhook-id': w.id,
			'webhook-timestamp': String(Math.floor(signed.getTime() / 1000)),
			'webhook-signature': new Webhook(secret).sign(w.id, signed, w.payload),
		};
		const signal = AbortSignal.timeout(this.options.timeoutMs);
		try {
			const res = await request(w.url, { method: 'POST', body: w.payload, headers, dispatcher: this.dispatcher, signal, maxRedirections: 0 });
			await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
			return { statusCode: res.statusCode, error: res.statusCode < 200 || res.statusCode > 299 ? `answered ${res.statusCode}` : null };
		} catch (e) {
			const err = e as { code?: string; cause?: { code?: string; message?: string }; name?: string; message?: string };
			const timedOut = err.name === 'TimeoutError' || signal.aborted;
			return { statusCode: null, error: timedOut ? `no answer within ${this.options.timeoutMs / 1000} s` : (err.cause?.message ?? err.message ?? err.code ?? 'failed') };
		}
	}

	/** The secret to sign with: the subscription's, else the client key's; or why the message cannot be sent. */
	private async secretOf(w: WebhookRow): Promise<{ secret: string } | { refused: string }> {
		const client = this.options.clients.byId(w.client_id);
		if (!client) return { refused: 'the client key was revoked' };
		if (!w.subscription_id) return client.webhookSecret ? { secret: client.webhookSecret } : { refused: 'no webhook secret is set for this client key' };
		const s = await this.options.subscriptions.get(w.subscription_id);
		return s && s.client_id === w.client_id ? { secret: s.secret } : { refused: 'the subscription was deleted' };
	}

	private async attempt(w: WebhookRow): Promise<void> {
		const n = w.attempts + 1;
		const started = Date.now();
		const signing = await this.secretOf(w);
		const { statusCode, error } = 'secret' in signing ? await this.post(w, signing.secret) : { statusCode: null, error: signing.refused };
		const delivered = error === null;
		const wait = this.options.retryMs[n - 1];
		const next = delivered ? { status: 'delivered' as const, next_at: null } : !('secret' in signing) || wait === undefined ? { status: 'failed' as const, next_at: null } : { status: 'pending' as const, next_at: Date.now() + wait };
		await this.options.table.recordAttempt({ webhook_id: w.id, n, at: started, status_code: statusCode, error, ms: Date.now() - started }, next);
		this.options.metrics.webhookAttempts.inc({ result: delivered ? 'delivered' : 'failed' });
		const fields = { webhook: w.id, job: w.job_id, event: w.event, ...(w.subscription_id ? { subscription: w.subscription_id } : {}), attempt: n, status: statusCode, error };
		if (delivered) this.options.log.info('webhook delivered', fields);
		else if (next.status === 'failed') this.options.log.warn('webhook given up', fields);
		else this.options.log.info('webhook attempt failed, will retry', { ...fields, retryInMs: wait });
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.timer);
		await this.dispatcher.close().catch(() => undefined);
	}
}
