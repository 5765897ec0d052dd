/**
 * The core's ports inside Zapier: HTTP through `z.request` (Zapier logs it, scrubs the connection's secrets from
 * its logs and counts it against the step), sleep and the clock. z.request is told to hand back every status as it
 * is — no automatic ThrottledError on 429, no throw on 4xx/5xx, no redirect followed — because the core decides
 * what a status means (retry within the request budget, the vendor's own message, a redirect to a result URL).
 */
import type { ZObject } from 'zapier-platform-core';
import { CONNECT_ERROR_CODES, TransportError, type Http, type HttpRequest, type HttpResponse, type Ports, type Sleep } from '../../core';

interface RawResponse {
	status: number;
	headers: { forEach(f: (value: string, name: string) => void): void };
	buffer(): Promise<Buffer>;
}

/** A signal that fires when the caller's fires or the time is up (AbortSignal.any is not in Zapier's Node 18). */
function deadlineSignal(ms: number, outer?: AbortSignal): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
	const controller = new AbortController();
	let expired = false;
	const timer = setTimeout(() => {
		expired = true;
		controller.abort();
	}, Math.max(1, ms));
	const onAbort = () => controller.abort();
	outer?.addEventListener('abort', onAbort, { once: true });
	if (outer?.aborted) controller.abort();
	return {
		signal: controller.signal,
		timedOut: () => expired,
		done: () => {
			clearTimeout(timer);
			outer?.removeEventListener('abort', onAbort);
		},
	};
}

function transportError(e: unknown, req: HttpRequest, timedOut: boolean): TransportError {
	const err = e as { code?: string; errno?: string; name?: string; type?: string; message?: string };
	const code = err?.code ?? err?.errno;
	if (req.signal?.aborted) return new TransportError('aborted', 'aborted', code);
	if (timedOut || err?.type === 'request-timeout') return new TransportError('no answer in time', 'sent', 'TIMEOUT');
	if (code && CONNECT_ERROR_CODES.has(code)) return new TransportError(code, 'connect', code);
	return new TransportError(code ?? err?.message ?? 'request failed', 'sent', code);
}

export function zapierHttp(z: ZObject): Http {
	return {
		async request(req: HttpRequest): Promise<HttpResponse> {
			const deadline = deadlineSignal(req.timeoutMs, req.signal);
			try {
				let res: RawResponse;
				try {
					res = (await z.request({
						url: req.url,
						method: req.method,
						headers: req.headers,
						body: req.body ? Buffer.concat(req.body) : undefined,
						raw: true,
						skipThrowForStatus: true,
						throwForThrottlingEarly: false,
						redirect: 'manual',
						signal: deadline.signal,
						...(req.maxBodyBytes !== undefined ? { size: req.maxBodyBytes } : {}),
					} as never)) as unknown as RawResponse;
				} catch (e) {
					throw transportError(e, req, deadline.timedOut());
				}
				const headers: Record<string, string> = {};
				res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
				const declared = Number(headers['content-length']);
				if (req.maxBodyBytes !== undefined && declared > req.maxBodyBytes) throw new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE');
				let body: Buffer;
				try {
					body = await res.buffer();
				} catch (e) {
					if ((e as { type?: string }).type === 'max-size') throw new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE');
					const t = transportError(e, req, deadline.timedOut());
					throw new TransportError(t.message, t.phase === 'aborted' ? 'aborted' : 'received', t.causeCode);
				}
				if (req.maxBodyBytes !== undefined && body.length > req.maxBodyBytes) throw new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE');
				return { status: res.status, headers, body: new Uint8Array(body.buffer, body.byteOffset, body.length) };
			} finally {
				deadline.done();
			}
		},
	};
}

const sleep: Sleep = (ms, signal) =>
	new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(new Error('aborted'));
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(new Error('aborted'));
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});

export const zapierPorts = (z: ZObject): Ports => ({ http: zapierHttp(z), sleep, clock: { now: () => Date.now() } });
