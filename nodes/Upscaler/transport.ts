/**
 * The core's ports on n8n's helpers: HTTP through httpRequestWithAuthentication (the credential adds the key;
 * signed result URLs go through plain httpRequest, so the key never leaves for a storage host), sleep from
 * n8n-workflow made abortable, and the clock. No timers, no process, no own HTTP client.
 */
import { sleep, type IExecuteFunctions, type IHttpRequestOptions, type IWebhookFunctions } from 'n8n-workflow';
import { CONNECT_ERROR_CODES, lowerCaseHeaders, TransportError, type Http, type HttpRequest, type HttpResponse, type Ports, type Sleep } from '../../core';

interface FullResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

function errorCode(e: unknown): string | undefined {
	const err = e as { code?: unknown; cause?: { code?: unknown }; context?: { data?: { code?: unknown } } };
	const code = err?.code ?? err?.cause?.code ?? err?.context?.data?.code;
	return typeof code === 'string' ? code : undefined;
}

function toBytes(body: unknown): Uint8Array {
	if (body instanceof Uint8Array) return body;
	if (body instanceof ArrayBuffer) return new Uint8Array(body);
	if (body === undefined || body === null || body === '') return new Uint8Array();
	if (typeof body === 'string') return new TextEncoder().encode(body);
	return new TextEncoder().encode(JSON.stringify(body));
}

/** Maps a failure of n8n's request helper to the core's TransportError (never an HTTP status: those are ignored). */
export function toTransportError(e: unknown, signal?: AbortSignal, timer?: AbortSignal): TransportError {
	const code = errorCode(e);
	if (signal?.aborted) return new TransportError('aborted', 'aborted', code);
	if (timer?.aborted) return new TransportError('no answer in time', 'sent', 'TIMEOUT');
	if (code === 'ERR_CANCELED') return new TransportError('aborted', 'aborted', code);
	if (code && CONNECT_ERROR_CODES.has(code)) return new TransportError(code, 'connect', code);
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new TransportError('no answer in time', 'sent', code);
	return new TransportError(code ?? ((e as Error)?.message || 'request failed'), 'sent', code);
}

export type RequestFn = (options: IHttpRequestOptions, authenticated: boolean) => Promise<unknown>;

/** An Http port over a function that sends n8n request options. */
export function httpOver(send: RequestFn): Http {
	return {
		async request(req: HttpRequest): Promise<HttpResponse> {
			// The helper's `timeout` is an idle timer (a server trickling a byte a second never trips it): a signal
			// bounds the whole request, body included.
			const timer = AbortSignal.timeout(Math.max(1, req.timeoutMs));
			const signal = req.signal ? AbortSignal.any([req.signal, timer]) : timer;
			const options: IHttpRequestOptions = {
				method: req.method,
				url: req.url,
				headers: req.headers,
				// A Buffer (not a stream) survives n8n's re-send after a 401 refresh.
				body: req.body ? Buffer.concat(req.body) : undefined,
				encoding: 'arraybuffer',
				json: false,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: req.timeoutMs,
				abortSignal: signal,
			};
			let res: FullResponse;
			try {
				res = (await send(options, req.auth)) as FullResponse;
			} catch (e) {
				throw toTransportError(e, req.signal, timer);
			}
			const headers = lowerCaseHeaders(res.headers);
			const body = toBytes(res.body);
			if (req.maxBodyBytes !== undefined && body.length > req.maxBodyBytes) {
				throw new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE');
			}
			return { status: res.statusCode, headers, body };
		},
	};
}

/** n8n's sleep, made to stop at once when the execution is cancelled (n8n 1.x's sleep takes no signal). */
export const abortableSleep: Sleep = (ms, signal) =>
	new Promise<void>((resolve, reject) => {
		if (signal?.aborted) return reject(new Error('aborted'));
		const onAbort = () => reject(new Error('aborted'));
		signal?.addEventListener('abort', onAbort, { once: true });
		sleep(ms, signal).then(
			() => {
				signal?.removeEventListener('abort', onAbort);
				resolve();
			},
			(e: unknown) => reject(e),
		);
	});

export const clock = { now: () => Date.now() };

/** Ports for one execution (or its resume): requests to the vendor carry the named credential. */
export function executionPorts(ctx: IExecuteFunctions | IWebhookFunctions, credentialType: string): Ports {
	const send: RequestFn = (options, authenticated) =>
		authenticated ? ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, options) : ctx.helpers.httpRequest(options);
	return { http: httpOver(send), sleep: abortableSleep, clock };
}
