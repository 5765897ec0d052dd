/**
 * Webhooks in the Standard Webhooks scheme (the `standardwebhooks` package signs): `webhook-id` (the same on every
 * attempt, so a receiver can drop repeats), `webhook-timestamp`, `webhook-signature` with the client key's secret.
 * A message is stored before its first attempt and every attempt is recorded, so a restart loses none; a failed
 * attempt (no answer, or not 2xx within 15 s) is retried on the schedule (default 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 6 h: the last try about 24 h after the first), then given up.
 */
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../runtime/log';
import type { Clients } from './auth';
import { newId } from './ids';
import type { Metrics } from './metrics';
import type { JobView } from './schemas';
import { clientUrlDispatcher } from './url-guard';
import type { JobRow } from './store/jobs';
import type { WebhookRow, WebhookStore } from './store/webhooks';

export type WebhookEvent = 'job.succeeded' | 'job.failed';

const ATTEMPT_TIMEOUT_MS = 15_000;
const PARALLEL = 8;
/** A claimed message is another sender's again after this (its sender died mid-attempt): the attempt's timeout and more. */
const CLAIM_MS = 30_000;

export class WebhookSender {
	private timer?: NodeJS.Timeout;
	private sending = new Set<string>();
	private stopped = false;
	private readonly dispatcher;

	constructor(
		private readonly o: { table: WebhookStore; clients: Clients; retryMs: number[]; allowPrivate: boolean; log: Logger; metrics: Metrics; /** How often to look for due messages other senders may have left (a fleet); 0: only when told. */ pollMs?: number },
	) {
		this.dispatcher = clientUrlDispatcher(o.allowPrivate);
	}

	/** Stores the message (its id fixed now) and sends it at once. */
	async enqueue(job: { id: string; client_id: string; webhook_url: string }, event: WebhookEvent, data: JobView): Promise<string> {
		const now = Date.now();
		const id = newId('msg');
		const payload = JSON.stringify({ type: event, timestamp: new Date(now).toISOString(), data });
		await this.o.table.insert({ id, job_id: job.id, client_id: job.client_id, url: job.webhook_url, event, payload, next_at: now, created_at: now });
		this.kick(0);
		return id;
	}

	/** A job reached succeeded or failed: its webhook, if it asked for one (a cancel sends none). */
	async jobFinished(row: JobRow, view: JobView): Promise<void> {
		if (!row.webhook_url || (row.status !== 'succeeded' && row.status !== 'failed')) return;
		await this.enqueue({ id: row.id, client_id: row.client_id, webhook_url: row.webhook_url }, row.status === 'succeeded' ? 'job.succeeded' : 'job.failed', view);
	}

	/** Starts sending what is due (messages left pending by a previous run included). */
	start(): void {
		this.kick(0);
	}

	private kick(delayMs: number): void {
		if (this.stopped) return;
		clearTimeout(this.timer);
		this.timer = setTimeout(() => void this.sendDue(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
		this.timer.unref?.();
	}

	private async sendDue(): Promise<void> {
		try {
			await this.sendDueOnce();
		} catch (e) {
			this.o.log.warn('webhook store', { error: (e as Error).message });
			this.kick(this.o.pollMs || 5000);
		}
	}

	private async sendDueOnce(): Promise<void> {
		const now = Date.now();
		const free = Math.max(0, PARALLEL - this.sending.size);
		const due = free ? (await this.o.table.claimDue(now, free, CLAIM_MS)).filter((w) => !this.sending.has(w.id)) : [];
		// What is being sent now reschedules when it ends.
		if (!due.length && this.sending.size) return;
		await Promise.all(
			due.map(async (w) => {
				this.sending.add(w.id);
				try {
					await this.attempt(w);
				} finally {
					this.sending.delete(w.id);
				}
			}),
		);
		const next = await this.o.table.nextDue();
		const poll = this.o.pollMs ? Date.now() + this.o.pollMs : undefined;
		const at = next === undefined ? poll : poll === undefined ? next : Math.min(next, poll);
		if (at !== undefined) this.kick(at - Date.now());
	}

	private async attempt(w: WebhookRow): Promise<void> {
		const n = w.attempts + 1;
		const started = Date.now();
		let statusCode: number | null = null;
		let error: string | null = null;
		const client = this.o.clients.byId(w.client_id);
		if (!client?.webhookSecret) {
			error = client ? 'no webhook secret is set for this client key' : 'the client key was revoked';
		} else {
			try {
				const signed = new Date();
				const headers = {
					'content-type': 'application/json',
					'user-agent': 'upscale-toolkit webhooks',
					'webhook-id': w.id,
					'webhook-timestamp': String(Math.floor(signed.getTime() / 1000)),
					'webhook-signature': new Webhook(client.webhookSecret).sign(w.id, signed, w.payload),
				};
				const res = await request(w.url, { method: 'POST', body: w.payload, headers, dispatcher: this.dispatcher, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS), maxRedirections: 0 });
				statusCode = res.statusCode;
				await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
				if (statusCode < 200 || statusCode > 299) error = `answered ${statusCode}`;
			} catch (e) {
				const err = e as { code?: string; cause?: { code?: string; message?: string }; name?: string; message?: string };
				error = err.name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : (err.cause?.message ?? err.code ?? err.message ?? 'failed');
			}
		}
		const delivered = error === null;
		const permanent = !client?.webhookSecret;
		const wait = this.o.retryMs[n - 1];
		const next = delivered ? { status: 'delivered' as const, next_at: null } : permanent || wait === undefined ? { status: 'failed' as const, next_at: null } : { status: 'pending' as const, next_at: Date.now() + wait };
		await this.o.table.recordAttempt({ webhook_id: w.id, n, at: started, status_code: statusCode, error, ms: Date.now() - started }, next);
		this.o.metrics.webhookAttempts.inc({ result: delivered ? 'delivered' : 'failed' });
		const fields = { webhook: w.id, job: w.job_id, event: w.event, attempt: n, status: statusCode, error };
		if (delivered) this.o.log.info('webhook delivered', fields);
		else if (next.status === 'failed') this.o.log.warn('webhook given up', fields);
		else this.o.log.info('webhook attempt failed, will retry', { ...fields, retryInMs: wait });
	}

	async stop(): Promise<void> {
		this.stopped = true;
		clearTimeout(this.timer);
		await this.dispatcher.close().catch(() => undefined);
	}
}
