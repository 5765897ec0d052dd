/** The core's Http port on undici, for the CLI and the bot. */
import { Readable } from 'node:stream';
import { request, Agent, type Dispatcher } from 'undici';
import { TransportError, type Http, type HttpRequest, type HttpResponse, type TransportPhase } from '../core';

/** Error codes that prove the request never reached the server. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNRESET_BEFORE_SEND']);

function phaseOf(err: unknown, signal?: AbortSignal): { phase: TransportPhase; code?: string; message: string } {
	const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string; name?: string };
	const code = e?.code ?? e?.cause?.code;
	if (signal?.aborted || e?.name === 'AbortError' || code === 'UND_ERR_ABORTED') return { phase: 'aborted', code, message: 'aborted' };
	if (code && CONNECT_CODES.has(code)) return { phase: 'connect', code, message: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : code };
	if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { phase: 'sent', code, message: 'no answer in time' };
	return { phase: 'sent', code, message: code ?? e?.message ?? String(err) };
}

export interface UndiciHttpOptions {
	dispatcher?: Dispatcher;
}

export function createUndiciHttp(opts: UndiciHttpOptions = {}): Http {
	const dispatcher = opts.dispatcher ?? new Agent({ connect: { timeout: 15_000 }, keepAliveTimeout: 10_000 });
	return {
		async request(req: HttpRequest): Promise<HttpResponse> {
			const timeout = AbortSignal.timeout(req.timeoutMs);
			const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
			let res: Dispatcher.ResponseData;
			try {
				res = await request(req.url, {
					method: req.method,
					headers: req.headers,
					body: req.body ? Readable.from(req.body, { objectMode: false }) : undefined,
					signal,
					dispatcher,
					headersTimeout: req.timeoutMs,
					bodyTimeout: req.timeoutMs,
				});
			} catch (err) {
				if (timeout.aborted && !req.signal?.aborted) throw new TransportError('no answer in time', 'sent', 'TIMEOUT');
				const p = phaseOf(err, req.signal);
				throw new TransportError(p.message, p.phase, p.code);
			}
			const headers: Record<string, string> = {};
			for (const [k, v] of Object.entries(res.headers)) {
				if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
			}
			const declared = Number(headers['content-length']);
			if (req.maxBodyBytes !== undefined && declared > req.maxBodyBytes) {
				res.body.destroy();
				throw new TransportError(`response of ${declared} bytes exceeds ${req.maxBodyBytes}`, 'received', 'TOO_LARGE');
			}
			try {
				const chunks: Buffer[] = [];
				let size = 0;
				for await (const chunk of res.body) {
					size += (chunk as Buffer).length;
					if (req.maxBodyBytes !== undefined && size > req.maxBodyBytes) {
						res.body.destroy();
						throw new TransportError(`response exceeds ${req.maxBodyBytes} bytes`, 'received', 'TOO_LARGE');
					}
					chunks.push(chunk as Buffer);
				}
				const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
				return { status: res.statusCode, headers, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
			} catch (err) {
				if (err instanceof TransportError) throw err;
				if (req.signal?.aborted) throw new TransportError('aborted', 'aborted');
				const p = phaseOf(err, req.signal);
				throw new TransportError(`response cut off (${p.message})`, 'received', p.code);
			}
		},
	};
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
