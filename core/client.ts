/**
 * The flow: validate → submit (sync or async) → wait (polling paced by the vendor) → fetch the result.
 * One UpscaleClient per provider and key; clients with the same key share one request budget.
 */
import { budgetFor, type BudgetLimits } from './budget';
import { redactError, UpscaleError, type ProviderId } from './errors';
import { downloadImage, imageUrlOf, safeFileName } from './input';
import { EXTENSION_BY_FORMAT, MIME_BY_FORMAT, sniffImage, type ImageFormat, type ImageInfo } from './image';
import { parseOptions, type UpscaleOptions, type UpscaleOptionsInput } from './options';
import { nextPollDelay } from './polling';
import type { Ports } from './ports';
import { DEFAULT_RETRY, Transport, type RetryPolicy } from './transport';
import { clipdrop } from './vendors/clipdrop';
import type { Credits, PreparedInput, ResultRef, TaskState, TaskStatus, Vendor, VendorContext } from './vendors/types';
import { ximilar } from './vendors/ximilar';

export type VendorId = Exclude<ProviderId, 'local'>;
export const VENDORS: Record<VendorId, Vendor> = { clipdrop, ximilar };

export interface ClientConfig {
	provider: VendorId;
	/** The key. When given, core sends it in the vendor's header; an adapter that authenticates itself omits it. */
	apiKey?: string;
	/** Identity of the key for the shared budget when apiKey is not given (n8n: the credential's id). */
	budgetKey?: string;
	/** Default: the vendor's real host. */
	baseUrl?: string;
	/** Default: the vendor's documented limit. false: no client-side budget (429s are still handled). */
	rateLimit?: BudgetLimits | false;
	retry?: Partial<RetryPolicy>;
	/** More strings that must never appear in an error (a key the adapter sends itself). */
	secrets?: string[];
	ports: Ports;
}

export type UpscaleInput = { bytes: Uint8Array; fileName?: string } | { url: string; fileName?: string };

export type Stage = 'uploading' | 'queued' | 'processing' | 'downloading' | 'done';

export interface Progress {
	stage: Stage;
	provider: ProviderId;
	taskId?: string;
	position?: number;
	etaMs?: number;
	elapsedMs: number;
	vendorStatus?: string;
	/** Share of the work done, 0..1, when the provider can tell (the local engine counts tiles). */
	fraction?: number;
}

export interface RunControl {
	signal?: AbortSignal;
	onProgress?: (p: Progress) => void;
	/** Called once an async task exists (its credits are spent): the moment to persist the id. */
	onSubmitted?: (taskId: string) => void | Promise<void>;
}

export interface OutputImage {
	bytes: Uint8Array;
	contentType: string;
	format?: ImageFormat;
	/** File extension for the format (jpg, png, webp). */
	extension: string;
	width?: number;
	height?: number;
}

export interface UpscaleResult extends OutputImage {
	provider: ProviderId;
	execution: 'sync' | 'async';
	taskId?: string;
	status: 'completed';
	input: Pick<ImageInfo, 'format' | 'width' | 'height' | 'bytes'> | null;
	credits: Credits;
	resultUrl?: string;
	resultExpiresAt?: number;
	/** Wall time from start to the downloaded result. */
	elapsedMs: number;
	/** The vendor's own processing time, when it says. */
	vendorProcessingMs?: number;
	/** The parameters sent to the vendor. */
	params: Record<string, unknown>;
}

export interface SubmittedTask {
	provider: VendorId;
	taskId: string;
	status: 'submitted';
	input: UpscaleResult['input'];
	/** The output size asked for, when known before the vendor answers. */
	target: { width: number; height: number } | null;
	credits: Credits;
	params: Record<string, unknown>;
}

export interface TaskInfo {
	provider: VendorId;
	taskId: string;
	status: TaskStatus;
	vendorStatus: string;
	position?: number;
	etaMs?: number;
	failure?: string;
	resultUrl?: string;
	resultExpiresAt?: number;
	image?: OutputImage;
}

/** What the CLI and the bot need from a provider: the vendors' UpscaleClient and the local engine both fulfil it. */
export interface Upscaler {
	readonly provider: ProviderId;
	upscale(input: UpscaleInput, options?: UpscaleOptionsInput, run?: RunControl): Promise<UpscaleResult>;
	/** Validates options against an image's facts without doing anything (throws the error upscale() would). */
	check(image: Pick<ImageInfo, 'format' | 'width' | 'height' | 'bytes'> & { hasAlpha?: boolean }, options?: UpscaleOptionsInput): { execution: 'sync' | 'async'; target: { width: number; height: number } | null };
}

const MAX_RESULT_BYTES = 1024 * 1024 * 1024;
/** A result that is not a complete image is downloaded this many times before giving up. */
const DAMAGED_DOWNLOAD_TRIES = 3;

/** Tracks overlapping jobs per key, so a credit difference measured from the balance is only reported when no other job of this process ran meanwhile. */
const activity = new Map<string, { active: number; starts: number }>();

export class UpscaleClient implements Upscaler {
	readonly vendor: Vendor;
	readonly transport: Transport;
	private readonly baseUrl: string;
	private readonly scope: string;

	constructor(private readonly cfg: ClientConfig) {
		const vendor = VENDORS[cfg.provider];
		if (!vendor) throw new UpscaleError('INVALID_OPTIONS', `Unknown provider "${String(cfg.provider)}": use clipdrop or ximilar.`, { local: true });
		this.vendor = vendor;
		this.baseUrl = (cfg.baseUrl || vendor.defaultBaseUrl).replace(/\/+$/, '');
		this.scope = `${vendor.id}|${this.baseUrl}|${cfg.apiKey ?? cfg.budgetKey ?? ''}`;
		const limits = cfg.rateLimit === false ? undefined : (cfg.rateLimit ?? vendor.defaultRateLimit);
		this.transport = new Transport({
			provider: vendor.id,
			vendorName: vendor.name,
			ports: cfg.ports,
			authHeaders: cfg.apiKey ? vendor.authHeaders(cfg.apiKey) : {},
			budget: limits ? budgetFor(this.scope, limits) : undefined,
			retry: { ...DEFAULT_RETRY, ...cfg.retry },
		});
	}

	get provider(): VendorId {
		return this.vendor.id;
	}

	/** Upscales one image. Errors are UpscaleError, with the task id once there is one. */
	async upscale(input: UpscaleInput, options: UpscaleOptionsInput = {}, run: RunControl = {}): Promise<UpscaleResult> {
		try {
			return await this.doUpscale(input, parseOptions(options, this.vendor.id), run);
		} catch (e) {
			throw this.clean(e);
		}
	}

	/**
	 * Starts an async task and returns at once with its id (for "submit now, fetch later" workflows).
	 * Same validation as upscale(); the job always goes to the vendor's async endpoint.
	 */
	async submit(input: UpscaleInput, options: UpscaleOptionsInput = {}, run: Pick<RunControl, 'signal'> = {}): Promise<SubmittedTask> {
		try {
			const o = parseOptions({ ...options, execution: 'async' }, this.vendor.id);
			const deadline = this.cfg.ports.clock.now() + o.timeoutMs;
			const prepared = await this.prepare(input, deadline, run.signal);
			const plan = this.vendor.plan(o, prepared);
			const ctx = this.ctx(deadline, run.signal);
			const sub = await this.vendor.submit(ctx, plan, prepared);
			let credits: Credits = { consumed: sub.credits?.consumed ?? null, remaining: sub.credits?.remaining ?? null };
			if (this.vendor.creditsFromBalance && this.vendor.balance) {
				const after = await this.vendor.balance(ctx).catch(() => undefined);
				credits = { consumed: null, remaining: after?.remaining ?? null };
			}
			const input_ = prepared.kind === 'bytes' ? { format: prepared.info.format, width: prepared.info.width, height: prepared.info.height, bytes: prepared.info.bytes } : null;
			return { provider: this.vendor.id, taskId: sub.taskId, status: 'submitted', input: input_, target: plan.target ?? null, credits, params: plan.params };
		} catch (e) {
			throw this.clean(e);
		}
	}

	/**
	 * The checks upscale() makes before sending anything, from what is known about an image without its bytes
	 * (e.g. a chat attachment's type, size and dimensions). Throws the same local errors; returns the plan.
	 */
	check(image: Pick<ImageInfo, 'format' | 'width' | 'height' | 'bytes'> & { hasAlpha?: boolean }, options: UpscaleOptionsInput = {}): { execution: 'sync' | 'async'; target: { width: number; height: number } | null } {
		try {
			const o = parseOptions(options, this.vendor.id);
			const info: ImageInfo = { hasAlpha: false, orientation: 1, ...image };
			const plan = this.vendor.plan(o, { kind: 'bytes', bytes: new Uint8Array(), fileName: 'image', info });
			return { execution: plan.execution, target: plan.target ?? null };
		} catch (e) {
			throw this.clean(e);
		}
	}

	/** Status of a task started earlier; with download, the result image when it is complete. */
	async getTask(taskId: string, opts: { download?: boolean; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TaskInfo> {
		try {
			const ctx = this.ctx(this.cfg.ports.clock.now() + (opts.timeoutMs ?? 300_000), opts.signal);
			const id = this.checkTaskId(taskId);
			const state = await this.vendor.status(ctx, id);
			const info: TaskInfo = { provider: this.vendor.id, taskId: id, ...state };
			if (state.status !== 'completed') return info;
			const ref = await this.vendor.result(ctx, id);
			info.resultUrl = ref.url;
			info.resultExpiresAt = ref.expiresAt;
			if (opts.download) {
				const { image, ref: fresh } = await this.download(ctx, id, ref);
				info.image = image;
				info.resultUrl = fresh.url;
				info.resultExpiresAt = fresh.expiresAt;
			}
			return info;
		} catch (e) {
			throw this.clean(e, taskId);
		}
	}

	/** Waits for a task started earlier (by this process or another) and downloads its result. */
	async waitForTask(taskId: string, options: Pick<UpscaleOptionsInput, 'timeoutMs' | 'pollMinMs' | 'pollMaxMs'> = {}, run: RunControl = {}): Promise<UpscaleResult> {
		try {
			const o = parseOptions(options, this.vendor.id);
			const started = this.cfg.ports.clock.now();
			const ctx = this.ctx(started + o.timeoutMs, run.signal);
			const id = this.checkTaskId(taskId);
			const ref = await this.wait(ctx, id, o, started, run);
			const { image, ref: fresh } = await this.downloadWithProgress(ctx, id, ref, started, run);
			const remaining = this.vendor.balance ? (await this.vendor.balance(ctx).catch(() => undefined))?.remaining ?? null : null;
			return this.finish({ started, run, execution: 'async', taskId: id, image, ref: fresh, input: null, credits: { consumed: null, remaining }, params: {} });
		} catch (e) {
			throw this.clean(e, taskId);
		}
	}

	/** Checks the key against the vendor without spending a credit. */
	async verifyCredentials(opts: { signal?: AbortSignal } = {}): Promise<void> {
		try {
			await this.vendor.verifyKey(this.ctx(this.cfg.ports.clock.now() + 60_000, opts.signal));
		} catch (e) {
			throw this.clean(e);
		}
	}

	/** Credits left on the account (Ximilar: from the account; Clipdrop: not available without spending one). */
	async balance(opts: { signal?: AbortSignal } = {}): Promise<{ used: number | null; remaining: number | null }> {
		if (!this.vendor.balance) return { used: null, remaining: null };
		try {
			return await this.vendor.balance(this.ctx(this.cfg.ports.clock.now() + 60_000, opts.signal));
		} catch (e) {
			throw this.clean(e);
		}
	}

	// ---- internals ----

	private ctx(deadline: number, signal?: AbortSignal): VendorContext {
		return { t: this.transport, baseUrl: this.baseUrl, deadline, signal };
	}

	private checkTaskId(taskId: string): string {
		const id = String(taskId ?? '').trim();
		if (!id) throw new UpscaleError('INVALID_OPTIONS', 'A task id is required.', { provider: this.vendor.id, local: true });
		if (id.length > 200 || /[\s/?#]/.test(id)) {
			throw new UpscaleError('INVALID_OPTIONS', `"${id.slice(0, 40)}" is not a valid task id.`, { provider: this.vendor.id, local: true });
		}
		return id;
	}

	/** Keys never leave in an error; the task id rides along once known. */
	private clean(e: unknown, taskId?: string): UpscaleError {
		let err =
			e instanceof UpscaleError
				? e
				: new UpscaleError('VENDOR', `Unexpected failure: ${(e as Error)?.message ?? String(e)}`, { provider: this.vendor.id });
		if (!err.provider) err = new UpscaleError(err.code, err.message, { ...err.fields(), provider: this.vendor.id });
		if (taskId && !err.taskId && !err.local) err = err.withTaskId(taskId);
		return redactError(err, [this.cfg.apiKey, ...(this.cfg.secrets ?? [])]);
	}

	private async prepare(input: UpscaleInput, deadline: number, signal?: AbortSignal): Promise<PreparedInput> {
		if ('bytes' in input && input.bytes) {
			return { kind: 'bytes', bytes: input.bytes, fileName: safeFileName(input.fileName || 'image'), info: sniffImage(input.bytes) };
		}
		const url = imageUrlOf(input, this.vendor.id);
		if (!this.vendor.needsBytes) return { kind: 'url', url };
		// The vendor needs the bytes: fetch them (no key is sent to the image's host).
		const { bytes, fileName } = await downloadImage(this.transport, url, { deadline, signal, provider: this.vendor.id, fileName: input.fileName });
		return { kind: 'bytes', bytes, fileName, info: sniffImage(bytes) };
	}

	private async doUpscale(input: UpscaleInput, o: UpscaleOptions, run: RunControl): Promise<UpscaleResult> {
		const { clock } = this.cfg.ports;
		const started = clock.now();
		const deadline = started + o.timeoutMs;
		const ctx = this.ctx(deadline, run.signal);
		const prepared = await this.prepare(input, deadline, run.signal);
		const plan = this.vendor.plan(o, prepared);
		const inputInfo = prepared.kind === 'bytes' ? { format: prepared.info.format, width: prepared.info.width, height: prepared.info.height, bytes: prepared.info.bytes } : null;

		const act = activity.get(this.scope) ?? { active: 0, starts: 0 };
		activity.set(this.scope, act);
		let overlapped = act.active > 0;
		const myStart = ++act.starts;
		act.active++;
		try {
			let before: { used: number | null; remaining: number | null } | undefined;
			if (this.vendor.creditsFromBalance && this.vendor.balance) {
				before = await this.vendor.balance(ctx).catch((e: UpscaleError) => {
					if (e.code === 'AUTH' || e.code === 'ABORTED') throw e; // a bad key fails here, before anything is spent
					return undefined;
				});
			}
			run.onProgress?.({ stage: 'uploading', provider: this.vendor.id, elapsedMs: clock.now() - started });
			let taskId: string | undefined;
			let image: OutputImage;
			let ref: ResultRef | undefined;
			let credits: Partial<Credits> = {};
			// Once the vendor has the image, the bytes are dropped here, so a 30 MB input is not kept alive next to
			// a 50 MB result while waiting and downloading (callers that keep their own reference are unaffected).
			const release = () => {
				if (prepared.kind === 'bytes') prepared.bytes = new Uint8Array();
			};
			if (plan.execution === 'sync') {
				const r = await this.vendor.runSync(ctx, plan, prepared);
				release();
				credits = r.credits ?? {};
				if (r.image) {
					const read = this.readImage(r.image.bytes, r.image.contentType);
					if ('damaged' in read) {
						const spent = credits.consumed ? ` ${this.vendor.name} reports ${credits.consumed} credit${credits.consumed === 1 ? '' : 's'} spent on it` : ' The credit may have been spent';
						throw new UpscaleError('VENDOR', `${this.vendor.name} returned ${read.damaged}.${spent}; try again.`, { provider: this.vendor.id, status: 200, retryable: true });
					}
					image = read.image;
				} else {
					run.onProgress?.({ stage: 'downloading', provider: this.vendor.id, elapsedMs: clock.now() - started });
					({ image, ref } = await this.download(ctx, undefined, r.ref!));
				}
			} else {
				const sub = await this.vendor.submit(ctx, plan, prepared);
				release();
				taskId = sub.taskId;
				credits = sub.credits ?? {};
				try {
					await run.onSubmitted?.(taskId);
					const done = await this.wait(ctx, taskId, o, started, run);
					({ image, ref } = await this.downloadWithProgress(ctx, taskId, done, started, run));
				} catch (e) {
					throw e instanceof UpscaleError ? e.withTaskId(taskId) : e;
				}
			}
			overlapped ||= act.starts !== myStart;
			if (before) {
				const after = await this.vendor.balance!(ctx).catch(() => undefined);
				const consumed = !overlapped && after?.used != null && before.used != null ? after.used - before.used : null;
				credits = { consumed, remaining: after?.remaining ?? null };
			}
			return this.finish({
				started,
				run,
				execution: plan.execution,
				taskId,
				image,
				ref,
				input: inputInfo,
				credits: { consumed: credits.consumed ?? null, remaining: credits.remaining ?? null },
				params: plan.params,
			});
		} finally {
			act.active--;
		}
	}

	private finish(r: {
		started: number;
		run: RunControl;
		execution: 'sync' | 'async';
		taskId?: string;
		image: OutputImage;
		ref?: ResultRef;
		input: UpscaleResult['input'];
		credits: Credits;
		params: Record<string, unknown>;
	}): UpscaleResult {
		const elapsedMs = this.cfg.ports.clock.now() - r.started;
		r.run.onProgress?.({ stage: 'done', provider: this.vendor.id, taskId: r.taskId, elapsedMs });
		return {
			...r.image,
			provider: this.vendor.id,
			execution: r.execution,
			taskId: r.taskId,
			status: 'completed',
			input: r.input,
			credits: r.credits,
			resultUrl: r.ref?.url,
			resultExpiresAt: r.ref?.expiresAt,
			elapsedMs,
			vendorProcessingMs: r.ref?.processingMs,
			params: r.params,
		};
	}

	/** Polls until the task is complete; returns where to download the result. */
	private async wait(ctx: VendorContext, taskId: string, o: UpscaleOptions, started: number, run: RunControl): Promise<ResultRef> {
		const { clock, sleep } = this.cfg.ports;
		const pace = {
			minMs: o.pollMinMs ?? this.vendor.pollPace.minMs,
			maxMs: Math.max(o.pollMaxMs ?? this.vendor.pollPace.maxMs, o.pollMinMs ?? 0),
		};
		let backoff = 0;
		let last: TaskState | undefined;
		for (;;) {
			const state = await this.vendor.status(ctx, taskId);
			if (state.status === 'completed') return this.vendor.result(ctx, taskId);
			if (state.status === 'failed') {
				throw new UpscaleError(
					'TASK_FAILED',
					`${this.vendor.name} reported that task ${taskId} failed${state.failure ? `: ${state.failure}` : ''}. Credits for a failed task are the vendor's to refund; try again, perhaps with other options.`,
					{ provider: this.vendor.id, taskId, vendorMessage: state.failure },
				);
			}
			if (last && last.status !== state.status) backoff = 0;
			last = state;
			run.onProgress?.({
				stage: state.status === 'queued' ? 'queued' : 'processing',
				provider: this.vendor.id,
				taskId,
				position: state.position,
				etaMs: state.etaMs,
				vendorStatus: state.vendorStatus,
				elapsedMs: clock.now() - started,
			});
			const step = nextPollDelay(pace, clock.now(), state.etaMs, backoff);
			backoff = step.backoffMs;
			if (clock.now() + step.delayMs >= ctx.deadline) {
				throw new UpscaleError(
					'TIMEOUT',
					`${this.vendor.name} has not finished task ${taskId} within the time limit (${Math.round((ctx.deadline - started) / 1000)} s); it is still ${state.status}. Fetch the result later with Get Task ${taskId}.`,
					{ provider: this.vendor.id, taskId, retryable: true },
				);
			}
			try {
				await sleep(step.delayMs, ctx.signal);
			} catch {
				throw new UpscaleError('ABORTED', `Cancelled while waiting for task ${taskId}.`, { provider: this.vendor.id, taskId });
			}
		}
	}

	private async downloadWithProgress(ctx: VendorContext, taskId: string, ref: ResultRef, started: number, run: RunControl) {
		run.onProgress?.({ stage: 'downloading', provider: this.vendor.id, taskId, elapsedMs: this.cfg.ports.clock.now() - started });
		return this.download(ctx, taskId, ref);
	}

	/**
	 * Downloads a result; an expired Clipdrop URL is signed afresh once. A body that is not the complete image it
	 * claims to be (cut off, an error page sent as image/jpeg) is downloaded again: downloads cost nothing.
	 */
	private async download(ctx: VendorContext, taskId: string | undefined, ref: ResultRef): Promise<{ image: OutputImage; ref: ResultRef }> {
		let current = ref;
		let refreshed = false;
		for (let damagedTries = 0; ; ) {
			const res = await this.transport.send({
				method: 'GET',
				url: current.url,
				kind: 'download',
				deadline: ctx.deadline,
				signal: ctx.signal,
				what: 'downloading the result',
				taskId,
				maxBodyBytes: MAX_RESULT_BYTES,
			});
			if (res.status === 200) {
				const read = this.readImage(res.body, res.headers['content-type'] ?? '');
				if ('image' in read) return { image: read.image, ref: current };
				if (++damagedTries < DAMAGED_DOWNLOAD_TRIES) continue;
				const again = taskId ? ' try Get Task again later' : ' upscale the image again';
				throw new UpscaleError('VENDOR', `The result downloaded from ${this.vendor.name} was ${read.damaged}, ${DAMAGED_DOWNLOAD_TRIES} times in a row;${again}.`, { provider: this.vendor.id, status: 200, taskId, retryable: true });
			}
			const gone = res.status === 403 || res.status === 404 || res.status === 410 || res.status === 400;
			if (gone && this.vendor.canRefreshResultUrl && taskId && !refreshed) {
				refreshed = true;
				current = await this.vendor.result(ctx, taskId);
				continue;
			}
			if (gone) {
				const life = this.vendor.id === 'clipdrop' ? 'one hour' : '24 hours';
				throw new UpscaleError('RESULT_EXPIRED', `The result URL no longer works (${res.status}): ${this.vendor.name} keeps results for ${life}. Upscale the image again.`, {
					provider: this.vendor.id,
					status: res.status,
					taskId,
				});
			}
			throw new UpscaleError('VENDOR', `Downloading the result failed (${res.status}); try Get Task again later.`, { provider: this.vendor.id, status: res.status, taskId, retryable: true });
		}
	}

	/**
	 * The result image, its format and size read from the bytes (never from the Content-Type, which may lie); or why
	 * the bytes are not a complete image.
	 */
	private readImage(bytes: Uint8Array, contentType: string): { image: OutputImage } | { damaged: string } {
		let info: ImageInfo;
		try {
			info = sniffImage(bytes);
		} catch (e) {
			const why = (e as Error).message.replace(/\.$/, '');
			return { damaged: `something that is not an image, or not a complete one (${contentType || 'no content type'}, ${bytes.length} bytes: ${why})` };
		}
		return { image: { bytes, contentType: MIME_BY_FORMAT[info.format], format: info.format, extension: EXTENSION_BY_FORMAT[info.format], width: info.width, height: info.height } };
	}
}
