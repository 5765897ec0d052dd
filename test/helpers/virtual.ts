/** Test doubles for the core's ports: virtual time (sleeps resolve in time order, instantly) and a scripted Http. */
import { TransportError, UpscaleError, type Http, type HttpRequest, type HttpResponse, type Ports, type TransportPhase } from '../../core';

export class VirtualTime {
	t = 1_700_000_000_000;
	private timers: Array<{ at: number; seq: number; resolve: () => void; reject: (e: unknown) => void }> = [];
	private seq = 0;
	private pumping = false;
	readonly slept: number[] = [];

	clock = { now: () => this.t };

	sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
		new Promise<void>((resolve, reject) => {
			if (signal?.aborted) return reject(new Error('aborted'));
			this.slept.push(ms);
			const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve, reject };
			this.timers.push(timer);
			signal?.addEventListener('abort', () => {
				this.timers = this.timers.filter((x) => x !== timer);
				reject(new Error('aborted'));
			});
			this.pump();
		});

	/** Once nothing else can run, jump to the earliest timer and fire it. */
	private pump(): void {
		if (this.pumping) return;
		this.pumping = true;
		setImmediate(() => {
			this.pumping = false;
			if (!this.timers.length) return;
			this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
			const next = this.timers.shift()!;
			this.t = Math.max(this.t, next.at);
			next.resolve();
			if (this.timers.length) this.pump();
		});
	}
}

export type Reply = Partial<HttpResponse> & { json?: unknown; text?: string };
export type Handler = (req: HttpRequest & { bodyText: string }, n: number) => Reply | Promise<Reply>;

/** Answers requests from a handler; records every request (with the body as text). */
export class ScriptedHttp implements Http {
	readonly requests: Array<HttpRequest & { bodyText: string }> = [];
	constructor(public handler: Handler) {}

	async request(req: HttpRequest): Promise<HttpResponse> {
		const bodyText = req.body ? Buffer.concat(req.body.map((c) => Buffer.from(c))).toString('latin1') : '';
		const r = { ...req, bodyText };
		this.requests.push(r);
		const reply = await this.handler(r, this.requests.length);
		const headers = { ...(reply.headers ?? {}) };
		let body = reply.body;
		if (reply.json !== undefined) {
			body = new TextEncoder().encode(JSON.stringify(reply.json));
			headers['content-type'] ??= 'application/json';
		} else if (reply.text !== undefined) body = new TextEncoder().encode(reply.text);
		return { status: reply.status ?? 200, headers, body: body ?? new Uint8Array() };
	}
}

export const netFail = (phase: TransportPhase, message = 'ECONNRESET'): never => {
	throw new TransportError(message, phase, message);
};

export function ports(http: Http, time = new VirtualTime()): Ports & { time: VirtualTime } {
	return { http, sleep: time.sleep, clock: time.clock, time };
}

/** A unique key per test so the process-wide budgets do not leak between tests. */
let keySeq = 0;
export const freshKey = (p = 'key') => `${p}-${++keySeq}-${Math.random().toString(36).slice(2, 8)}`;

/** The UpscaleError a promise rejects with (fails the test when it resolves or rejects with something else). */
export async function failure(p: Promise<unknown>): Promise<UpscaleError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(UpscaleError);
		return e as UpscaleError;
	}
	throw new Error('expected a failure');
}
