/**
 * POST /v1/jobs: multipart (`image` + fields) or JSON (`image_url` or `image_base64` + fields). Everything is checked by the core
 * before a job is stored or a credit spent; the upload is streamed to the data directory (never held whole in
 * memory while it arrives). The Idempotency-Key check, the queue limits and the insert run without a pause between
 * them, so ten identical requests at once make one job.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatIssues, imageUrlOf, invalidInput, invalidOptions, parseOptions, sniffImage, type ImageInfo, type ProviderId, type UpscaleOptionsInput } from '../../core';
import type { Client } from '../auth';
import { clientOf } from '../perimeter';
import type { Admission } from '../../runtime/jobs/store';
import '../fastify-types';
import type { ServiceContext } from '../context';
import { newId } from '../../runtime/jobs/ids';
import { ApiError } from '../problem';
import { coreOptions, fieldValue, jobRequestSchema, MAX_WAIT_SECONDS, type JobRequest } from '../schemas';
import { checkPublicUrl } from '../url-guard';
import { checkDeclaredType, decodeImageBase64, JSON_JOB_BODY_LIMIT, UPLOAD_LIMIT_TEXT } from '../image-base64';
import { admitJsonBody, releaseJsonBody } from '../json-bodies';
import { answerJob } from './answer';

interface Upload {
	path: string;
	/** The multipart file's name (image_base64 has none). */
	fileName?: string;
	bytes: number;
	/** Only with an Idempotency-Key (it is what makes two requests "the same"). */
	sha256?: string;
	/** The bytes themselves when the upload was small enough to keep in memory while it arrived. */
	data?: Buffer;
	/** image_base64: only in memory until the job is accepted; the media type its data: URI names. */
	unsaved?: boolean;
	declared?: string;
}

/**
 * Uploads up to this size are gathered in memory and written with one call (a 1 MB upload costs a third of the
 * CPU it costs streamed in 64 KB writes); a larger one spills to disk as it arrives, so twenty 30 MB uploads at
 * once hold at most this much each.
 */
const IN_MEMORY_UPLOAD = 4 * 1024 * 1024;
/** All uploads together hold at most this much in memory; past it, new bytes go to disk (many slow uploads cannot fill memory). */
const IN_MEMORY_ALL_UPLOADS = 64 * 1024 * 1024;
let inMemory = 0;

/** Reading a large upload back to check it is done two at a time, so twenty 30 MB uploads never sit in memory at once. */
let checking = 0;
const checkQueue: Array<() => void> = [];
async function readBackTwoAtATime<T>(work: () => Promise<T>): Promise<T> {
	if (checking >= 2) await new Promise<void>((r) => checkQueue.push(r));
	checking++;
	try {
		return await work();
	} finally {
		checking--;
		checkQueue.shift()?.();
	}
}

/** Saves one uploaded file to `path` (hashing it on the way when asked): in memory while small, streamed to disk once large. */
class UploadSink extends Writable {
	readonly hash?: Hash;
	bytes = 0;
	private chunks: Buffer[] = [];
	/** Bytes of this upload counted in `inMemory`. */
	private held = 0;
	private file?: WriteStream;

	constructor(
		private readonly path: string,
		hashed: boolean,
	) {
		super();
		if (hashed) this.hash = createHash('sha256');
	}

	override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
		this.hash?.update(chunk);
		this.bytes += chunk.length;
		if (!this.file && this.bytes <= IN_MEMORY_UPLOAD && inMemory + chunk.length <= IN_MEMORY_ALL_UPLOADS) {
			this.chunks.push(chunk);
			this.held += chunk.length;
			inMemory += chunk.length;
			return done();
		}
		if (!this.file) {
			this.file = createWriteStream(this.path, { mode: 0o600 });
			this.file.on('error', (e) => this.destroy(e));
			for (const c of this.chunks.splice(0)) this.file.write(c);
			this.release();
		}
		if (this.file.write(chunk)) done();
		else this.file.once('drain', () => done());
	}

	override _final(done: (e?: Error | null) => void): void {
		if (this.file) {
			this.file.end(() => done());
			return;
		}
		writeFile(this.path, this.data!, { mode: 0o600 }).then(() => done(), done);
	}

	override _destroy(e: Error | null, done: (e?: Error | null) => void): void {
		this.file?.destroy();
		this.release();
		done(e);
	}

	/** Gives back its share of the in-memory budget (once the request no longer needs the bytes). */
	release(): void {
		inMemory -= this.held;
		this.held = 0;
	}

	/** Resolves once nothing more can be written to the path (a file being opened or written has closed). */
	fileClosed(): Promise<void> {
		const file = this.file;
		if (!file || file.closed) return Promise.resolve();
		return new Promise((resolve) => {
			file.once('close', () => resolve());
			if (!file.destroyed && !file.writableFinished) file.destroy();
		});
	}

	/** The whole upload, when it was kept in memory. */
	get data(): Buffer | undefined {
		if (this.file) return undefined;
		if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
		return this.chunks[0] ?? Buffer.alloc(0);
	}
}

/** Reads the parts; every sink it opens is added to `sinks`, so the caller can wait for their files to close on failure. */
async function readMultipart(req: FastifyRequest, uploadPath: string, hashed: boolean, sinks: UploadSink[]): Promise<{ fields: Record<string, unknown>; upload?: Upload }> {
	const fields: Record<string, unknown> = {};
	let upload: Upload | undefined;
	for await (const part of req.parts()) {
		if (part.type === 'file') {
			if (part.fieldname !== 'image') {
				part.file.resume();
				throw new ApiError('BAD_REQUEST', `Unexpected file field "${part.fieldname.slice(0, 40)}": send the image as the multipart field "image".`);
			}
			if (upload) {
				part.file.resume();
				throw new ApiError('BAD_REQUEST', 'One image per job: the request has more than one "image" file.');
			}
			const sink = new UploadSink(uploadPath, hashed);
			sinks.push(sink);
			await pipeline(part.file, sink);
			upload = { path: uploadPath, fileName: part.filename || 'image', bytes: sink.bytes, sha256: sink.hash?.digest('hex'), data: sink.data };
		} else {
			fields[part.fieldname] = fieldValue(part.fieldname, String(part.value ?? ''));
		}
	}
	return { fields, upload };
}

/** The request's fields as the API names them, validated by the core's schemas. */
function parseRequest(fields: unknown): JobRequest {
	if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new ApiError('BAD_REQUEST', 'The JSON body must be an object of job fields.');
	const r = jobRequestSchema.safeParse(fields);
	if (!r.success) throw invalidOptions(`Invalid request: ${formatIssues(r.error)}.`);
	return r.data;
}

/** What makes two requests "the same" for an idempotency key: the fields (not `wait`) and the image's bytes. */
function requestHash(r: JobRequest, upload?: Upload): string {
	const { wait: _wait, image_base64: _image, ...rest } = r;
	const sorted = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
	return createHash('sha256').update(JSON.stringify(sorted)).update('|').update(upload?.sha256 ?? '').digest('hex');
}

function idempotencyKey(req: FastifyRequest): string | undefined {
	const raw = req.headers['idempotency-key'];
	if (raw === undefined) return undefined;
	const key = (Array.isArray(raw) ? raw[0] : raw).trim().replace(/^"(.*)"$/, '$1');
	if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) throw new ApiError('BAD_REQUEST', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
	return key;
}

function waitSeconds(req: FastifyRequest, r: JobRequest): number {
	const q = (req.query as { wait?: string }).wait;
	if (q === undefined) return r.wait ?? 0;
	const n = Number(q);
	if (!Number.isFinite(n) || n < 0 || n > MAX_WAIT_SECONDS) throw invalidOptions(`Invalid request: wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}.`);
	return n;
}

/** image_base64 decoded, as an upload kept in memory (refused in multipart, and beside image_url). */
function base64Upload(r: JobRequest, multipart: boolean, hashed: boolean): Upload | undefined {
	if (r.image_base64 === undefined) return undefined;
	if (multipart) throw invalidInput('image_base64 is for JSON requests: in a multipart request, send the file as the field "image".');
	if (r.image_url !== undefined) throw invalidInput('Send one image: image_url or image_base64, not both.');
	const { bytes, declared } = decodeImageBase64(r.image_base64);
	return { path: '', bytes: bytes.length, data: bytes, unsaved: true, declared, sha256: hashed ? createHash('sha256').update(bytes).digest('hex') : undefined };
}

/** The image (or its URL), the options and the webhook URL, checked before anything is stored or spent. */
async function checkJob(ctx: ServiceContext, client: Client, r: JobRequest, provider: ProviderId, upload?: Upload): Promise<{ options: UpscaleOptionsInput; info?: ImageInfo }> {
	const upscaler = ctx.providers.upscaler(provider);
	const options = coreOptions(r, ctx.config.jobTimeoutMs);
	let info: ImageInfo | undefined;
	if (upload) {
		if (!upload.bytes) throw invalidInput('The "image" file is empty.');
		info = upload.data ? sniffImage(upload.data) : await readBackTwoAtATime(async () => sniffImage(new Uint8Array(await readFile(upload.path))));
		checkDeclaredType(upload.declared, info.format);
		upscaler.check(info, options);
	} else {
		imageUrlOf({ url: r.image_url! }, provider);
		parseOptions(options, provider);
		await checkPublicUrl(r.image_url!, 'image_url', ctx.config.allowPrivateUrls);
	}
	if (r.webhook_url !== undefined) {
		await checkPublicUrl(r.webhook_url, 'webhook_url', ctx.config.allowPrivateUrls);
		if (!client.webhookSecret) throw invalidOptions('webhook_url needs a signing secret for this key: the operator sets UPSCALE_WEBHOOK_SECRET for the keys in UPSCALE_API_KEYS (keys made with `upscale keys create` have their own).');
	}
	return { options, info };
}

/** Why the store did not admit the job: its Idempotency-Key belongs to another request, or a queue is full. */
function refusal(ctx: ServiceContext, admission: Exclude<Admission, { kind: 'created' | 'replayed' }>, key: string | undefined): ApiError {
	if (admission.kind === 'key-reused') {
		return new ApiError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key "${key!.slice(0, 60)}" was used for a different request (job ${admission.jobId}); use a new key for a new job.`, { job_id: admission.jobId });
	}
	ctx.metrics.apiRejections.inc();
	const why = admission.perClient
		? `This key already has ${admission.mine} jobs queued or running (at most ${ctx.config.maxJobsPerKey}): wait for some to finish.`
		: `The server has ${admission.all} jobs queued or running (at most ${ctx.config.maxJobs}): try again shortly.`;
	return new ApiError('TOO_MANY_JOBS', why, {}, ctx.runner.retryAfterSeconds());
}

export function jobsCreate(app: FastifyInstance, ctx: ServiceContext): void {
	// A JSON body may carry a 30 MB image in base64; a larger one is refused from its Content-Length, unread.
	app.post('/v1/jobs', { bodyLimit: JSON_JOB_BODY_LIMIT, preParsing: admitJsonBody }, async (req: FastifyRequest, reply: FastifyReply) => {
		const client = clientOf(req);
		const id = newId('job');
		const uploadPath = ctx.files.uploadPath(id);
		const sinks: UploadSink[] = [];
		let keepUpload = false;
		try {
			let fields: unknown;
			let upload: Upload | undefined;
			const key = idempotencyKey(req);
			if (req.isMultipart()) ({ fields, upload } = await readMultipart(req, uploadPath, key !== undefined, sinks));
			else if (/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) fields = req.body;
			else throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the job as multipart/form-data (the file as "image") or as JSON (with image_url or image_base64).');
			const r = parseRequest(fields);
			fields = undefined;
			const wait = waitSeconds(req, r);
			upload = base64Upload(r, req.isMultipart(), key !== undefined) ?? upload;
			if (upload && r.image_url) throw invalidInput('Send either an image file or image_url, not both.');
			if (!upload && !r.image_url) throw invalidInput('No image: send the file as the multipart field "image", or give image_url or image_base64 (JSON).');
			const provider: ProviderId = r.provider ?? ctx.providers.defaultProvider;
			const { options, info } = await checkJob(ctx, client, r, provider, upload);
			const hash = key ? requestHash(r, upload) : '';
			const inputPath = upload ? ctx.files.inputPath(id) : null;
			if (upload?.unsaved) await writeFile(inputPath!, upload.data!, { mode: 0o600 });
			else if (upload) await rename(uploadPath, inputPath!);
			// Stored: the body's text and bytes are let go before the job may wait for its result.
			releaseJsonBody(req);
			r.image_base64 = undefined;
			if (upload) upload.data = undefined;

			// The idempotency check, the limits and the insert are one step of the store (one server or many).
			const request = { provider, ...Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== undefined && !['wait', 'image_url', 'image_base64', 'webhook_url', 'provider'].includes(k))) };
			const admission = await ctx.jobs.admit(
				{
					id,
					client_id: client.id,
					provider,
					options: JSON.stringify(options),
					request: JSON.stringify(request),
					input_path: inputPath,
					input_name: upload?.fileName ?? null,
					image_url: r.image_url ?? null,
					input_format: info?.format ?? null,
					input_width: info?.width ?? null,
					input_height: info?.height ?? null,
					input_bytes: info?.bytes ?? null,
					webhook_url: r.webhook_url ?? null,
					created_at: Date.now(),
				},
				{ idempotency: key ? { key, hash } : undefined, maxPerClient: ctx.config.maxJobsPerKey, maxAll: ctx.config.maxJobs },
			);
			if (admission.kind === 'replayed') {
				reply.header('idempotent-replayed', 'true');
				return answerJob(ctx, reply, admission.jobId, wait);
			}
			if (admission.kind !== 'created') throw refusal(ctx, admission, key);
			keepUpload = true;
			ctx.metrics.jobsCreated.inc({ provider });
			ctx.log.info('job accepted', { job: id, client: client.id, provider, bytes: upload?.bytes, url: !!r.image_url });
			await ctx.runner.enqueue(id, provider, client.id);
			return answerJob(ctx, reply, id, wait);
		} finally {
			for (const sink of sinks) sink.release();
			// A request that fails for any reason (a bad field, a client that went away, a store error) leaves nothing.
			if (!keepUpload) {
				await Promise.all(sinks.map((s) => s.fileClosed()));
				ctx.files.removeSync(uploadPath);
				ctx.files.removeSync(ctx.files.inputPath(id));
			}
		}
	});
}

export { UPLOAD_LIMIT_TEXT };
