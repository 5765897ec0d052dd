/**
 * The one place core sends HTTP. It applies the house rules:
 * - every request to the vendor's API passes the key's shared budget first;
 * - 429 is retried (the vendor did not process it), after Retry-After when given, and pauses the whole budget;
 * - reads (status, result, download) are retried with back-off on 5xx and on any network failure;
 * - a submit is resent only when it cannot have reached the vendor (connection refused, DNS, connect
 *   timeout) or was answered 429: never after a 5xx or a connection lost mid-request (no double charge);
 * - downloads (input images, results) follow up to MAX_REDIRECTS http(s) redirects, under the same deadline and cap;
 * - the deadline bounds everything: a port ends a request at its time limit, however slowly bytes still trickle in.
 */
import type { EncodedBody } from './encoding';
import { UpscaleError, type ProviderId } from './errors';
import type { Budget, Grant } from './budget';
import { duration, retryAfterMs } from './polling';
import { ADDRESS_REFUSED, TransportError, type HttpResponse, type Ports } from './ports';

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
	/** Who answers when it is not the vendor (the host of an input image's URL): named in its errors instead. */
	from?: string;
	/**
	 * A paid request's last call before it leaves: awaited once its place in the budget is held (a wait for the
	 * budget sends nothing), before each attempt.
	 */
	beforeSend?: () => void | Promise<void>;
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
	budget?: Budget;
	retry: RetryPolicy;
}

/** How many redirects a download follows (browsers allow 20; image hosts and signed URLs need one or two). */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const MAY_HAVE_ARRIVED = ' The request may have reached the vendor, so it was not sent again (to avoid paying twice); check your account before retrying.';

/** One send's retry state. */
interface Attempt {
	url: string;
	netFailures: number;
	serverFailures: number;
	limited: number;
	redirects: number;
	/** The vendor's last Retry-After, in ms. */
	asked?: number;
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
		const st: Attempt = { url: o.url, netFailures: 0, serverFailures: 0, limited: 0, redirects: 0 };
		for (;;) {
			if (o.signal?.aborted) throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
			const grant = await this.takeBudget(o, st);
			let res: HttpResponse;
			try {
				res = await this.sendOnce(o, st.url, grant);
			} catch (err) {
				await this.afterFailure(err, o, st);
				continue;
			}
			if (o.kind === 'download' && REDIRECTS.has(res.status)) {
				st.url = this.redirectTarget(st.url, res, o, ++st.redirects);
				continue;
			}
			if (res.status === 429 && (await this.after429(res, o, st))) continue;
			if (res.status >= 500 && o.kind !== 'submit' && st.serverFailures < this.cfg.retry.readRetries) {
				await this.pause(this.backoff(st.serverFailures++), o);
				continue;
			}
			return res;
		}
	}

	/** The vendor's last Retry-After, said when the wait it asks for does not fit in the time left. */
	private askedToWait(st: Attempt, left: number): string {
		const asked = st.asked;
		return asked !== undefined && asked > left
			? ` ${this.cfg.vendorName} asked to wait ${duration(asked)} before the next request (429 Retry-After), longer than the time left (${duration(left)}): try again later.`
			: '';
	}

	/** A place in the key's request budget (API requests only; downloads from storage hosts do not count). */
	private async takeBudget(o: SendOptions, st: Attempt): Promise<Grant | undefined> {
		const { clock, sleep } = this.cfg.ports;
		if (o.kind === 'download' || !this.cfg.budget) return undefined;
		const unreachable = (e: unknown) =>
			o.signal?.aborted
				? this.fail('ABORTED', `Cancelled while ${o.what}.`, o)
				: new UpscaleError('NETWORK', `${this.cfg.vendorName}: the shared request budget could not be reached (${(e as Error)?.message ?? String(e)}); nothing was sent (${o.what}).`, { provider: this.cfg.provider, taskId: o.taskId, retryable: true, local: true });
		let wait: number;
		try {
			wait = await this.cfg.budget.delayFor(clock.now());
		} catch (e) {
			throw unreachable(e);
		}
		if (clock.now() + wait > o.deadline) {
			throw this.fail('TIMEOUT', `${this.cfg.vendorName}: the time limit ran out while waiting for the request budget (${o.what}).${this.askedToWait(st, o.deadline - clock.now())}`, o);
		}
		try {
			return await this.cfg.budget.acquire(clock, sleep, o.signal);
		} catch (e) {
			throw unreachable(e);
		}
	}

	/** One request through the port, within the time left; the budget's place is given back when it ends. */
	private async sendOnce(o: SendOptions, url: string, grant: Grant | undefined): Promise<HttpResponse> {
		if (o.beforeSend) {
			try {
				await o.beforeSend();
			} catch (e) {
				grant?.done();
				throw e;
			}
		}
		const left = o.deadline - this.cfg.ports.clock.now();
		if (left <= 0) {
			grant?.done();
			throw this.fail('TIMEOUT', `${this.cfg.vendorName}: the time limit ran out while ${o.what}.`, o);
		}
		const perRequest = o.kind === 'read' ? this.cfg.retry.readTimeoutMs : this.cfg.retry.submitTimeoutMs;
		const apiRequest = o.kind !== 'download';
		const headers: Record<string, string> = { ...(o.headers ?? {}), ...(apiRequest ? this.cfg.authHeaders : {}) };
		if (o.body) {
			headers['content-type'] = o.body.contentType;
			headers['content-length'] = String(o.body.length);
		}
		this.sent[o.kind]++;
		const req = { method: o.method, url, headers, body: o.body?.chunks, auth: apiRequest, timeoutMs: Math.min(perRequest, left), signal: o.signal, maxBodyBytes: o.maxBodyBytes };
		return this.cfg.ports.http.request(req).finally(() => grant?.done());
	}

	/** After a failed request: waits and returns when it may be sent again, else throws what the user sees. */
	private async afterFailure(err: unknown, o: SendOptions, st: Attempt): Promise<void> {
		if (err instanceof UpscaleError) throw err;
		const name = this.cfg.vendorName;
		const te = err instanceof TransportError ? err : new TransportError(String((err as Error)?.message ?? err), 'sent');
		if (te.phase === 'aborted' || o.signal?.aborted) throw this.fail('ABORTED', `Cancelled while ${o.what}.`, o);
		if (te.causeCode === 'TIMEOUT' && this.cfg.ports.clock.now() >= o.deadline - 50) {
			throw this.fail('TIMEOUT', `${name}: the time limit ran out while ${o.what}.${o.kind === 'submit' ? MAY_HAVE_ARRIVED : ''}`, o);
		}
		if (te.causeCode === ADDRESS_REFUSED) throw new UpscaleError('NETWORK', `${te.message}: this server does not connect to private addresses.`, { provider: this.cfg.provider, taskId: o.taskId, retryable: false, local: true });
		const safeToResend = te.phase === 'connect' || o.kind !== 'submit';
		const limit = te.phase === 'connect' ? this.cfg.retry.connectRetries : this.cfg.retry.readRetries;
		if (safeToResend && te.phase !== 'received' && st.netFailures < limit) return this.pause(this.backoff(st.netFailures++), o);
		if (te.phase === 'received' && o.maxBodyBytes !== undefined && te.causeCode === 'TOO_LARGE') {
			throw new UpscaleError('INVALID_INPUT', `${name}: the response while ${o.what} is larger than ${o.maxBodyBytes} bytes.`, { provider: this.cfg.provider, taskId: o.taskId });
		}
		const where = te.phase === 'connect' ? 'could not be reached' : 'connection failed';
		const check = o.from ? 'the URL' : 'the base URL';
		const next = o.kind === 'submit' && te.phase !== 'connect' ? MAY_HAVE_ARRIVED : ` Check your network connection or ${check}, then try again.`;
		throw this.fail('NETWORK', `${o.from ?? name} ${where} while ${o.what} (${te.message}).${next}`, o);
	}

	/** After a 429: the whole budget pauses (Retry-After, else back-off); true when the request may go again. */
	private async after429(res: HttpResponse, o: SendOptions, st: Attempt): Promise<boolean> {
		const { clock } = this.cfg.ports;
		this.rateLimited++;
		const hinted = retryAfterMs(res.headers['retry-after'], clock.now());
		st.asked = hinted;
		const wait = hinted ?? Math.min(this.cfg.retry.maxDelayMs * 2, this.cfg.retry.baseDelayMs * 2 ** (st.limited + 1));
		// Best effort: a shared budget that cannot be told still lets this request wait on its own below.
		await Promise.resolve(this.cfg.budget?.blockUntil(clock.now() + wait)).catch(() => undefined);
		if (st.limited++ >= this.cfg.retry.rateLimitRetries) return false;
		if (!this.cfg.budget) {
			if (clock.now() + wait > o.deadline) throw this.fail('TIMEOUT', `${this.cfg.vendorName}: the time limit ran out while ${o.what}.${this.askedToWait(st, o.deadline - clock.now())}`, o);
			await this.pause(wait, o);
		}
		return true;
	}

	/** Where a redirect points, checked: http(s) only, at most MAX_REDIRECTS hops. */
	private redirectTarget(from: string, res: HttpResponse, o: SendOptions, hops: number): string {
		const location = res.headers.location;
		const fail = (why: string) =>
			new UpscaleError('VENDOR', `${o.what[0].toUpperCase()}${o.what.slice(1)} failed: ${why}.`, { provider: this.cfg.provider, status: res.status, taskId: o.taskId, retryable: false });
		if (!location) throw fail(`the server answered ${res.status} (a redirect) without saying where to`);
		if (hops > MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`);
		let next: URL;
		try {
			next = new URL(location, from);
		} catch {
			throw fail(`the server redirected to an invalid address`);
		}
		if (next.protocol !== 'http:' && next.protocol !== 'https:') throw fail(`the server redirected to a ${next.protocol.replace(':', '')}: address (only http and https are followed)`);
		return next.href;
	}

	private backoff(attempt: number): number {
		return Math.min(this.cfg.retry.maxDelayMs, this.cfg.retry.baseDelayMs * 2 ** attempt);
	}
}
