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
import type { WebhookRow, WebhookTable } from './store/webhooks';

export type WebhookEvent = 'job.succeeded' | 'job.failed';

const ATTEMPT_TIMEOUT_MS = 15_000;
const PARALLEL = 8;

export class WebhookSender {
	private timer?: NodeJS.Timeout;
	private sending = new Set<string>();
	private stopped = false;
	private readonly dispatcher;

	constructor(
		private readonly o: { table: WebhookTable; clients: Clients; retryMs: number[]; allowPrivate: boolean; log: Logger; metrics: Metrics },
	) {
		this.dispatcher = clientUrlDispatcher(o.allowPrivate);
	}

	/** Stores the message (its id fixed now) and sends it at once. */
	enqueue(job: { id: string; client_id: string; webhook_url: string }, event: WebhookEvent, data: JobView): string {
		const now = Date.now();
		const id = newId('msg');
		const payload = JSON.stringify({ type: event, timestamp: new Date(now).toISOString(), data });
		this.o.table.insert({ id, job_id: job.id, client_id: job.client_id, url: job.webhook_url, event, payload, next_at: now, created_at: now });
		this.kick(0);
		return id;
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
		const now = Date.now();
		const due = this.o.table.due(now, PARALLEL * 4).filter((w) => !this.sending.has(w.id));
		// What is being sent now reschedules when it ends.
		if (!due.length && this.sending.size) return;
		await Promise.all(
			due.slice(0, Math.max(0, PARALLEL - this.sending.size)).map(async (w) => {
				this.sending.add(w.id);
				try {
					await this.attempt(w);
				} finally {
					this.sending.delete(w.id);
				}
			}),
		);
		const next = this.o.table.nextDue();
		if (next !== undefined) this.kick(next - Date.now());
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
		this.o.table.recordAttempt({ webhook_id: w.id, n, at: started, status_code: statusCode, error, ms: Date.now() - started }, next);
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
