/**
 * The one place core sends HTTP. It applies the house rules:
 * - every request to the vendor's API passes the key's shared budget first;
 * - 429 is retried (the vendor did not process it), after Retry-After when given, and pauses the whole budget;
 * - reads (status, result, download) are retried with back-off on 5xx and on any network failure;
 * - a submit is resent only when it cannot have reached the vendor (connection refused, DNS, connect
 *   timeout) or was answered 429: never after a 5xx or a connection lost mid-request (no double charge).
 */
import type { EncodedBody } from './encoding';
import { UpscaleError, type ProviderId } from './errors';
import type { Grant, RequestBudget } from './budget';
import { TransportError, type HttpResponse, type Ports } from './ports';

export type RequestKind = 'submit' | 'read' | 'download';

export interface SendOptions {
	method: 'GET' | 'POST';
	url: string;
	kind: RequestKind;
	body?: EncodedBody;
	headers?: Record<string, string>;
	/** Deadline (epoch ms) for the whole operation; the request's own time limit never goes past it. */
	deadline: number;
	signal?: AbortSignal;
	maxBodyBytes?: number;
	/** What the request does, for messages ("polling task status"). */
	what: string;
	taskId?: string;
}

export interface RetryPolicy {
	readRetries: number;
	connectRetries: number;
	rateLimitRetries: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Per-request time limits. */
	readTimeoutMs: number;
	submitTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
	readRetries: 4,
	connectRetries: 3,
	rateLimitRetries: 8,
	baseDelayMs: 500,
	maxDelayMs: 8000,
	readTimeoutMs: 60_000,
	submitTimeoutMs: 300_000,
};

export interface TransportConfig {
	provider: ProviderId;
	vendorName: string;
	ports: Ports;
	authHeaders: Record<string, string>;
	budget?: RequestBudget;
	retry: RetryPolicy;
}

/** Seconds or an HTTP date in Retry-After, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class Transport {
	/** Requests actually sent, by kind (for tests, logs and benchmarks). */
	readonly sent: Record<RequestKind, number> = { submit: 0, read: 0, download: 0 };
	rateLimited = 0;

	constructor(private readonly cfg: TransportConfig) {}

	get ports(): Ports {
		return this.cfg.ports;
	}

	private fail(code: 'TIMEOUT' | 'ABORTED' | 'NETWORK' | 'RATE_LIMITED', message: string, o: SendOptions, status?: number): UpscaleError {
		return new UpscaleError(code, message, {
			provider: this.cfg.provider,
			taskId: o.taskId,
			status,
			retryable: code !== 'ABORTED',
		});
	}

	private async pause(ms: number, o: SendOptions): Promise<void> {
		const { clock, sleep } = this.cfg.ports;
		if (clock.now() + ms > o.deadline) {
			throw this.fail('TIMEOUT', `${this.cfg.vendorName}: the time limit ran out while ${o.what}.`, o);
		}
		try {
			await sleep(ms, o.signal);
		} catch {
			throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
		}
	}

	async send(o: SendOptions): Promise<HttpResponse> {
		const { http, clock, sleep } = this.cfg.ports;
		const name = this.cfg.vendorName;
		const apiRequest = o.kind !== 'download';
		let netFailures = 0;
		let serverFailures = 0;
		let limited = 0;
		for (;;) {
			if (o.signal?.aborted) throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
			let grant: Grant | undefined;
			if (apiRequest && this.cfg.budget) {
				const wait = this.cfg.budget.delayFor(clock.now());
				if (clock.now() + wait > o.deadline) {
					throw this.fail('TIMEOUT', `${name}: the time limit ran out while waiting for the request budget (${o.what}).`, o);
				}
				try {
					grant = await this.cfg.budget.acquire(clock, sleep, o.signal);
				} catch {
					throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
				}
			}
			const left = o.deadline - clock.now();
			if (left <= 0) throw this.fail('TIMEOUT', `${name}: the time limit ran out while ${o.what}.`, o);
			const perRequest = o.kind === 'read' ? this.cfg.retry.readTimeoutMs : this.cfg.retry.submitTimeoutMs;
			const headers: Record<string, string> = { ...(o.headers ?? {}) };
			if (apiRequest) Object.assign(headers, this.cfg.authHeaders);
			if (o.body) {
				headers['content-type'] = o.body.contentType;
				headers['content-length'] = String(o.body.length);
			}
			let res: HttpResponse;
			try {
				this.sent[o.kind]++;
				res = await http
					.request({
						method: o.method,
						url: o.url,
						headers,
						body: o.body?.chunks,
						auth: apiRequest,
						timeoutMs: Math.min(perRequest, left),
						signal: o.signal,
						maxBodyBytes: o.maxBodyBytes,
					})
					.finally(() => grant?.done());
			} catch (err) {
				const te = err instanceof TransportError ? err : new TransportError(String((err as Error)?.message ?? err), 'sent');
				if (te.phase === 'aborted' || o.signal?.aborted) throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
				const safeToResend = te.phase === 'connect' || o.kind !== 'submit';
				const limit = te.phase === 'connect' ? this.cfg.retry.connectRetries : this.cfg.retry.readRetries;
				if (safeToResend && te.phase !== 'received' && netFailures < limit) {
					await this.pause(this.backoff(netFailures++), o);
					continue;
				}
				if (te.phase === 'received' && o.maxBodyBytes !== undefined && te.causeCode === 'TOO_LARGE') {
					throw new UpscaleError('INVALID_INPUT', `${name}: the response while ${o.what} is larger than ${o.maxBodyBytes} bytes.`, {
						provider: this.cfg.provider,
						taskId: o.taskId,
					});
				}
				const where = te.phase === 'connect' ? 'could not be reached' : 'connection failed';
				const ambiguous =
					o.kind === 'submit' && te.phase !== 'connect'
						? ' The request may have reached the vendor, so it was not sent again (to avoid paying twice); check your account before retrying.'
						: ' Check your network connection or the base URL, then try again.';
				throw this.fail('NETWORK', `${name} ${where} while ${o.what} (${te.message}).${ambiguous}`, o);
			}
			if (res.status === 429) {
				this.rateLimited++;
				const hinted = retryAfterMs(res.headers['retry-after'], clock.now());
				const wait = hinted ?? Math.min(this.cfg.retry.maxDelayMs * 2, this.cfg.retry.baseDelayMs * 2 ** (limited + 1));
				this.cfg.budget?.blockUntil(clock.now() + wait);
				if (limited++ < this.cfg.retry.rateLimitRetries) {
					if (!this.cfg.budget) await this.pause(wait, o);
					continue;
				}
				return res;
			}
			if (res.status >= 500 && o.kind !== 'submit' && serverFailures < this.cfg.retry.readRetries) {
				await this.pause(this.backoff(serverFailures++), o);
				continue;
			}
			return res;
		}
	}

	private backoff(attempt: number): number {
		return Math.min(this.cfg.retry.maxDelayMs, this.cfg.retry.baseDelayMs * 2 ** attempt);
	}
}
