/**
 * The keyless local provider: the ESRGAN models (slim; thick for best quality) on ONNX Runtime or TF.js
 * (WebAssembly) in a pool of worker threads, or bicubic
 * interpolation in fast mode, with sharp for decoding (EXIF orientation applied), alpha (enlarged on its own, bicubic)
 * and encoding. Same options, result and error shapes as the vendors; credits are always 0.
 */
import { availableParallelism } from 'node:os';
import type { Sharp, SharpOptions } from 'sharp';
import {
	asUpscaleError,
	DEFAULT_RETRY,
	downloadImage,
	imageUrlOf,
	invalidInput,
	MIME_BY_FORMAT,
	parseOptions,
	planLocal,
	sniffImage,
	Transport,
	UpscaleError,
	type ImageFormat,
	type ImageInfo,
	type LocalPlan,
	type RunControl,
	type Upscaler,
	type UpscaleInput,
	type UpscaleOptions,
	type UpscaleOptionsInput,
	type UpscaleResult,
} from '../../core';
import { nodePorts } from '../http-undici';
import { chooseBackend, type BackendChoice, type LocalBackend } from './backend';
import { estimateModelMs, remainingMs } from './estimate';
import { requireLocalPackages } from './deps';
import { decodePlainPng, encodePng, PLAIN_PNG_MAX_OUTPUT } from './plain-png';
import { TilePool } from './pool';
import type { TileRequest } from './worker-messages';
import { copyRegion, pasteRegion, tileGrid } from './tiles';
import { readModelJson, receptiveRadius } from './layers-model';
import { modelDir } from './models';

export interface LocalEngineOptions {
	/** Model workers (default: UPSCALE_LOCAL_THREADS, else the number of CPUs, at most 4). */
	threads?: number;
	/**
	 * Largest tile, as the side of a square of the same area, in input pixels (default: UPSCALE_LOCAL_TILE, else
	 * 256: measured 0.15 GB of model memory per worker at x2, 0.4 GB at x4 on TF.js; 0.17 GB at x4 on ONNX Runtime).
	 * Bigger tiles waste less on context (the model's speed per pixel is flat from 48 to 512 px) but cost memory.
	 */
	tileSize?: number;
	/**
	 * Context pixels around each tile (default: how far the model looks, so that tiled and untiled runs agree — 10 px
	 * for the default model, see tests — at most MAX_CONTEXT).
	 */
	overlap?: number;
	/** Stop idle workers after this long (default 60 s). */
	idleMs?: number;
	/** Which engine runs the model (default: UPSCALE_LOCAL_BACKEND, else ONNX Runtime when it loads, else TF.js). */
	backend?: LocalBackend;
	/** Run the engine as it was: the models as shipped (without our rewrites), 12 px of context: for `npm run bench`'s before/after only. */
	asShipped?: boolean;
	/**
	 * A pass that one worker would finish sooner than a worker starts (a small image) runs in this thread instead,
	 * when no worker is running: for a process that does one job and exits (the CLI), where it saves the worker's
	 * start. A server leaves it off: its event loop stays free.
	 */
	inline?: boolean;
}

interface Raw {
	data: Uint8Array;
	width: number;
	height: number;
}

const FORMAT: Record<LocalPlan['format'], ImageFormat> = { png: 'png', jpg: 'jpeg', webp: 'webp' };

/** What starting a model worker costs, measured (npm run bench, start-up): a pass shorter than this is not split for another. */
const WORKER_START_MS = 250;

/** A model run estimated to take this long or more reports when it will be done (Progress.etaMs). */
export const LONG_RUN_MS = 10_000;

/** Most model threads: one per CPU (more only cost memory: each holds a model and a tile), at most 8. */
export const maxThreads = (): number => Math.max(1, Math.min(8, availableParallelism()));
/** Largest tile side: with two workers at x4 the process peaks near 1.9 GB there (measured on a 1200x800 photo; 384 px: 2.3 GB). */
export const MAX_TILE = 320;

export function defaultThreads(env: NodeJS.ProcessEnv = process.env): number {
	const set = Number(env.UPSCALE_LOCAL_THREADS);
	const max = maxThreads();
	if (env.UPSCALE_LOCAL_THREADS !== undefined && env.UPSCALE_LOCAL_THREADS.trim() !== '') {
		if (!Number.isInteger(set) || set < 1 || set > max) {
			throw new UpscaleError('INVALID_OPTIONS', `UPSCALE_LOCAL_THREADS must be a whole number from 1 to ${max}, this machine's CPUs (got "${env.UPSCALE_LOCAL_THREADS.slice(0, 20)}").`, { provider: 'local', local: true });
		}
		return set;
	}
	return Math.min(4, max);
}

/** UPSCALE_LOCAL_TILE, checked (undefined when not set: the engine's default applies). */
export function defaultTile(env: NodeJS.ProcessEnv = process.env): number | undefined {
	const v = env.UPSCALE_LOCAL_TILE?.trim();
	if (!v) return undefined;
	const n = Number(v);
	if (!Number.isInteger(n) || n < 16 || n > MAX_TILE) {
		throw new UpscaleError('INVALID_OPTIONS', `UPSCALE_LOCAL_TILE must be a whole number from 16 to ${MAX_TILE} (got "${v.slice(0, 20)}").`, { provider: 'local', local: true });
	}
	return n;
}

async function loadSharp(): Promise<(input?: Uint8Array, options?: SharpOptions) => Sharp> {
	return (await import('sharp')).default;
}

export class LocalUpscaler implements Upscaler {
	readonly provider = 'local' as const;
	private readonly pool: TilePool;
	private readonly tileSize: number;
	private readonly overlap?: number;
	private choice?: BackendChoice;
	private readonly asShipped: boolean;
	private readonly inline: boolean;

	constructor(opts: LocalEngineOptions = {}) {
		this.pool = new TilePool(opts.threads ?? defaultThreads(), opts.idleMs);
		this.tileSize = opts.tileSize ?? defaultTile() ?? 256;
		this.overlap = opts.overlap;
		if (opts.backend) this.choice = { backend: opts.backend };
		this.asShipped = opts.asShipped ?? false;
		this.inline = opts.inline ?? false;
	}

	/** The engine that runs the model, chosen on first use (fast mode never loads one). */
	get backend(): BackendChoice {
		this.choice ??= chooseBackend();
		return this.choice;
	}

	check(image: { format: ImageFormat; width: number; height: number; bytes: number; hasAlpha?: boolean }, options: UpscaleOptionsInput = {}) {
		const plan = this.plan(parseOptions(options, 'local'), { hasAlpha: false, orientation: 1, ...image });
		return { execution: 'sync' as const, target: plan.target };
	}

	/** The options checked against the image, and the libraries that plan needs checked as installed. */
	private plan(options: UpscaleOptions, info: ImageInfo): LocalPlan {
		const plan = planLocal(options, info);
		requireLocalPackages(plan.method === 'fast' ? 'fast' : plan.model);
		return plan;
	}

	/** The local engine runs on this machine and keeps no tasks: a job it was running when its process stopped is gone. */
	async resume(): Promise<UpscaleResult> {
		throw new UpscaleError('NOT_FOUND', 'The local engine has no tasks to resume: its work stops with its process.', { provider: 'local', local: true });
	}

	/** Stops the model workers now (they also stop on their own when idle). */
	close(): Promise<void> {
		return this.pool.close();
	}

	/**
	 * One job. Its time limit (options.timeoutMs) stops the model between tiles as a cancel does, and says it ran out;
	 * the command line gives the engine no limit unless --timeout is typed.
	 */
	async upscale(input: UpscaleInput, options: UpscaleOptionsInput = {}, run: RunControl = {}): Promise<UpscaleResult> {
		const started = Date.now();
		let o: UpscaleOptions;
		try {
			o = parseOptions(options, 'local');
		} catch (e) {
			throw asUpscaleError(e, 'local', 'The local engine failed');
		}
		const limit = new AbortController();
		const timer = setTimeout(() => limit.abort(), o.timeoutMs);
		const signal = run.signal ? AbortSignal.any([run.signal, limit.signal]) : limit.signal;
		try {
			return await this.job(input, o, { ...run, signal }, started);
		} catch (e) {
			if (limit.signal.aborted && !run.signal?.aborted) {
				throw new UpscaleError('TIMEOUT', `The local engine did not finish within the time limit (${Math.round(o.timeoutMs / 1000)} s): allow more time, or ask for less (a smaller scale or image, or the fast mode).`, { provider: 'local' });
			}
			throw asUpscaleError(e, 'local', 'The local engine failed');
		} finally {
			clearTimeout(timer);
		}
	}

	private async job(input: UpscaleInput, o: UpscaleOptions, run: RunControl, started: number): Promise<UpscaleResult> {
		const bytes = await this.bytesOf(input, started + o.timeoutMs, run.signal);
		const info = sniffImage(bytes);
		let plan = this.plan(o, info);
		if (!this.inline) this.warmWorker(plan, plan.oriented);
		// A long model run (estimated at 10 s or more before it starts, from the paces measured on this engine) reports
		// when it will be done: the estimate first, then from its own pace.
		let modelStart = 0;
		let estimate = 0;
		const progress = (fraction: number) => {
			const now = Date.now();
			const left = estimate >= LONG_RUN_MS ? (fraction > 0 ? remainingMs(now - modelStart, fraction) : estimate) : undefined;
			run.onProgress?.({ stage: 'processing', provider: 'local', elapsedMs: now - started, fraction, vendorStatus: plan.model === 'thick' ? 'best' : plan.method, etaMs: left === undefined ? undefined : now + left });
		};
		// A thumbnail-sized plain PNG needs no image library at all (plain-png.ts).
		const plain = this.plainInput(bytes, info, plan);
		if (plain) {
			modelStart = Date.now();
			progress(0);
			const out = encodePng(await this.modelPasses(plain, plan, run.signal, progress));
			run.onProgress?.({ stage: 'done', provider: 'local', elapsedMs: Date.now() - started, fraction: 1 });
			return this.resultOf(out, plan, info, started);
		}
		const sharp = await loadSharp();
		const decoded = await decode(sharp, bytes);
		// The size the decoder gives, upright, is the truth: should the file's orientation tag sit where the sniffer
		// does not look, the plan follows the decoder rather than stretch the picture to the unrotated size.
		if (decoded.rgb.width !== plan.oriented.width || decoded.rgb.height !== plan.oriented.height) {
			plan = this.plan(o, { ...info, width: decoded.rgb.width, height: decoded.rgb.height, orientation: 1 });
		}
		if (plan.method === 'ai') estimate = estimateModelMs({ model: plan.model, passes: plan.passes, width: decoded.rgb.width, height: decoded.rgb.height, backend: this.backend.backend, threads: this.pool.size });
		modelStart = Date.now();
		progress(0);
		const out = await this.render(sharp, decoded, plan, run.signal, progress);
		run.onProgress?.({ stage: 'done', provider: 'local', elapsedMs: Date.now() - started, fraction: 1 });
		return this.resultOf(out, plan, info, started);
	}

	private resultOf(out: Uint8Array, plan: LocalPlan, info: ImageInfo, started: number): UpscaleResult {
		return {
			provider: 'local',
			execution: 'sync',
			status: 'completed',
			bytes: out,
			contentType: MIME_BY_FORMAT[FORMAT[plan.format]],
			format: FORMAT[plan.format],
			extension: plan.format,
			width: plan.target.width,
			height: plan.target.height,
			input: { format: info.format, width: info.width, height: info.height, bytes: info.bytes },
			credits: { consumed: 0, remaining: null },
			elapsedMs: Date.now() - started,
			params: plan.method === 'ai' ? { ...plan.params, backend: this.backend.backend } : plan.params,
		};
	}

	/** The input's bytes: as given, or downloaded from its URL the way the vendors' inputs are (redirects, cap, deadline). */
	private async bytesOf(input: UpscaleInput, deadline: number, signal?: AbortSignal): Promise<Uint8Array> {
		if ('bytes' in input && input.bytes) return input.bytes;
		const url = imageUrlOf(input, 'local');
		const transport = new Transport({ provider: 'local', vendorName: 'The local engine', ports: nodePorts(), authHeaders: {}, retry: DEFAULT_RETRY });
		return (await downloadImage(transport, url, { deadline, signal, provider: 'local' })).bytes;
	}

	/** Decode → (model passes | bicubic) → exact size → alpha back → encode. */
	private async render(sharp: SharpFn, decoded: Decoded, plan: LocalPlan, signal: AbortSignal | undefined, progress: (f: number) => void): Promise<Uint8Array> {
		const { alpha, gray } = decoded;
		let rgb: Raw = decoded.rgb;
		decoded.rgb = undefined as never; // from here on `rgb` alone holds the input pixels, and lets them go after the first pass
		const { width, height } = rgb;
		const { target } = plan;

		if (plan.method === 'fast') {
			rgb = await resizeRaw(sharp, rgb, 3, target);
			progress(1);
		} else {
			rgb = await this.modelPasses(rgb, plan, signal, progress);
			if (rgb.width !== target.width || rgb.height !== target.height) rgb = await resizeRaw(sharp, rgb, 3, target);
		}

		const a = alpha ? (await resizeRaw(sharp, { data: alpha, width, height }, 1, target)).data : undefined;
		// sharp flattens before it joins channels, so a JPEG's white background is blended here.
		if (a && plan.flatten) onWhite(rgb.data, a);
		let img = sharp(rgb.data, { raw: { width: target.width, height: target.height, channels: 3 }, limitInputPixels: false });
		if (a && !plan.flatten) img = img.joinChannel(Buffer.from(a.buffer, a.byteOffset, a.length), { raw: { width: target.width, height: target.height, channels: 1 } });
		if (gray) img = img.toColourspace('b-w');
		if (plan.format === 'png') img = img.png({ compressionLevel: 6 });
		// Optimised Huffman tables make libjpeg hold every coefficient of the image (4 bytes a pixel: 1 GB at 16383²);
		// above 16 MP the few percent they save are not worth it, and the encoder streams.
		else if (plan.format === 'jpg') img = img.jpeg({ quality: plan.quality, chromaSubsampling: '4:4:4', optimiseCoding: target.width * target.height <= 16_000_000 });
		else img = img.webp({ quality: plan.quality });
		return new Uint8Array(await img.toBuffer());
	}

	/** The plan's model passes, one after the other; progress over all of them. */
	private async modelPasses(rgb: Raw, plan: LocalPlan, signal: AbortSignal | undefined, progress: (f: number) => void): Promise<Raw> {
		const work = plan.passes.reduce<{ total: number; w: number; h: number }>(
			(acc, s) => ({ total: acc.total + acc.w * s * acc.h * s, w: acc.w * s, h: acc.h * s }),
			{ total: 0, w: rgb.width, h: rgb.height },
		).total;
		let done = 0;
		for (const [i, scale] of plan.passes.entries()) {
			// Before a second pass, the first pass's model memory goes (see TilePool.releaseIdle).
			if (i > 0) await this.pool.releaseIdle();
			rgb = await this.modelPass(rgb, scale, plan.model, signal, (px) => {
				done += px;
				progress(done / work);
			});
		}
		return rgb;
	}

	/**
	 * A small plain RGB PNG whose passes land exactly on the target, written as PNG: its pixels, read without sharp
	 * (plain-png.ts); undefined for every other job.
	 */
	private plainInput(bytes: Uint8Array, info: ImageInfo, plan: LocalPlan): Raw | undefined {
		if (info.format !== 'png' || plan.method !== 'ai' || plan.format !== 'png' || plan.target.width * plan.target.height > PLAIN_PNG_MAX_OUTPUT) return undefined;
		const factor = plan.passes.reduce((a, b) => a * b, 1);
		if (info.width * factor !== plan.target.width || info.height * factor !== plan.target.height) return undefined;
		return decodePlainPng(bytes);
	}

	/**
	 * The workers worth spreading a pass over: starting one costs about WORKER_START_MS (ONNX Runtime, the graph, its
	 * session), so a pass that one worker finishes sooner than that stays on the workers already running, or on one.
	 */
	private workersFor(src: { width: number; height: number }, scale: 2 | 3 | 4, model: LocalPlan['model']): number {
		const alone = estimateModelMs({ model, passes: [scale], width: src.width, height: src.height, backend: this.backend.backend, threads: 1, cores: 1 });
		return Math.min(this.pool.size, Math.max(this.pool.started, Math.ceil(alone / WORKER_START_MS)));
	}

	/**
	 * A small image's model worker and session, started before the image is decoded: ONNX Runtime's start (about
	 * 100 ms) then runs on another core while this thread loads the decoder and decodes. Only where the first pass
	 * will run on one worker (see workersFor) and none runs yet.
	 */
	private warmWorker(plan: LocalPlan, info: { width: number; height: number }): void {
		if (plan.method !== 'ai' || this.backend.backend !== 'onnx' || this.pool.started > 0) return;
		if (this.workersFor(info, plan.passes[0], plan.model) !== 1) return;
		this.pool.warm(plan.model, plan.passes[0]);
	}

	/** One model pass over the whole image, tile by tile, `2 × workers` tiles in flight. Cancelling returns at once. */
	private async modelPass(src: Raw, scale: 2 | 3 | 4, model: LocalPlan['model'], signal: AbortSignal | undefined, onTile: (outPixels: number) => void): Promise<Raw> {
		const W = src.width * scale;
		const H = src.height * scale;
		const out = new Uint8Array(W * H * 3);
		// The engine as it was (asShipped, for the bench's before/after) gave every model 12 px.
		const overlap = this.overlap ?? (this.asShipped ? MAX_CONTEXT : modelContext(model, scale));
		const workers = this.workersFor(src, scale, model);
		const tiles = tileGrid(src.width, src.height, this.tileSize, overlap, workers);
		const here = this.inline && workers === 1 && tiles.length === 1 && this.pool.started === 0;
		const runTile = async (job: Omit<TileRequest, 'id'>) => (here ? (await import('./tile-run')).runTile(job) : this.pool.run(job));
		let next = 0;
		let failed: unknown;
		const aborted = () => new UpscaleError('ABORTED', 'Cancelled: the local upscale was stopped.', { provider: 'local' });
		const lane = async () => {
			while (next < tiles.length && failed === undefined) {
				if (signal?.aborted) throw aborted();
				const t = tiles[next++];
				const pixels = copyRegion(src.data, src.width, 3, t.px, t.py, t.pw, t.ph);
				const crop = { x: (t.x - t.px) * scale, y: (t.y - t.py) * scale, w: t.w * scale, h: t.h * scale };
				const result = await runTile({ model, scale, width: t.pw, height: t.ph, pixels, crop, backend: this.backend.backend, asShipped: this.asShipped });
				if (failed !== undefined) return; // cancelled or failed meanwhile: nobody waits for this tile
				pasteRegion(out, W, 3, t.x * scale, t.y * scale, result, crop.w, crop.h);
				onTile(crop.w * crop.h);
			}
		};
		const lanes = Array.from({ length: Math.min(tiles.length, this.pool.size * 2) }, () =>
			lane().catch((e) => {
				failed ??= e;
			}),
		);
		// A tile already in a worker cannot be interrupted (WebAssembly runs to the end); the caller need not wait for it.
		let onAbort: (() => void) | undefined;
		const cancelled = new Promise<void>((resolve) => {
			onAbort = resolve;
			signal?.addEventListener('abort', onAbort, { once: true });
		});
		await Promise.race([Promise.all(lanes), cancelled]);
		signal?.removeEventListener('abort', onAbort!);
		if (signal?.aborted) {
			failed = aborted();
			throw failed;
		}
		if (failed !== undefined) throw failed;
		return { data: out, width: W, height: H };
	}
}

/**
 * Most context around a tile: the best-quality model looks 154 px around, more than a tile can afford; with 12 px its
 * tiled result differs from an untiled one by at most one level (measured on a 150×110 crop in 40-px tiles).
 */
export const MAX_CONTEXT = 12;
const contexts = new Map<string, number>();

/** A model's context for tiles: how far it looks (receptiveRadius), at most MAX_CONTEXT. */
export function modelContext(model: LocalPlan['model'], scale: 2 | 3 | 4): number {
	const key = `${model} x${scale}`;
	let c = contexts.get(key);
	if (c === undefined) {
		c = Math.min(MAX_CONTEXT, receptiveRadius(readModelJson(modelDir(model, scale)).graph));
		contexts.set(key, c);
	}
	return c;
}

type SharpFn = Awaited<ReturnType<typeof loadSharp>>;
type Decoded = { rgb: Raw; alpha?: Uint8Array; gray: boolean };

/** The pixels upright (EXIF applied) in sRGB, split into RGB and alpha; whether the image was grayscale. */
async function decode(sharp: SharpFn, bytes: Uint8Array): Promise<Decoded> {
	try {
		const meta = await sharp(bytes).metadata();
		const gray = meta.space === 'b-w' || meta.channels === 1 || (meta.channels === 2 && !!meta.hasAlpha);
		const { data, info } = await sharp(bytes).rotate().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
		const size = { width: info.width, height: info.height };
		if (info.channels !== 4) return { rgb: { data, ...size }, gray };
		return { rgb: { data: dropAlpha(data), ...size }, alpha: alphaOf(data), gray };
	} catch (e) {
		throw invalidInput(`The image could not be decoded: ${(e as Error).message}.`, 'local');
	}
}

function dropAlpha(rgba: Uint8Array): Uint8Array {
	const n = rgba.length / 4;
	const out = new Uint8Array(n * 3);
	for (let i = 0, j = 0; i < n; i++, j += 4) {
		out[i * 3] = rgba[j];
		out[i * 3 + 1] = rgba[j + 1];
		out[i * 3 + 2] = rgba[j + 2];
	}
	return out;
}

/** Blends RGB over white by alpha, in place. */
function onWhite(rgb: Uint8Array, alpha: Uint8Array): void {
	for (let i = 0; i < alpha.length; i++) {
		const a = alpha[i];
		if (a === 255) continue;
		for (let c = i * 3; c < i * 3 + 3; c++) rgb[c] = Math.round((rgb[c] * a + 255 * (255 - a)) / 255);
	}
}

function alphaOf(rgba: Uint8Array): Uint8Array {
	const n = rgba.length / 4;
	const out = new Uint8Array(n);
	for (let i = 0; i < n; i++) out[i] = rgba[i * 4 + 3];
	return out;
}

/**
 * libvips enlarges with bicubic interpolation whatever kernel is named (cubic, Mitchell, Lanczos2 and Lanczos3 give
 * the same bytes when enlarging; a test checks it), so fast mode and the alpha channel are bicubic. The kernel named
 * here applies when reducing: to the exact size after model passes that overshoot it, which is Lanczos3.
 */
async function resizeRaw(sharp: SharpFn, src: Raw, channels: 1 | 3, to: { width: number; height: number }): Promise<Raw> {
	let img = sharp(src.data, { raw: { width: src.width, height: src.height, channels }, limitInputPixels: false }).resize(to.width, to.height, { kernel: 'lanczos3', fit: 'fill' });
	// libvips writes one band as three unless told to keep one.
	if (channels === 1) img = img.extractChannel(0);
	const data = await img.raw().toBuffer();
	return { data, width: to.width, height: to.height };
}
