/** The core's Http port on undici, for the CLI and the bot. */
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/**
 * undici, loaded on the first request: it is a fifth of the CLI's start-up (about 70 ms), which a run that sends
 * nothing (--help, the local engine on a file) should not pay.
 */
let loaded: typeof import('undici') | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const undici = (): typeof import('undici') => (loaded ??= require('undici') as typeof import('undici'));
import { CONNECT_ERROR_CODES, lowerCaseHeaders, TransportError, type Http, type HttpRequest, type HttpResponse, type Ports, type TransportPhase } from '../core';

function phaseOf(err: unknown, signal?: AbortSignal, timer?: AbortSignal): { phase: TransportPhase; code?: string; message: string } {
	const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string; name?: string };
	const code = e?.code ?? e?.cause?.code;
	if (signal?.aborted) return { phase: 'aborted', code, message: 'aborted' };
	if (timer?.aborted) return { phase: 'sent', code: 'TIMEOUT', message: 'no answer in time' };
	if (e?.name === 'AbortError' || code === 'UND_ERR_ABORTED') return { phase: 'aborted', code, message: 'aborted' };
	if (code && CONNECT_ERROR_CODES.has(code)) return { phase: 'connect', code, message: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : code };
	if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { phase: 'sent', code, message: 'no answer in time' };
	return { phase: 'sent', code, message: code ?? e?.message ?? String(err) };
}

/** Bodies up to this size are sent as one buffer. */
const SMALL_BODY = 1024 * 1024;

export interface UndiciHttpOptions {
	dispatcher?: Dispatcher;
}

export function createUndiciHttp(opts: UndiciHttpOptions = {}): Http {
	let agent = opts.dispatcher;
	const dispatcher = () => (agent ??= new (undici().Agent)({ connect: { timeout: 15_000 }, keepAliveTimeout: 10_000 }));
	return {
		async request(req: HttpRequest): Promise<HttpResponse> {
			// timeoutMs bounds the whole request, body included: undici's own timers only bound the wait for the
			// headers and each pause between body chunks, so a server trickling a byte a second would never time out.
			const deadline = deadlineSignal(req.timeoutMs, req.signal);
			const { signal, timer } = deadline;
			try {
				return await send(req, signal, timer);
			} finally {
				deadline.dispose();
			}
		},
	};

	/** One request under its signal; small bodies go as one buffer (a stream costs more than the copy), big ones are streamed from their chunks, never joined. */
	async function send(req: HttpRequest, signal: AbortSignal, timer: AbortSignal): Promise<HttpResponse> {
		let body: Buffer | Readable | undefined;
		if (req.body) {
			const size = req.body.reduce((n, c) => n + c.length, 0);
			body = size <= SMALL_BODY ? Buffer.concat(req.body, size) : Readable.from(req.body, { objectMode: false });
		}
		let res: Dispatcher.ResponseData;
		try {
			res = await undici().request(req.url, {
				method: req.method,
				headers: req.headers,
				body,
				signal,
				dispatcher: dispatcher(),
				headersTimeout: req.timeoutMs,
				bodyTimeout: req.timeoutMs,
			});
		} catch (err) {
			const p = phaseOf(err, req.signal, timer);
			throw new TransportError(p.message, p.phase, p.code);
		}
		const headers = lowerCaseHeaders(res.headers);
		const declared = Number(headers['content-length']);
		if (req.maxBodyBytes !== undefined && declared > req.maxBodyBytes) {
			discardBody(res.body);
			throw new TransportError(`response of ${declared} bytes exceeds ${req.maxBodyBytes}`, 'received', 'TOO_LARGE');
		}
		try {
			// Small answers (status JSON, errors) through undici's own reader; big ones into one buffer.
			if (Number.isSafeInteger(declared) && declared <= SMALL_BODY) {
				const ab = await res.body.arrayBuffer();
				return { status: res.statusCode, headers, body: new Uint8Array(ab) };
			}
			const body = await collectBody(res.body, declared, req.maxBodyBytes, () => new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE'));
			return { status: res.statusCode, headers, body };
		} catch (err) {
			if (err instanceof TransportError) throw err;
			if (req.signal?.aborted) throw new TransportError('aborted', 'aborted');
			const p = phaseOf(err, req.signal, timer);
			if (p.code === 'TIMEOUT') throw new TransportError(p.message, 'sent', p.code);
			throw new TransportError(`response cut off (${p.message})`, 'received', p.code);
		}
	}
}

/**
 * One signal for one request: it aborts when the caller's signal does or when the time limit passes. Written out
 * rather than with AbortSignal.any: a long-lived caller signal (the bot's, for its whole life) would collect one
 * dependent signal per request; here the listener is removed when the request ends.
 */
function deadlineSignal(timeoutMs: number, outer?: AbortSignal): { signal: AbortSignal; timer: AbortSignal; dispose(): void } {
	const controller = new AbortController();
	const timed = new AbortController();
	const clock = setTimeout(() => {
		timed.abort();
		controller.abort(new Error('time limit'));
	}, Math.max(1, timeoutMs));
	const onOuter = () => controller.abort(outer?.reason);
	if (outer?.aborted) onOuter();
	else outer?.addEventListener('abort', onOuter, { once: true });
	return {
		signal: controller.signal,
		timer: timed.signal,
		dispose() {
			clearTimeout(clock);
			outer?.removeEventListener('abort', onOuter);
		},
	};
}

/**
 * Drops a response body without reading it. undici's destroy() of an unread body emits an error event
 * (RequestAbortedError); with no listener that event would crash the process, so one is attached first.
 */
export function discardBody(body: { on(event: 'error', listener: () => void): unknown; destroy(): void }): void {
	body.on('error', () => {});
	body.destroy();
}

/**
 * Reads a response body into one buffer. With a declared length the bytes go straight into a buffer of that
 * size (no chunk list and no concatenation copy: a 50 MB image costs 50 MB, not 100); otherwise chunks are
 * collected and joined. Stops, destroying the stream, as soon as the body passes maxBytes.
 */
export async function collectBody(stream: AsyncIterable<Buffer> & { destroy(): void }, declared: number, maxBytes: number | undefined, tooLarge: () => Error): Promise<Uint8Array> {
	if (Number.isSafeInteger(declared) && declared >= 0 && (maxBytes === undefined || declared <= maxBytes)) {
		const out = Buffer.allocUnsafe(declared);
		let at = 0;
		for await (const chunk of stream) {
			if (at + chunk.length > declared) {
				stream.destroy();
				throw new Error('the body is longer than its Content-Length');
			}
			chunk.copy(out, at);
			at += chunk.length;
		}
		if (at !== declared) throw new Error('the body is shorter than its Content-Length');
		return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
	}
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of stream) {
		size += chunk.length;
		if (maxBytes !== undefined && size > maxBytes) {
			stream.destroy();
			throw tooLarge();
		}
		chunks.push(chunk);
	}
	const b = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
	return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Node's timers, abortable. */
export function nodeSleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason ?? new Error('aborted'));
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

export const systemClock = { now: () => Date.now() };

/** The core's ports for Node: undici HTTP, timers, the system clock. */
export function nodePorts(): Ports {
	return { http: createUndiciHttp(), sleep: nodeSleep, clock: systemClock };
}
