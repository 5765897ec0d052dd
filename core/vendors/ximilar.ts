/**
 * Ximilar Upscaler (Ximilar's public API documentation: the "Upscaler" page, and its asynchronous request API).
 * Sync:  POST /upscaler/{2x|4x|8x}/upscale  JSON {records:[{_url}|{_base64}], mode, model_type?, image_format?, image_quality?, tune_colors}
 * Async: POST /account/v2/request          JSON {type:"upscaler", endpoint:"upscale_4x", records, <same params>, webhook?}
 *        GET  /account/v2/request/<id>/status  {status: CREATED|PROCESSING|DONE|...}
 *        GET  /account/v2/request/<id>         {id, status, type, response: <the sync body>}
 * Credits: no per-request header; GET /account/v2/details/ gives credits_counter and credits_limit.
 */
import { base64Bytes, encodeJson, type EncodedBody } from '../encoding';
import { invalidInput, invalidOptions, UpscaleError } from '../errors';
import { MAX_INPUT_BYTES, megabytes } from '../input';
import type { UpscaleOptions } from '../options';
import type { HttpResponse } from '../ports';
import { bodyExcerpt, finiteNumber, httpError, jsonObject, joinUrl, keyRefusedText, vendorError, type StatusMessages } from './shared';
import type { ForeignOption, Plan, PreparedInput, ResultRef, SyncResult, TaskState, Vendor, VendorContext } from './types';

export const XIMILAR_SCALES = [2, 4, 8] as const;

/**
 * Ximilar documents no input limits; these are this tool's guards against sending what no upscaler can
 * take (a 40 MB base64 body, a decompression bomb). Said so in the README.
 */
export const XIMILAR_LIMITS = {
	maxInputBytes: MAX_INPUT_BYTES,
	maxInputPixels: 50_000_000,
} as const;

const NAME = 'Ximilar';
export const XIMILAR_DEFAULT_BASE_URL = 'https://api.ximilar.com';
const PROVIDER_ID = 'ximilar' as const;
const B64_PLACEHOLDER = '\u0000__IMAGE_BASE64__\u0000';

const messages: StatusMessages = {
	provider: PROVIDER_ID,
	name: NAME,
	byStatus: {
		400: { code: 'INVALID_INPUT', text: `${NAME} rejected the request (400) while {what}: check the image and the options.` },
		401: { code: 'AUTH', text: `${NAME} rejected the API token (401): check the token ({key}).` },
		402: { code: 'NO_CREDITS', text: `Your ${NAME} account has no credits left (402): add credits or upgrade your plan in app.ximilar.com.` },
		403: { code: 'AUTH', text: `${NAME} refused access (403): check the token and that the Upscaler service is enabled for your account in app.ximilar.com.` },
		404: { code: 'NOT_FOUND', text: `${NAME} does not know this request (404): check the task id.` },
		429: { code: 'RATE_LIMITED', text: `${NAME} kept refusing requests with 429 (too many requests) after several retries: slow down and try again later.` },
	},
};

/** What the user is told when Ximilar refuses the token (401) or the access (403): also the n8n credential test's words. */
export function ximilarKeyRefused(status: 401 | 403, keyWhere: string): string {
	return keyRefusedText(messages, status, 'checking the API token', keyWhere);
}

/** Ximilar's own words from an error body: {"detail"}, {"status":{"text","error_description"}} or a record's _status. */
function vendorMessage(res: HttpResponse): string | undefined {
	const j = jsonObject(res);
	if (!j) return undefined;
	if (typeof j.detail === 'string') return j.detail;
	const st = j.status as Record<string, unknown> | undefined;
	if (st && typeof st === 'object') {
		const d = st.error_description ?? st.text;
		if (typeof d === 'string') return d;
	}
	if (typeof j.error === 'string') return j.error;
	return undefined;
}

function fail(res: HttpResponse, what: string, taskId?: string): UpscaleError {
	return httpError(messages, res, vendorMessage(res), what, taskId);
}

/** The token as pasted (with or without "Token "/"Bearer "), in the header Ximilar expects. */
export function ximilarAuthorization(raw: string): string {
	let token = raw.trim();
	const m = /^(token|bearer|jwt)\s+(.+)$/i.exec(token);
	const scheme = m && m[1].toLowerCase() === 'jwt' ? 'JWT' : undefined;
	if (m) token = m[2].trim();
	// The official client sends long dotted tokens (JSON Web Tokens) with the JWT scheme.
	const looksJwt = /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token) && token.length >= 70;
	return `${scheme ?? (looksJwt ? 'JWT' : 'Token')} ${token}`;
}

/** Options only other vendors take: Ximilar works by factor only. */
function refuseForeign(foreign: ForeignOption[]): string {
	const owners = [...new Set(foreign.flatMap((f) => f.owners))].join('/');
	return `${foreign.map((f) => f.label).join(' and ')}: Ximilar upscales by a factor of 2, 4 or 8 and takes no exact size or strategy (those are ${owners} options). Use a scale instead.`;
}

function plan(o: UpscaleOptions, input: PreparedInput): Plan {
	const scale = o.scale ?? 2;
	if (!(XIMILAR_SCALES as readonly number[]).includes(scale)) throw invalidOptions(`Ximilar upscales by 2, 4 or 8; ${scale} is not one of them.`, PROVIDER_ID);
	if (o.quality !== undefined && o.format === undefined) {
		throw invalidOptions('quality needs a format: Ximilar applies the output quality only when the output format is chosen.', PROVIDER_ID);
	}
	if (o.webhook && o.execution === 'sync') throw invalidOptions('A webhook works only with async jobs; drop it or use async.', PROVIDER_ID);
	let target: Plan['target'];
	if (input.kind === 'bytes') {
		const { info } = input;
		if (info.bytes > XIMILAR_LIMITS.maxInputBytes) throw invalidInput(`The image is ${(info.bytes / 1048576).toFixed(1)} MB; this tool sends Ximilar at most ${megabytes(XIMILAR_LIMITS.maxInputBytes)} (pass a URL for larger files).`, PROVIDER_ID);
		if (info.width * info.height > XIMILAR_LIMITS.maxInputPixels) {
			throw invalidInput(`The image is ${info.width}x${info.height} (${((info.width * info.height) / 1e6).toFixed(0)} MP); this tool sends Ximilar at most 50 MP.`, PROVIDER_ID);
		}
		target = { width: info.width * scale, height: info.height * scale };
	}
	const params: Record<string, unknown> = { mode: o.mode ?? 'artifact_removal', tune_colors: o.tuneColors ?? true };
	if (o.model === 'gan') params.model_type = 'gan';
	if (o.format) params.image_format = o.format;
	if (o.quality !== undefined) params.image_quality = o.quality;
	if (o.webhook) params.webhook = { endpoint: o.webhook.url, ...(o.webhook.headers ? { headers: o.webhook.headers } : {}) };
	return { execution: o.execution === 'sync' ? 'sync' : 'async', target, params: { ...params, scale } };
}

/** The JSON body; a base64 image is spliced in as bytes rather than built as a 40 MB string. */
function body(p: Plan, input: PreparedInput, extra: Record<string, unknown>) {
	const { scale, ...params } = p.params;
	void scale;
	const record = input.kind === 'url' ? { _url: input.url } : { _base64: B64_PLACEHOLDER };
	const value = { ...extra, records: [record], ...params };
	return input.kind === 'url' ? encodeJson(value) : encodeJson(value, { placeholder: JSON.stringify(B64_PLACEHOLDER).slice(1, -1), bytes: base64Bytes(input.bytes) });
}

/** Reads the sync-shaped body (also `response` of an async request): the URL and sizes, or why it failed. */
function readOutcome(j: Record<string, unknown> | undefined, taskId?: string): ResultRef {
	const status = (j?.status ?? {}) as Record<string, unknown>;
	const records = Array.isArray(j?.records) ? (j!.records as Array<Record<string, unknown>>) : [];
	const rec = records[0];
	const recStatus = (rec?._status ?? {}) as Record<string, unknown>;
	const code = finiteNumber(recStatus.code) ?? finiteNumber(status.code);
	const why = [recStatus.error_description, recStatus.text, status.error_description, status.text].find((x) => typeof x === 'string') as string | undefined;
	if (code !== undefined && code >= 300) {
		throw new UpscaleError('TASK_FAILED', `Ximilar could not upscale the image (${code}${why ? `: ${why}` : ''}).`, {
			provider: PROVIDER_ID,
			taskId,
			vendorMessage: why,
			status: code,
		});
	}
	const url = rec?._upscaled_image_url;
	if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
		throw new UpscaleError('TASK_FAILED', `Ximilar finished without an upscaled image URL${why ? ` (${why})` : ''}.`, { provider: PROVIDER_ID, taskId, vendorMessage: why });
	}
	const stats = (j?.statistics ?? {}) as Record<string, unknown>;
	const seconds = finiteNumber(stats['processing time']);
	return {
		url,
		width: finiteNumber(rec._upscaled_width),
		height: finiteNumber(rec._upscaled_height),
		processingMs: seconds !== undefined ? Math.round(seconds * 1000) : undefined,
	};
}

async function getJson(ctx: VendorContext, path: string, what: string, taskId?: string): Promise<Record<string, unknown>> {
	const res = await ctx.transport.send({ method: 'GET', url: joinUrl(ctx.baseUrl, path), kind: 'read', deadline: ctx.deadline, signal: ctx.signal, what, taskId });
	if (res.status !== 200) throw fail(res, what, taskId);
	const j = jsonObject(res);
	if (!j) throw vendorError(PROVIDER_ID, `Ximilar answered ${what} with something that is not JSON: ${bodyExcerpt(res)}.`, { taskId, status: 200 });
	return j;
}

/** A paid POST (a submit: never resent once it may have arrived). */
function post(ctx: VendorContext, path: string, json: EncodedBody, what: string): Promise<HttpResponse> {
	return ctx.transport.send({ method: 'POST', url: joinUrl(ctx.baseUrl, path), kind: 'submit', body: json, deadline: ctx.deadline, signal: ctx.signal, what, beforeSend: ctx.beforeSend });
}

const requestPath = (id: string) => `account/v2/request/${encodeURIComponent(id)}`;

/** Ximilar states. CREATED/PROCESSING (and RETRY, seen in third-party notes) are in progress; DONE is finished. */
function stateOf(raw: string): TaskState['status'] | 'other' {
	const s = raw.toUpperCase();
	if (s === 'CREATED') return 'queued';
	if (s === 'PROCESSING' || s === 'RETRY') return 'processing';
	if (s === 'DONE') return 'completed';
	return 'other';
}

export const ximilar: Vendor = {
	id: PROVIDER_ID,
	name: NAME,
	paid: true,
	keyNoun: 'API token',
	keyPage: { url: 'https://app.ximilar.com/', words: 'the Ximilar app (Settings → API token)' },
	env: { key: 'XIMILAR_API_TOKEN', baseUrl: 'XIMILAR_BASE_URL', rateLimit: 'XIMILAR_RATE_LIMIT' },
	resultLifetime: { ms: 24 * 3600_000, words: '24 hours' },
	balanceFrom: 'account',
	accepts: ['scale', 'mode', 'model', 'format', 'quality', 'tuneColors', 'webhook'],
	refuseForeign,
	optionHelp: {
		scale: 'Multiply both sides by 2, 4 or 8 (default 2).',
		format: "Output format (default: the input's format).",
		quality: 'Output quality 1-100 for JPEG and WebP (default 85).',
	},
	optionValues: { scale: XIMILAR_SCALES },
	defaultBaseUrl: XIMILAR_DEFAULT_BASE_URL,
	defaultRateLimit: undefined, // none documented; 429 is still honoured
	pollPace: { minMs: 2000, maxMs: 30_000 },
	needsBytes: false,
	canRefreshResultUrl: false,
	creditsFromBalance: true,

	authHeaders: (key) => ({ authorization: ximilarAuthorization(key) }),

	/** Ximilar's webhook POSTs the request as its status answer shows it, `{ id, status, … }`: the id is the task's. */
	webhookTaskId(body) {
		const id = body && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
		return typeof id === 'string' && id.trim() ? id.trim() : undefined;
	},

	plan,

	async runSync(ctx, p, input): Promise<SyncResult> {
		const what = 'upscaling the image (sync)';
		const res = await post(ctx, `upscaler/${p.params.scale}x/upscale`, body(p, input, {}), what);
		if (res.status < 200 || res.status >= 300) throw fail(res, what);
		const j = jsonObject(res);
		if (!j) throw vendorError(PROVIDER_ID, `Ximilar answered the upscale with something that is not JSON: ${bodyExcerpt(res)}.`, { status: res.status });
		return { ref: { ...readOutcome(j), expiresAt: ctx.clock.now() + ximilar.resultLifetime.ms } };
	},

	async submit(ctx, p, input) {
		const what = 'submitting the async upscale';
		const extra: Record<string, unknown> = { type: 'upscaler', endpoint: `upscale_${p.params.scale}x` };
		const res = await post(ctx, 'account/v2/request', body(p, input, extra), what);
		if (res.status < 200 || res.status >= 300) throw fail(res, what);
		const id = jsonObject(res)?.id;
		if (typeof id !== 'string' || !id) {
			throw vendorError(PROVIDER_ID, `Ximilar accepted the request but its answer has no id: ${bodyExcerpt(res)}.`, { status: res.status });
		}
		return { taskId: id };
	},

	async status(ctx, taskId): Promise<TaskState> {
		const j = await getJson(ctx, `${requestPath(taskId)}/status`, 'checking the task status', taskId);
		const raw = typeof j.status === 'string' ? j.status : undefined;
		if (!raw) throw vendorError(PROVIDER_ID, `Ximilar's status answer has no status: ${JSON.stringify(j).slice(0, 160)}.`, { taskId, status: 200 });
		const s = stateOf(raw);
		if (s !== 'other') return { status: s, vendorStatus: raw };
		// An undocumented state ends the wait: the full request tells whether anything came of it.
		const full = await getJson(ctx, requestPath(taskId), 'reading the finished request', taskId);
		try {
			readOutcome((full.response ?? undefined) as Record<string, unknown> | undefined, taskId);
			return { status: 'completed', vendorStatus: raw };
		} catch (e) {
			return { status: 'failed', vendorStatus: raw, failure: `Ximilar ended the request in state ${raw}${e instanceof UpscaleError && e.vendorMessage ? `: ${e.vendorMessage}` : ''}` };
		}
	},

	async result(ctx, taskId): Promise<ResultRef> {
		const j = await getJson(ctx, requestPath(taskId), 'getting the result', taskId);
		const raw = typeof j.status === 'string' ? j.status : '';
		if (stateOf(raw) === 'queued' || stateOf(raw) === 'processing') {
			throw vendorError(PROVIDER_ID, `Ximilar has not finished this request yet (state ${raw}).`, { taskId });
		}
		const ref = readOutcome((j.response ?? undefined) as Record<string, unknown> | undefined, taskId);
		const created = typeof j.created === 'string' ? Date.parse(j.created) : NaN;
		const base = Number.isNaN(created) ? ctx.clock.now() : created;
		return { ...ref, expiresAt: base + ximilar.resultLifetime.ms };
	},

	async balance(ctx) {
		const j = await getJson(ctx, 'account/v2/details/', 'reading the account credits');
		const used = finiteNumber(j.credits_counter);
		const limit = finiteNumber(j.credits_limit);
		return { used: used ?? null, remaining: used !== undefined && limit !== undefined ? Math.max(0, limit - used) : null };
	},

	async verifyKey(ctx) {
		await getJson(ctx, 'account/v2/details/', 'checking the API token');
	},
};
