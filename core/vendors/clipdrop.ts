/**
 * Clipdrop image upscaling (Clipdrop's public API documentation: "Image upscaling", synchronous and asynchronous).
 * Sync:  POST /image-upscaling/v1/upscale        multipart image_file, target_width, target_height (1..4096)
 * Async: POST /image-upscaling/v1/async-upscale  multipart image_file, target_width, target_height (1..12k), strategy
 *        GET  /async-tasks/v1/task-status/<id>   {status: queued|completed|failed, position?, eta?}
 *        GET  /async-tasks/v1/result/<id>        {downloadUrl} (signed, valid one hour, no key)
 * Credits: x-credits-consumed / x-remaining-credits headers on the submit.
 */
import { encodeMultipart, type EncodedBody } from '../encoding';
import { invalidInput, invalidOptions, UpscaleError } from '../errors';
import { MIME_BY_FORMAT } from '../image';
import { MAX_INPUT_BYTES, megabytes } from '../input';
import { enlarges, targetSize, type UpscaleOptions } from '../options';
import type { HttpResponse } from '../ports';
import { finiteNumber, header, httpError, jsonObject, joinUrl, keyRefusedText, vendorError, bodyExcerpt, type StatusMessages } from './shared';
import type { Credits, ForeignOption, Plan, PreparedInput, ResultRef, TaskState, Vendor, VendorContext } from './types';

/**
 * Limits as documented. Where the text is loose ("16 megapixels", "8k", "12k", "30 Mb") the binary reading is used
 * for refusing, so nothing the vendor accepts is refused here; where the two readings leave a choice (an input of
 * 16.0–16.78 MP fits sync only under the loose one, and async takes it under both), the automatic choice avoids it.
 */
export const CLIPDROP_LIMITS = {
	/** "30 Mb": the tool-wide input cap is this limit. */
	maxInputBytes: MAX_INPUT_BYTES,
	syncMaxInputPixels: 4096 * 4096,
	/** "16 megapixels" read strictly: above this, the automatic choice sends the job to async when async takes it. */
	syncSureInputPixels: 16_000_000,
	syncMaxTarget: 4096,
	asyncMaxInputSide: 8192,
	asyncMaxTarget: 12288,
	syncFormats: ['png', 'jpeg', 'webp'],
	asyncFormats: ['png', 'jpeg'],
} as const;

const NAME = 'Clipdrop';
export const CLIPDROP_DEFAULT_BASE_URL = 'https://clipdrop-api.co';
const PROVIDER_ID = 'clipdrop' as const;

const messages: StatusMessages = {
	provider: PROVIDER_ID,
	name: NAME,
	byStatus: {
		400: { code: 'INVALID_INPUT', text: `${NAME} rejected the request as malformed (400) while {what}: check the image and the options.` },
		401: { code: 'AUTH', text: `${NAME} received no API key (401): set the Clipdrop API key ({key}).` },
		402: { code: 'NO_CREDITS', text: `Your ${NAME} account has no credits left (402): buy credits in your Clipdrop account page, then try again.` },
		403: { code: 'AUTH', text: `${NAME} rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page.` },
		404: { code: 'NOT_FOUND', text: `${NAME} does not know this task (404): check the task id.` },
		429: { code: 'RATE_LIMITED', text: `${NAME} kept refusing requests with 429 (rate limited, 60 requests/minute per key by default) after several retries: slow down, or ask Clipdrop for a higher quota and set it ({rateLimit}).` },
	},
};

/** What the user is told when Clipdrop gets no key (401) or refuses it (403): also the n8n credential test's words. */
export function clipdropKeyRefused(status: 401 | 403, keyWhere: string): string {
	return keyRefusedText(messages, status, 'checking the API key', keyWhere);
}

function creditsFrom(res: HttpResponse): Partial<Credits> {
	const consumed = finiteNumber(header(res, 'x-credits-consumed'));
	const remaining = finiteNumber(header(res, 'x-remaining-credits'));
	return { consumed: consumed ?? null, remaining: remaining ?? null };
}

function vendorMessage(res: HttpResponse): string | undefined {
	const j = jsonObject(res);
	const e = j?.error ?? j?.message;
	return typeof e === 'string' ? e : undefined;
}

function fail(res: HttpResponse, what: string, taskId?: string): UpscaleError {
	return httpError(messages, res, vendorMessage(res), what, taskId);
}

/** The task id from the submit response: a string, or {value: string} as some public code reads it. */
export function readTaskId(body: Record<string, unknown> | undefined): string | undefined {
	const t = body?.taskId;
	if (typeof t === 'string' && t) return t;
	if (t && typeof t === 'object' && typeof (t as { value?: unknown }).value === 'string') return (t as { value: string }).value || undefined;
	if (typeof t === 'number') return String(t);
	return undefined;
}

function requireBytes(input: PreparedInput): Extract<PreparedInput, { kind: 'bytes' }> {
	if (input.kind !== 'bytes') throw new Error('Clipdrop needs the image bytes (the flow downloads URLs first)');
	return input;
}

/** Options only other vendors take: named, with what Clipdrop takes instead. */
function refuseForeign(foreign: ForeignOption[]): string {
	const owners = [...new Set(foreign.flatMap((f) => f.owners))].join('/');
	const labels = foreign.map((f) => f.label).join(', ');
	return (
		`${labels} ${foreign.length > 1 ? `are ${owners} options` : `is a ${owners} option`}; Clipdrop takes a scale or a width/height and, for async jobs, a strategy. ` +
		'(Clipdrop picks the output format itself: JPEG, or WebP when the input has transparency.)'
	);
}

function plan(o: UpscaleOptions, input: PreparedInput): Plan {
	const L = CLIPDROP_LIMITS;
	if (o.scale !== undefined && (o.width !== undefined || o.height !== undefined)) {
		throw invalidOptions('Give either a scale or a width/height, not both.', PROVIDER_ID);
	}
	const { info } = requireBytes(input);
	if (info.bytes > L.maxInputBytes) {
		throw invalidInput(`The image is ${(info.bytes / 1048576).toFixed(1)} MB; Clipdrop accepts at most ${megabytes(L.maxInputBytes)}.`, PROVIDER_ID);
	}
	const target = targetSize(o, info);
	const pixels = info.width * info.height;
	const fmt = info.format.toUpperCase();
	const syncProblems: string[] = [];
	if (target.width > L.syncMaxTarget || target.height > L.syncMaxTarget) syncProblems.push(`the sync endpoint's output is at most ${L.syncMaxTarget}x${L.syncMaxTarget} (asked: ${target.width}x${target.height})`);
	if (pixels > L.syncMaxInputPixels) syncProblems.push(`the sync endpoint accepts inputs up to 16 megapixels (this one: ${(pixels / 1e6).toFixed(1)} MP)`);
	if (o.strategy !== undefined) syncProblems.push('a strategy is only available on the async endpoint');
	const asyncProblems: string[] = [];
	if (!(L.asyncFormats as readonly string[]).includes(info.format)) asyncProblems.push(`the async endpoint accepts PNG or JPEG only (this is ${fmt})`);
	if (info.width > L.asyncMaxInputSide || info.height > L.asyncMaxInputSide) asyncProblems.push(`the async endpoint accepts inputs up to ${L.asyncMaxInputSide} px per side (this one: ${info.width}x${info.height})`);
	if (target.width > L.asyncMaxTarget || target.height > L.asyncMaxTarget) asyncProblems.push(`the async endpoint's output is at most ${L.asyncMaxTarget}x${L.asyncMaxTarget} (asked: ${target.width}x${target.height})`);
	let execution: 'sync' | 'async';
	if (o.execution === 'sync') {
		if (syncProblems.length) throw invalidOptions(`Clipdrop cannot do this synchronously: ${syncProblems.join('; ')}.`, PROVIDER_ID);
		execution = 'sync';
	} else if (o.execution === 'async') {
		if (asyncProblems.length) throw invalidOptions(`Clipdrop cannot do this asynchronously: ${asyncProblems.join('; ')}.`, PROVIDER_ID);
		execution = 'async';
	} else if (!syncProblems.length && !(pixels > L.syncSureInputPixels && !asyncProblems.length)) {
		execution = 'sync'; // one request and the same price: the cheapest path when it fits
	} else if (!asyncProblems.length) {
		execution = 'async';
	} else {
		throw invalidOptions(`Clipdrop cannot upscale this image as asked: ${[...syncProblems, ...asyncProblems].join('; ')}.`, PROVIDER_ID);
	}
	if (!enlarges(target, info)) {
		throw invalidOptions(
			`${target.width}x${target.height} is not larger than the image (${info.width}x${info.height}): Clipdrop would charge a credit and return it no larger. Ask for a larger size or scale.`,
			PROVIDER_ID,
		);
	}
	const params: Record<string, unknown> = { target_width: target.width, target_height: target.height };
	if (execution === 'async') params.strategy = o.strategy ?? 'smooth';
	return { execution, target, params };
}

function body(plan: Plan, input: PreparedInput): EncodedBody {
	const { bytes, fileName, info } = requireBytes(input);
	const parts = [
		{ name: 'image_file', fileName, contentType: MIME_BY_FORMAT[info.format], data: bytes },
		{ name: 'target_width', value: String(plan.params.target_width) },
		{ name: 'target_height', value: String(plan.params.target_height) },
	];
	if (plan.params.strategy) parts.push({ name: 'strategy', value: String(plan.params.strategy) });
	return encodeMultipart(parts);
}

const taskPath = (kind: 'task-status' | 'result', id: string) => `async-tasks/v1/${kind}/${encodeURIComponent(id)}`;

/** The multipart POST of either upscale endpoint (a submit: never resent once it may have arrived). */
function submitForm(ctx: VendorContext, path: string, p: Plan, input: PreparedInput, what: string): Promise<HttpResponse> {
	return ctx.transport.send({ method: 'POST', url: joinUrl(ctx.baseUrl, path), kind: 'submit', body: body(p, input), deadline: ctx.deadline, signal: ctx.signal, what, beforeSend: ctx.beforeSend });
}

/** A GET to one of the task endpoints (the shared budget and read retries apply). */
function getTask(ctx: VendorContext, kind: 'task-status' | 'result', id: string, what: string, taskId?: string): Promise<HttpResponse> {
	return ctx.transport.send({ method: 'GET', url: joinUrl(ctx.baseUrl, taskPath(kind, id)), kind: 'read', deadline: ctx.deadline, signal: ctx.signal, what, taskId });
}

export const clipdrop: Vendor = {
	id: PROVIDER_ID,
	name: NAME,
	paid: true,
	keyNoun: 'API key',
	keyPage: { url: 'https://clipdrop.co/apis/docs/image-upscaling', words: "Clipdrop's API documentation" },
	env: { key: 'CLIPDROP_API_KEY', baseUrl: 'CLIPDROP_BASE_URL', rateLimit: 'CLIPDROP_RATE_LIMIT' },
	resultLifetime: { ms: 3600_000, words: 'one hour' },
	balanceFrom: 'job',
	accepts: ['scale', 'width', 'height', 'strategy'],
	refuseForeign,
	optionHelp: {
		scale: 'Multiply both sides by this (default 2). Or give Width and/or Height instead.',
		width: `Exact output width in pixels, up to ${CLIPDROP_LIMITS.asyncMaxTarget}; alone, the height keeps the aspect ratio.`,
		height: `Exact output height in pixels, up to ${CLIPDROP_LIMITS.asyncMaxTarget}; alone, the width keeps the aspect ratio.`,
	},
	defaultBaseUrl: CLIPDROP_DEFAULT_BASE_URL,
	defaultRateLimit: { requests: 60, windowMs: 60_000 },
	pollPace: { minMs: 1000, maxMs: 10_000 },
	needsBytes: true,
	canRefreshResultUrl: true,
	creditsFromBalance: false,

	authHeaders: (key) => ({ 'x-api-key': key.trim() }),

	plan,

	async runSync(ctx, p, input) {
		const what = 'upscaling the image (sync)';
		const res = await submitForm(ctx, 'image-upscaling/v1/upscale', p, input, what);
		if (res.status !== 200) throw fail(res, what);
		const contentType = header(res, 'content-type') ?? 'application/octet-stream';
		if (!contentType.startsWith('image/')) {
			throw vendorError(PROVIDER_ID, `Clipdrop answered 200 but with ${contentType} instead of an image (${bodyExcerpt(res)}).`, { status: 200 });
		}
		return { image: { bytes: res.body, contentType }, credits: creditsFrom(res) };
	},

	async submit(ctx, p, input) {
		const what = 'submitting the async upscale';
		const res = await submitForm(ctx, 'image-upscaling/v1/async-upscale', p, input, what);
		if (res.status < 200 || res.status >= 300) throw fail(res, what);
		const taskId = readTaskId(jsonObject(res));
		if (!taskId) {
			throw vendorError(PROVIDER_ID, `Clipdrop accepted the upscale (credits may have been spent) but its answer has no task id: ${bodyExcerpt(res)}.`, {
				status: res.status,
			});
		}
		return { taskId, credits: creditsFrom(res) };
	},

	async status(ctx, taskId): Promise<TaskState> {
		const what = 'checking the task status';
		const res = await getTask(ctx, 'task-status', taskId, what, taskId);
		if (res.status !== 200) throw fail(res, what, taskId);
		const j = jsonObject(res);
		const raw = typeof j?.status === 'string' ? j.status : undefined;
		if (!raw) throw vendorError(PROVIDER_ID, `Clipdrop's task status answer has no status: ${bodyExcerpt(res)}.`, { taskId, status: 200 });
		const s = raw.toLowerCase();
		if (s === 'completed') return { status: 'completed', vendorStatus: raw };
		if (s === 'failed') {
			const why = typeof j?.error === 'string' ? j.error : typeof j?.reason === 'string' ? j.reason : undefined;
			return { status: 'failed', vendorStatus: raw, failure: why };
		}
		if (s === 'queued') {
			const position = finiteNumber(j?.position);
			const eta = finiteNumber(j?.eta);
			return { status: 'queued', vendorStatus: raw, position, etaMs: eta !== undefined && eta > 1e12 ? eta : undefined };
		}
		// Not documented, but a word for work in progress is plainly that; anything else is not guessed at.
		if (/run|process|progress|pend|start|work/.test(s)) return { status: 'processing', vendorStatus: raw };
		throw vendorError(PROVIDER_ID, `Clipdrop reported an unknown task status "${raw}". The task may still finish: check it later with Get Task.`, {
			taskId,
			status: 200,
		});
	},

	async result(ctx, taskId): Promise<ResultRef> {
		const what = 'getting the result URL';
		const res = await getTask(ctx, 'result', taskId, what, taskId);
		if (res.status !== 200) throw fail(res, what, taskId);
		const url = jsonObject(res)?.downloadUrl;
		if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
			throw vendorError(PROVIDER_ID, `Clipdrop's result answer has no download URL: ${bodyExcerpt(res)}.`, { taskId, status: 200 });
		}
		return { url, expiresAt: ctx.clock.now() + clipdrop.resultLifetime.ms };
	},

	async verifyKey(ctx) {
		// The status of a task that does not exist: a good key gets 404, a bad one 401/403, and no credit is spent.
		const what = 'checking the API key';
		const res = await getTask(ctx, 'task-status', `credential-check-${ctx.clock.now()}`, what);
		if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500) throw fail(res, what);
	},
};
