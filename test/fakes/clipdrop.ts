/**
 * A strict local Clipdrop (Clipdrop's public API documentation: "Image upscaling"): the sync and async upscale
 * endpoints, task status and result, signed expiring download URLs, credits, 60/min per key, and faults.
 * It accepts only what the documentation says the real API accepts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { FakeServer, RateLimiter, sendBytes, sendJson, Signer, type Route, type RouteContext } from './server';
import { TaskQueue, type QueuedTask } from './queue';
import { EXT, inspect, MIME, upscale, type OutFormat } from './images';
import { pngMetadataBomb } from './png-metadata';
import type { SandboxFake } from './sandbox';

export const CLIPDROP_ROUTES = ['sync', 'async', 'status', 'result', 'download'] as const;

export interface ClipdropFakeOptions {
	/** key → credits left. */
	keys?: Record<string, number>;
	/** Keys that exist but were revoked (403). */
	revoked?: string[];
	/** Requests per window per key (default 60 per 60 s); false: no limit. */
	rateLimit?: { requests: number; windowMs: number } | false;
	/** Send Retry-After (seconds) with 429s; the real API documents none. */
	retryAfterSeconds?: number;
	/** How long an async task runs, ms (default 1500), or a function of the task's index. */
	taskDurationMs?: number | ((index: number) => number);
	/** Parallel workers of the async queue (default 1). */
	workers?: number;
	/** Added to the true completion time in the eta (the docs say estimates are rough). */
	etaErrorMs?: number;
	/** How long a signed download URL works (default one hour). */
	urlLifetimeMs?: number;
	/** The sync endpoint's input limit in pixels (default 4096², the loose reading of "16 megapixels"; 16e6 is the strict one). */
	syncMaxPixels?: number;
	/** Return the task id as {"taskId": {"value": …}} instead of a string. */
	taskIdAsObject?: boolean;
}

interface Task extends QueuedTask {
	key: string;
	input: Buffer;
	width: number;
	height: number;
	outFormat: OutFormat;
	fails: boolean;
	output?: Promise<Buffer>;
}

/** Limits as the fake reads the docs (binary readings of "16 megapixels", "8k", "12k", "30 Mb"). */
const LIMITS = { maxBytes: 30 * 1024 * 1024, syncPixels: 4096 * 4096, syncTarget: 4096, asyncSide: 8192, asyncTarget: 12288 };

interface Form {
	fields: Record<string, string>;
	file?: { name: string; data: Buffer; truncated: boolean };
	error?: string;
}

function parseForm(req: IncomingMessage): Promise<Form> {
	return new Promise((resolve) => {
		const form: Form = { fields: {} };
		let bb: busboy.Busboy;
		try {
			bb = busboy({ headers: req.headers, limits: { fileSize: LIMITS.maxBytes, files: 2, fields: 10, fieldSize: 1024 } });
		} catch {
			req.resume();
			return resolve({ fields: {}, error: 'Request body must be multipart/form-data' });
		}
		bb.on('file', (name, stream) => {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('close', () => {
				if (form.file || form.fields[name] !== undefined) form.error ??= `Duplicate field: ${name}`;
				if (name !== 'image_file') form.error ??= `Unexpected file field: ${name}`;
				form.file = { name, data: Buffer.concat(chunks), truncated: (stream as unknown as { truncated: boolean }).truncated };
			});
		});
		bb.on('field', (name, value) => {
			if (name in form.fields) form.error ??= `Duplicate field: ${name}`;
			form.fields[name] = value;
		});
		bb.on('close', () => resolve(form));
		bb.on('error', () => resolve({ fields: {}, error: 'Malformed multipart body' }));
		req.pipe(bb);
	});
}

const bad = (res: ServerResponse, error: string) => sendJson(res, 400, { error });

export class ClipdropFake extends FakeServer {
	credits = new Map<string, number>();
	revoked = new Set<string>();
	readonly limiter: RateLimiter;
	readonly queue: TaskQueue<Task>;
	readonly signer = new Signer();
	private submitted = 0;

	constructor(readonly opts: ClipdropFakeOptions = {}) {
		super();
		this.limiter = new RateLimiter(opts.rateLimit === false ? undefined : (opts.rateLimit ?? { requests: 60, windowMs: 60_000 }));
		this.queue = new TaskQueue<Task>(opts.workers ?? 1);
		this.reset();
	}

	reset(): void {
		this.credits = new Map(Object.entries(this.opts.keys ?? { 'demo-clipdrop-key': 100 }));
		this.revoked = new Set(this.opts.revoked ?? []);
		this.limiter.reset();
		this.queue.reset();
		this.requests.length = 0;
		this.faults.length = 0;
		this.submitted = 0;
	}

	protected keyOf(req: IncomingMessage): string | undefined {
		const k = req.headers['x-api-key'];
		return typeof k === 'string' ? k : undefined;
	}

	/** Auth, then the rate limit. Returns the key, or undefined when an error was sent. */
	private gate(ctx: RouteContext): string | undefined {
		const key = this.keyOf(ctx.req);
		if (!key) {
			ctx.req.resume();
			sendJson(ctx.res, 401, { error: 'No api key provided' });
			return undefined;
		}
		if (!this.credits.has(key) || this.revoked.has(key)) {
			ctx.req.resume();
			sendJson(ctx.res, 403, { error: 'Invalid api key' });
			return undefined;
		}
		if (!this.limiter.allow(key)) {
			ctx.req.resume();
			const h: Record<string, string> = this.opts.retryAfterSeconds !== undefined ? { 'retry-after': String(this.opts.retryAfterSeconds) } : {};
			sendJson(ctx.res, 429, { error: 'Too many requests, blocked by the rate limiter.' }, h);
			return undefined;
		}
		return key;
	}

	private creditHeaders(key: string, consumed: number): Record<string, string> {
		return { 'x-credits-consumed': String(consumed), 'x-remaining-credits': String(this.credits.get(key) ?? 0) };
	}

	/** Validates the multipart request of either upscale endpoint; sends a 400 and returns undefined when it is wrong. */
	private async validate(ctx: RouteContext, mode: 'sync' | 'async') {
		const ct = ctx.req.headers['content-type'] ?? '';
		if (!/^multipart\/form-data;\s*boundary=/i.test(ct)) {
			ctx.req.resume();
			return void bad(ctx.res, 'Request body must be multipart/form-data');
		}
		const form = await parseForm(ctx.req);
		if (form.error) return void bad(ctx.res, form.error);
		const allowed = mode === 'sync' ? ['target_width', 'target_height'] : ['target_width', 'target_height', 'strategy'];
		for (const name of Object.keys(form.fields)) if (!allowed.includes(name)) return void bad(ctx.res, `Unexpected field: ${name}`);
		if (!form.file) return void bad(ctx.res, 'Missing image_file in request');
		if (form.file.truncated) return void bad(ctx.res, 'Image file is too big (max 30 Mb)');
		const max = mode === 'sync' ? LIMITS.syncTarget : LIMITS.asyncTarget;
		const dims: number[] = [];
		for (const f of ['target_width', 'target_height']) {
			const v = form.fields[f];
			if (v === undefined) return void bad(ctx.res, `Missing ${f} in request`);
			if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) return void bad(ctx.res, `${f} must be an integer between 1 and ${max}`);
			dims.push(Number(v));
		}
		let strategy: string | undefined;
		if (mode === 'async') {
			strategy = form.fields.strategy;
			if (strategy === undefined) return void bad(ctx.res, 'Missing strategy in request');
			if (strategy !== 'smooth' && strategy !== 'detailed') return void bad(ctx.res, 'strategy must be smooth or detailed');
		}
		const info = await inspect(form.file.data);
		const formats = mode === 'sync' ? ['png', 'jpeg', 'webp'] : ['png', 'jpeg'];
		// A PNG whose metadata unpacks past the decoders' limits does not decode either (a decompression bomb).
		if (!info || !formats.includes(info.format) || pngMetadataBomb(form.file.data)) return void bad(ctx.res, 'Input image format is not valid');
		if (mode === 'sync' && info.width * info.height > (this.opts.syncMaxPixels ?? LIMITS.syncPixels)) return void bad(ctx.res, 'Image resolution is too big');
		if (mode === 'async' && (info.width > LIMITS.asyncSide || info.height > LIMITS.asyncSide)) return void bad(ctx.res, 'Image resolution is too big');
		return { file: form.file.data, width: dims[0], height: dims[1], strategy, hasAlpha: info.hasAlpha };
	}

	private charge(ctx: RouteContext, key: string, cost: number): boolean {
		const left = this.credits.get(key) ?? 0;
		if (left < cost) {
			sendJson(ctx.res, 402, { error: 'Your account has no remaining credits' });
			return false;
		}
		this.credits.set(key, left - cost);
		return true;
	}

	private duration(index: number): number {
		const d = this.opts.taskDurationMs ?? 1500;
		return typeof d === 'function' ? d(index) : d;
	}

	private task(ctx: RouteContext, key: string): Task | undefined {
		const t = this.queue.tasks.get(ctx.params.id);
		if (!t || t.key !== key) {
			sendJson(ctx.res, 404, { error: 'Task not found' });
			return undefined;
		}
		return t;
	}

	fileUrl(name: string, now = Date.now()): string {
		const expires = now + (this.opts.urlLifetimeMs ?? 3600_000);
		const path = `/files/${name}`;
		return `${this.url}${path}?expires=${expires}&signature=${this.signer.sign(path, expires)}`;
	}

	private outputs = new Map<string, { data: Promise<Buffer>; mime: string; corrupt: boolean }>();

	protected routes(): Route[] {
		return [
			{
				name: 'sync',
				method: 'POST',
				pattern: /^\/image-upscaling\/v1\/upscale$/,
				handle: async (ctx) => {
					const key = this.gate(ctx);
					if (!key) return;
					const v = await this.validate(ctx, 'sync');
					if (!v || !this.charge(ctx, key, 1)) return;
					const fmt: OutFormat = v.hasAlpha ? 'webp' : 'jpeg';
					const out = await upscale(v.file, v.width, v.height, fmt);
					if (this.takeFault('sync', ['drop-after'])) return void ctx.req.socket.destroy();
					sendBytes(ctx.res, 200, out, MIME[fmt], this.creditHeaders(key, 1));
				},
			},
			{
				name: 'async',
				method: 'POST',
				pattern: /^\/image-upscaling\/v1\/async-upscale$/,
				handle: async (ctx) => {
					const key = this.gate(ctx);
					if (!key) return;
					const v = await this.validate(ctx, 'async');
					if (!v) return;
					const cost = v.strategy === 'detailed' ? Math.max(1, Math.round((v.width * v.height) / 1e6)) : 1;
					if (!this.charge(ctx, key, cost)) return;
					const now = Date.now();
					const { startAt, doneAt } = this.queue.schedule(now, this.duration(this.submitted++));
					const id = randomUUID();
					const fails = !!this.takeFault('async', ['fail-task']);
					this.queue.add({ id, key, submittedAt: now, startAt, doneAt, input: v.file, width: v.width, height: v.height, outFormat: v.hasAlpha ? 'png' : 'jpeg', fails });
					if (this.takeFault('async', ['drop-after'])) return void ctx.req.socket.destroy();
					sendJson(ctx.res, 200, { taskId: this.opts.taskIdAsObject ? { value: id } : id }, this.creditHeaders(key, cost));
				},
			},
			{
				name: 'status',
				method: 'GET',
				pattern: /^\/async-tasks\/v1\/task-status\/([^/]+)$/,
				keys: ['id'],
				handle: (ctx) => {
					const key = this.gate(ctx);
					if (!key) return;
					const t = this.task(ctx, key);
					if (!t) return;
					const now = Date.now();
					if (now >= t.doneAt) return sendJson(ctx.res, 200, { status: t.fails ? 'failed' : 'completed' });
					sendJson(ctx.res, 200, { status: 'queued', position: this.queue.position(t, now), eta: t.doneAt + (this.opts.etaErrorMs ?? 0) });
				},
			},
			{
				name: 'result',
				method: 'GET',
				pattern: /^\/async-tasks\/v1\/result\/([^/]+)$/,
				keys: ['id'],
				handle: (ctx) => {
					const key = this.gate(ctx);
					if (!key) return;
					const t = this.task(ctx, key);
					if (!t) return;
					if (Date.now() < t.doneAt) return bad(ctx.res, 'Task is not completed yet');
					if (t.fails) return bad(ctx.res, 'Task failed');
					const name = `${t.id}.${EXT[t.outFormat]}`;
					if (!this.outputs.has(name)) {
						t.output ??= upscale(t.input, t.width, t.height, t.outFormat);
						this.outputs.set(name, { data: t.output, mime: MIME[t.outFormat], corrupt: false });
					}
					sendJson(ctx.res, 200, { downloadUrl: this.fileUrl(name) });
				},
			},
			{
				name: 'download',
				method: 'GET',
				pattern: /^\/files\/([^/]+)$/,
				keys: ['name'],
				handle: async (ctx) => {
					// A signed storage URL: no API key, and S3/GCS-style XML errors.
					const verdict = this.signer.check(ctx.url.pathname, ctx.url.searchParams.get('expires'), ctx.url.searchParams.get('signature'));
					const file = this.outputs.get(ctx.params.name);
					if (verdict !== 'ok' || !file) {
						const msg = verdict === 'expired' ? 'Request has expired' : 'Access denied';
						ctx.res.writeHead(verdict === 'expired' || verdict === 'bad' ? 403 : 404, { 'content-type': 'application/xml' });
						return void ctx.res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${msg}</Message></Error>`);
					}
					sendBytes(ctx.res, 200, await file.data, file.mime);
				},
			},
		];
	}
}

/** For `npm run sandbox` (test/fakes/sandbox.ts): this fake with a demo key. */
export const sandbox: SandboxFake = {
	key: 'demo-clipdrop-key',
	note: '1000 credits, 60 requests/min',
	create: () => new ClipdropFake({ keys: { 'demo-clipdrop-key': 1000 } }),
	faultExample: '{"route":"async","kind":"fail-task"}',
};
