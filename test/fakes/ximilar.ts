/**
 * A strict local Ximilar Upscaler (Ximilar's public API documentation: "Upscaler", asynchronous requests): the sync
 * endpoints, the async request API (+ status, result, webhook), account details with a credit counter,
 * result files kept 24 h, token auth, and faults.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FakeServer, RateLimiter, readBody, sendBytes, sendJson, type Route, type RouteContext } from './server';
import { TaskQueue, type QueuedTask } from './queue';
import { EXT, inspect, MIME, upscale, type OutFormat } from './images';
import { pngMetadataBomb } from './png-metadata';
import type { SandboxFake } from './sandbox';

export const XIMILAR_ROUTES = ['sync', 'async', 'status', 'request', 'details', 'download'] as const;

export interface XimilarFakeOptions {
	/** token → {limit, counter}: credits_limit and credits_counter of the account. */
	tokens?: Record<string, { limit: number; counter?: number }>;
	/** Tokens that must come with the JWT scheme. */
	jwtTokens?: string[];
	/** How long an async request takes, ms (default 1500). */
	taskDurationMs?: number;
	workers?: number;
	/** How long result files are kept (default 24 h). */
	fileLifetimeMs?: number;
	/** Optional request limit per token (none documented). */
	rateLimit?: { requests: number; windowMs: number };
	/** Hosts the fake may fetch `_url` records and call webhooks on (default: loopback only). */
	allowedHosts?: string[];
}

const MODES = ['artifact_removal', 'ironed_out', 'high_fidelity'];
const FORMATS = ['png', 'jpg', 'webp'];
const SERVICE_KEYS = ['mode', 'model_type', 'image_format', 'image_quality', 'tune_colors'];
const MAX_BODY = 64 * 1024 * 1024;

interface Job {
	scale: number;
	record: Record<string, unknown>;
	params: Record<string, unknown>;
	input: Buffer;
	inputInfo: { width: number; height: number; hasAlpha: boolean; format: string };
}

interface Request extends QueuedTask {
	token: string;
	type: string;
	created: string;
	job: Job;
	fails: boolean;
	webhook?: { endpoint: string; headers?: Record<string, string> };
	response?: Promise<Record<string, unknown>>;
}

/** A 4xx in Ximilar's own body shape. */
function statusBody(code: number, text: string, description?: string) {
	return { status: { code, text, ...(description ? { error_description: description } : {}) } };
}

/** Price in credits by output size (the real table depends on plan; the client never computes it). */
export function ximilarCost(width: number, height: number, gan: boolean): number {
	const mp = (width * height) / 1e6;
	const base = mp <= 1 ? 25 : mp <= 4 ? 50 : mp <= 16 ? 100 : 200;
	return gan ? Math.round(base * 1.5) : base;
}

export class XimilarFake extends FakeServer {
	accounts = new Map<string, { limit: number; counter: number }>();
	readonly queue: TaskQueue<Request>;
	readonly limiter: RateLimiter;
	private files = new Map<string, { data: Promise<Buffer>; mime: string; expires: number }>();
	/** Webhook calls made (for tests). */
	readonly webhooks: Array<{ endpoint: string; status: number | string }> = [];
	/** Every accepted job: its scale, service parameters and how the image came (for tests). */
	readonly jobs: Array<{ scale: number; params: Record<string, unknown>; source: 'url' | 'base64' }> = [];

	constructor(readonly opts: XimilarFakeOptions = {}) {
		super();
		this.queue = new TaskQueue<Request>(opts.workers ?? 1);
		this.limiter = new RateLimiter(opts.rateLimit);
		this.reset();
	}

	reset(): void {
		this.accounts = new Map(Object.entries(this.opts.tokens ?? { 'demo-ximilar-token': { limit: 10_000 } }).map(([k, v]) => [k, { limit: v.limit, counter: v.counter ?? 0 }]));
		this.queue.reset();
		this.limiter.reset();
		this.files.clear();
		this.requests.length = 0;
		this.faults.length = 0;
		this.webhooks.length = 0;
		this.jobs.length = 0;
	}

	protected keyOf(req: IncomingMessage): string | undefined {
		const h = req.headers.authorization;
		return typeof h === 'string' ? h.replace(/^\S+\s+/, '') : undefined;
	}

	private gate(ctx: RouteContext): string | undefined {
		const h = ctx.req.headers.authorization;
		const m = typeof h === 'string' ? /^(Token|JWT) (\S+)$/.exec(h) : null;
		if (!h) {
			ctx.req.resume();
			sendJson(ctx.res, 401, { detail: 'Authentication credentials were not provided.' }, { 'www-authenticate': 'Token' });
			return undefined;
		}
		const jwt = this.opts.jwtTokens ?? [];
		const ok = m && this.accounts.has(m[2]) && (m[1] === 'JWT') === jwt.includes(m[2]);
		if (!ok) {
			ctx.req.resume();
			sendJson(ctx.res, 401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Token' });
			return undefined;
		}
		if (!this.limiter.allow(m![2])) {
			ctx.req.resume();
			sendJson(ctx.res, 429, { detail: 'Request was throttled.' });
			return undefined;
		}
		return m![2];
	}

	private allowedUrl(u: string): boolean {
		try {
			const url = new URL(u);
			const hosts = this.opts.allowedHosts ?? ['127.0.0.1', 'localhost', '[::1]'];
			return /^https?:$/.test(url.protocol) && hosts.includes(url.hostname);
		} catch {
			return false;
		}
	}

	/** Reads and checks a JSON body; sends the 400 itself and returns undefined when wrong. */
	private async readJson(ctx: RouteContext): Promise<Record<string, unknown> | undefined> {
		if (!/^application\/json/i.test(ctx.req.headers['content-type'] ?? '')) {
			ctx.req.resume();
			sendJson(ctx.res, 415, { detail: `Unsupported media type "${ctx.req.headers['content-type'] ?? ''}" in request.` });
			return undefined;
		}
		const raw = await readBody(ctx.req, MAX_BODY);
		if (!raw) return void sendJson(ctx.res, 413, { detail: 'Request body too large.' });
		try {
			const j = JSON.parse(raw.toString('utf8'));
			if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('not an object');
			return j as Record<string, unknown>;
		} catch (e) {
			return void sendJson(ctx.res, 400, { detail: `JSON parse error - ${(e as Error).message}` });
		}
	}

	/** Checks records and service parameters; returns the job or sends a 400. */
	private async job(ctx: RouteContext, body: Record<string, unknown>, scale: number, extraKeys: string[]): Promise<Job | undefined> {
		const fail = (text: string) => void sendJson(ctx.res, 400, statusBody(400, 'Bad Request', text));
		for (const k of Object.keys(body)) if (!['records', ...SERVICE_KEYS, ...extraKeys].includes(k)) return fail(`Unknown field: ${k}`);
		const records = body.records;
		if (!Array.isArray(records) || records.length !== 1) return fail('records must be a list with exactly one record');
		const rec = records[0] as Record<string, unknown>;
		if (!rec || typeof rec !== 'object') return fail('a record must be an object');
		const hasUrl = typeof rec._url === 'string';
		const hasB64 = typeof rec._base64 === 'string';
		if (hasUrl === hasB64) return fail('a record must contain exactly one of _url or _base64');
		for (const k of Object.keys(rec)) if (k.startsWith('_') && !['_url', '_base64', '_id'].includes(k)) return fail(`Unknown record field: ${k}`);
		if (body.mode !== undefined && !MODES.includes(body.mode as string)) return fail(`mode must be one of ${MODES.join(', ')}`);
		if (body.model_type !== undefined && body.model_type !== 'gan') return fail('model_type must be gan when given');
		if (body.image_format !== undefined && !FORMATS.includes(body.image_format as string)) return fail(`image_format must be one of ${FORMATS.join(', ')}`);
		if (body.image_quality !== undefined) {
			if (body.image_format === undefined) return fail('image_quality is only available with image_format');
			if (!Number.isInteger(body.image_quality) || (body.image_quality as number) < 1 || (body.image_quality as number) > 100) return fail('image_quality must be an integer 1..100');
		}
		if (body.tune_colors !== undefined && typeof body.tune_colors !== 'boolean') return fail('tune_colors must be a boolean');
		let input: Buffer | undefined;
		if (hasB64) {
			const b64 = (rec._base64 as string).replace(/^data:image\/[a-z+.-]+;base64,/i, '');
			if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return fail('_base64 is not valid base64');
			input = Buffer.from(b64, 'base64');
		} else {
			const u = rec._url as string;
			if (!this.allowedUrl(u)) return fail(`Cannot download image from ${u}`);
			try {
				const r = await fetch(u);
				if (!r.ok) return fail(`Cannot download image from ${u} (${r.status})`);
				input = Buffer.from(await r.arrayBuffer());
			} catch {
				return fail(`Cannot download image from ${u}`);
			}
		}
		const info = await inspect(input);
		if (!info) return fail('Invalid image: the data could not be decoded');
		if (pngMetadataBomb(input)) return fail('Invalid image: Decompressed Data Too Large'); // Pillow's words for a metadata bomb
		const params: Record<string, unknown> = {};
		for (const k of SERVICE_KEYS) if (body[k] !== undefined) params[k] = body[k];
		this.jobs.push({ scale, params, source: hasUrl ? 'url' : 'base64' });
		return { scale, record: rec, params, input, inputInfo: info };
	}

	private cost(job: Job): number {
		return ximilarCost(job.inputInfo.width * job.scale, job.inputInfo.height * job.scale, job.params.model_type === 'gan');
	}

	private charge(ctx: RouteContext, token: string, credits: number): boolean {
		const acc = this.accounts.get(token)!;
		if (acc.counter + credits > acc.limit) {
			sendJson(ctx.res, 402, statusBody(402, 'Payment Required', 'Not enough credits to process the request.'));
			return false;
		}
		acc.counter += credits;
		return true;
	}

	private storeOutput(job: Job, id: string): { url: string; width: number; height: number } {
		const fmt = (job.params.image_format as string | undefined) ?? (job.inputInfo.hasAlpha ? 'png' : 'jpg');
		const out: OutFormat = fmt === 'jpg' ? 'jpeg' : (fmt as OutFormat);
		const width = job.inputInfo.width * job.scale;
		const height = job.inputInfo.height * job.scale;
		const name = `${id}.${EXT[out]}`;
		const quality = (job.params.image_quality as number | undefined) ?? 85;
		this.files.set(name, { data: upscale(job.input, width, height, out, quality), mime: MIME[out], expires: Date.now() + (this.opts.fileLifetimeMs ?? 24 * 3600_000) });
		return { url: `${this.url}/upscale/${name}`, width, height };
	}

	/** The sync-shaped answer for a processed job. */
	private outcome(job: Job, fails: boolean, started: number): Record<string, unknown> {
		const requestId = randomUUID();
		const base = { ...(job.record._url ? { _url: job.record._url } : {}), _id: randomUUID(), _width: job.inputInfo.width, _height: job.inputInfo.height };
		if (fails) {
			return {
				records: [{ ...base, _status: { code: 500, text: 'unknown error', request_id: requestId, error_description: 'Upscaling failed on the worker' } }],
				statistics: { 'processing time': (Date.now() - started) / 1000 },
				status: { code: 500, text: 'unknown error', request_id: requestId, error_description: 'Upscaling failed on the worker' },
			};
		}
		const out = this.storeOutput(job, base._id);
		return {
			records: [{ ...base, _status: { code: 200, text: 'OK', request_id: requestId }, _upscaled_width: out.width, _upscaled_height: out.height, _upscaled_image_url: out.url }],
			statistics: { 'processing time': (Date.now() - started) / 1000 },
			status: { code: 200, text: 'OK', request_id: requestId, proc_id: randomUUID() },
		};
	}

	private stateOf(r: Request, now = Date.now()): string {
		return now >= r.doneAt ? 'DONE' : now >= r.startAt ? 'PROCESSING' : 'CREATED';
	}

	private async view(r: Request): Promise<Record<string, unknown>> {
		const status = this.stateOf(r);
		const v: Record<string, unknown> = { id: r.id, status, type: r.type, created: r.created };
		if (status === 'DONE') {
			r.response ??= Promise.resolve(this.outcome(r.job, r.fails, r.startAt));
			v.response = await r.response;
		}
		return v;
	}

	private own(ctx: RouteContext, token: string): Request | undefined {
		const r = this.queue.tasks.get(ctx.params.id);
		if (!r || r.token !== token) return void sendJson(ctx.res, 404, { detail: 'Not found.' });
		return r;
	}

	private scheduleWebhook(r: Request): void {
		const hook = r.webhook;
		if (!hook) return;
		setTimeout(async () => {
			try {
				const res = await fetch(hook.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...(hook.headers ?? {}) }, body: JSON.stringify(await this.view(r)) });
				this.webhooks.push({ endpoint: hook.endpoint, status: res.status });
			} catch (e) {
				this.webhooks.push({ endpoint: hook.endpoint, status: String((e as Error).message) });
			}
		}, Math.max(0, r.doneAt - Date.now()) + 10).unref();
	}

	protected routes(): Route[] {
		return [
			{
				name: 'sync',
				method: 'POST',
				pattern: /^\/upscaler\/(2|4|8)x\/upscale$/,
				keys: ['scale'],
				handle: async (ctx) => {
					const token = this.gate(ctx);
					if (!token) return;
					const body = await this.readJson(ctx);
					if (!body) return;
					const job = await this.job(ctx, body, Number(ctx.params.scale), []);
					if (!job || !this.charge(ctx, token, this.cost(job))) return;
					const started = Date.now();
					const result = this.outcome(job, !!this.takeFault('sync', ['fail-task']), started);
					if (this.takeFault('sync', ['drop-after'])) return void ctx.req.socket.destroy();
					sendJson(ctx.res, 200, result);
				},
			},
			{
				name: 'async',
				method: 'POST',
				pattern: /^\/account\/v2\/request\/?$/,
				handle: async (ctx) => {
					const token = this.gate(ctx);
					if (!token) return;
					const body = await this.readJson(ctx);
					if (!body) return;
					if (body.type !== 'upscaler') return sendJson(ctx.res, 400, { detail: 'type must be "upscaler" for this service' });
					const m = /^upscale_(2|4|8)x$/.exec(String(body.endpoint ?? ''));
					if (!m) return sendJson(ctx.res, 400, { detail: 'endpoint must be one of upscale_2x, upscale_4x, upscale_8x' });
					let webhook: Request['webhook'];
					if (body.webhook !== undefined) {
						const w = body.webhook as Record<string, unknown>;
						if (!w || typeof w !== 'object' || typeof w.endpoint !== 'string' || Object.keys(w).some((k) => k !== 'endpoint' && k !== 'headers')) {
							return sendJson(ctx.res, 400, { detail: 'webhook must be {"endpoint": url, "headers"?: {...}}' });
						}
						webhook = { endpoint: w.endpoint, headers: w.headers as Record<string, string> | undefined };
					}
					const job = await this.job(ctx, body, Number(m[1]), ['type', 'endpoint', 'webhook']);
					if (!job || !this.charge(ctx, token, this.cost(job))) return;
					const now = Date.now();
					const { startAt, doneAt } = this.queue.schedule(now, this.opts.taskDurationMs ?? 1500);
					const r = this.queue.add({ id: randomUUID(), token, type: 'upscaler', created: new Date(now).toISOString(), submittedAt: now, startAt, doneAt, job, fails: !!this.takeFault('async', ['fail-task']), webhook });
					if (webhook && this.allowedUrl(webhook.endpoint)) this.scheduleWebhook(r);
					if (this.takeFault('async', ['drop-after'])) return void ctx.req.socket.destroy();
					sendJson(ctx.res, 201, { id: r.id, status: 'CREATED', type: r.type, created: r.created });
				},
			},
			{
				name: 'status',
				method: 'GET',
				pattern: /^\/account\/v2\/request\/([^/]+)\/status\/?$/,
				keys: ['id'],
				handle: (ctx) => {
					const token = this.gate(ctx);
					if (!token) return;
					const r = this.own(ctx, token);
					if (r) sendJson(ctx.res, 200, { status: this.stateOf(r) });
				},
			},
			{
				name: 'request',
				method: 'GET',
				pattern: /^\/account\/v2\/request\/([^/]+)\/?$/,
				keys: ['id'],
				handle: async (ctx) => {
					const token = this.gate(ctx);
					if (!token) return;
					const r = this.own(ctx, token);
					if (r) sendJson(ctx.res, 200, await this.view(r));
				},
			},
			{
				name: 'details',
				method: 'GET',
				pattern: /^\/account\/v2\/details\/$/,
				handle: (ctx) => {
					const token = this.gate(ctx);
					if (!token) return;
					const a = this.accounts.get(token)!;
					sendJson(ctx.res, 200, { id: token.length, credits_counter: a.counter, credits_limit: a.limit, plan: 'fake' });
				},
			},
			{
				name: 'download',
				method: 'GET',
				pattern: /^\/upscale\/([^/]+)$/,
				keys: ['name'],
				handle: async (ctx) => {
					const f = this.files.get(ctx.params.name);
					if (!f || f.expires < Date.now()) {
						ctx.res.writeHead(f ? 403 : 404, { 'content-type': 'application/xml' });
						return void ctx.res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${f ? 'AccessDenied' : 'NoSuchKey'}</Code><Message>${f ? 'Request has expired' : 'The specified key does not exist.'}</Message></Error>`);
					}
					sendBytes(ctx.res, 200, await f.data, f.mime);
				},
			},
		];
	}
}

/** For `npm run sandbox` (test/fakes/sandbox.ts): this fake with a demo token. */
export const sandbox: SandboxFake = {
	key: 'demo-ximilar-token',
	note: '100000 credits',
	create: () => new XimilarFake({ tokens: { 'demo-ximilar-token': { limit: 100_000 } } }),
};
