/**
 * Plumbing shared by the vendor fakes: an HTTP server on 127.0.0.1, a request log, a per-key sliding-window
 * rate limiter, fault injection, signed expiring file URLs and a control API (/__control) for the sandbox.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultKind =
	/** Answer with `status` and `body` without processing. */
	| 'status'
	/** Wait `delayMs`, then handle normally. */
	| 'slow'
	/** Close the connection without an answer, before processing (the request had no effect). */
	| 'drop'
	/** Process the request (charge, create the task), then close the connection without an answer. */
	| 'drop-after'
	/** Answer 200 with a body that is not valid JSON (or not a valid image, for file routes). */
	| 'malformed'
	/** The task created by this submit fails. */
	| 'fail-task'
	/** Answer 302 to the same URL (one more query parameter), before processing: the client must follow it. */
	| 'redirect'
	/** Process normally, then send the answer's body one byte every `delayMs` (default 2000): a stalled server. */
	| 'trickle'
	/** Process normally, then send only the first half of the body (Content-Length says so: a cut-off file). */
	| 'truncate'
	/** Process normally, then send an HTML error page instead of the body, under the same Content-Type. */
	| 'html';

export interface Fault {
	/** Route name (see each fake's ROUTES) or '*' for any. */
	route: string;
	kind: FaultKind;
	status?: number;
	body?: string;
	headers?: Record<string, string>;
	delayMs?: number;
	/** How many matching requests it applies to (default 1). */
	times?: number;
}

export interface LoggedRequest {
	route: string;
	method: string;
	path: string;
	status: number;
	at: number;
	/** The credential the request carried (for assertions in tests; a fake's keys are demo keys). */
	key?: string;
}

export interface RouteContext {
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	params: Record<string, string>;
	route: string;
	faults: Fault[];
}

export interface Route {
	name: string;
	method: string;
	pattern: RegExp;
	/** Names for the pattern's groups, in order. */
	keys?: string[];
	handle(ctx: RouteContext): Promise<void> | void;
}

export class RateLimiter {
	private hits = new Map<string, number[]>();
	constructor(public limits: { requests: number; windowMs: number } | undefined) {}
	/** Records a hit; false when over the limit. */
	allow(key: string, now = Date.now()): boolean {
		if (!this.limits) return true;
		const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.limits!.windowMs);
		if (list.length >= this.limits.requests) {
			this.hits.set(key, list);
			return false;
		}
		list.push(now);
		this.hits.set(key, list);
		return true;
	}
	reset(): void {
		this.hits.clear();
	}
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
	res.end(text);
}

export function sendBytes(res: ServerResponse, status: number, body: Buffer, contentType: string, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': contentType, 'content-length': body.length, ...headers });
	res.end(body);
}

/** Reads a body up to `limit` bytes; null when larger (the rest is drained). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
	const chunks: Buffer[] = [];
	let size = 0;
	let over = false;
	for await (const c of req) {
		size += (c as Buffer).length;
		if (size > limit) over = true;
		if (!over) chunks.push(c as Buffer);
	}
	return over ? null : Buffer.concat(chunks);
}

/** Holds back what a handler sends, then delivers it altered as the fault says (see FaultKind). */
function rewriteAnswer(res: ServerResponse, fault: Fault): void {
	const writeHead = res.writeHead.bind(res);
	const end = res.end.bind(res);
	const chunks: Buffer[] = [];
	let head: { status: number; headers: Record<string, string | number> } = { status: 200, headers: {} };
	res.writeHead = ((status: number, headers?: Record<string, string | number>) => {
		head = { status, headers: { ...(headers ?? {}) } };
		return res;
	}) as typeof res.writeHead;
	res.write = ((chunk: Buffer | string) => {
		chunks.push(Buffer.from(chunk));
		return true;
	}) as typeof res.write;
	res.end = ((chunk?: Buffer | string) => {
		if (chunk) chunks.push(Buffer.from(chunk));
		let body = Buffer.concat(chunks);
		if (fault.kind === 'truncate') body = body.subarray(0, Math.floor(body.length / 2));
		if (fault.kind === 'html') body = Buffer.from('<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n');
		const headers = { ...head.headers };
		for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-length') delete headers[k];
		headers['content-length'] = body.length;
		writeHead(head.status, headers);
		if (fault.kind !== 'trickle') return end(body);
		let i = 0;
		const timer = setInterval(() => {
			if (res.destroyed || i >= body.length) {
				clearInterval(timer);
				if (!res.destroyed) end();
				return;
			}
			(http.ServerResponse.prototype.write as (chunk: Buffer) => boolean).call(res, body.subarray(i, ++i));
		}, fault.delayMs ?? 2000);
		res.on('close', () => clearInterval(timer));
		return res;
	}) as typeof res.end;
}

export class Signer {
	private secret = randomBytes(16);
	sign(path: string, expires: number): string {
		return createHmac('sha256', this.secret).update(`${path}|${expires}`).digest('hex').slice(0, 32);
	}
	/** 'ok', 'expired' or 'bad'. */
	check(path: string, expires: string | null, signature: string | null, now = Date.now()): 'ok' | 'expired' | 'bad' {
		if (!expires || !signature || signature !== this.sign(path, Number(expires))) return 'bad';
		return Number(expires) < now ? 'expired' : 'ok';
	}
}

export abstract class FakeServer {
	readonly requests: LoggedRequest[] = [];
	readonly faults: Fault[] = [];
	protected server = http.createServer((req, res) => void this.dispatch(req, res));
	private sockets = new Set<Socket>();
	url = '';
	protected abstract routes(): Route[];
	/** Which credential a request carries (for the log). */
	protected abstract keyOf(req: IncomingMessage): string | undefined;
	abstract reset(): void;

	async start(port = 0, host = '127.0.0.1'): Promise<string> {
		this.server.on('connection', (s) => {
			this.sockets.add(s);
			s.on('close', () => this.sockets.delete(s));
		});
		this.server.keepAliveTimeout = 5000;
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, host, () => resolve());
		});
		const a = this.server.address() as AddressInfo;
		this.url = `http://${host}:${a.port}`;
		return this.url;
	}

	async stop(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	inject(fault: Fault): this {
		this.faults.push({ times: 1, ...fault });
		return this;
	}

	/** Requests logged for a route (or all), excluding the control API. */
	count(route?: string): number {
		return this.requests.filter((r) => route === undefined || r.route === route).length;
	}

	/** Takes the first fault that matches the route and has uses left. */
	protected takeFault(route: string, kinds?: FaultKind[]): Fault | undefined {
		const i = this.faults.findIndex((f) => (f.route === route || f.route === '*') && (!kinds || kinds.includes(f.kind)));
		if (i < 0) return undefined;
		const f = this.faults[i];
		f.times = (f.times ?? 1) - 1;
		if (f.times <= 0) this.faults.splice(i, 1);
		return f;
	}

	private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? '/', this.url || 'http://127.0.0.1');
		if (url.pathname.startsWith('/__control/')) return this.control(req, res, url);
		const route = this.routes().find((r) => r.method === req.method && r.pattern.test(url.pathname));
		const name = route?.name ?? 'unknown';
		const entry: LoggedRequest = { route: name, method: req.method ?? '', path: url.pathname, status: 0, at: Date.now(), key: this.keyOf(req) };
		this.requests.push(entry);
		res.on('finish', () => (entry.status = res.statusCode));
		if (!route) {
			const known = this.routes().some((r) => r.pattern.test(url.pathname));
			return sendJson(res, known ? 405 : 404, known ? { error: 'Method not allowed' } : { error: 'Not found' });
		}
		const before = this.takeFault(name, ['status', 'slow', 'drop', 'malformed', 'redirect']);
		if (before?.kind === 'redirect') {
			req.resume();
			const hop = `${url.pathname}${url.search ? `${url.search}&` : '?'}hop=${Date.now()}`;
			res.writeHead(302, { location: hop, 'content-length': '0' });
			res.end();
			return;
		}
		const after = this.takeFault(name, ['trickle', 'truncate', 'html']);
		if (after) rewriteAnswer(res, after);
		if (before?.kind === 'drop') {
			req.socket.destroy();
			return;
		}
		if (before?.kind === 'status') {
			res.writeHead(before.status ?? 500, { 'content-type': 'application/json', ...(before.headers ?? {}) });
			res.end(before.body ?? JSON.stringify({ error: 'Injected failure' }));
			return;
		}
		if (before?.kind === 'malformed') {
			req.resume();
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"status": "queu');
			return;
		}
		if (before?.kind === 'slow') await new Promise((r) => setTimeout(r, before.delayMs ?? 1000));
		const m = route.pattern.exec(url.pathname)!;
		const params: Record<string, string> = {};
		(route.keys ?? []).forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
		try {
			await route.handle({ req, res, url, params, route: name, faults: this.faults });
		} catch (e) {
			if (!res.headersSent) sendJson(res, 500, { error: `Fake server bug: ${(e as Error).message}` });
			else res.destroy();
		}
	}

	/** The sandbox's control API: inject faults, read the log, reset state. */
	private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		if (req.method === 'POST' && url.pathname === '/__control/faults') {
			const body = await readBody(req, 65536);
			try {
				const f = JSON.parse(String(body)) as Fault;
				if (!f || typeof f.route !== 'string' || typeof f.kind !== 'string') throw new Error('need route and kind');
				this.inject(f);
				return sendJson(res, 200, { faults: this.faults });
			} catch (e) {
				return sendJson(res, 400, { error: `Bad fault: ${(e as Error).message}` });
			}
		}
		if (req.method === 'GET' && url.pathname === '/__control/requests') {
			return sendJson(res, 200, { requests: this.requests.map(({ key: _key, ...r }) => r) });
		}
		if (req.method === 'POST' && url.pathname === '/__control/reset') {
			this.reset();
			return sendJson(res, 200, { ok: true });
		}
		return sendJson(res, 404, { error: 'Unknown control route' });
	}
}
