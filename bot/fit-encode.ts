/**
 * A result too large for Discord, encoded again smaller: WebP at high quality (alpha kept), else a high-quality
 * JPEG when the image has no alpha (JPEG would flatten it). sharp does the work on libuv's threads, so the event loop
 * keeps answering Discord meanwhile; one re-encode at a time, of at most REENCODE_MAX_PIXELS.
 * sharp is an optional dependency of the toolkit: without it, nothing is re-encoded (the link is given instead).
 */
import type { Sharp, SharpOptions } from 'sharp';
import type { UploadFile } from './upload';

/**
 * The largest result re-encoded, in pixels: 100 MP covers an 8× result of a 1250×1000 image. Measured on this
 * repository's 2-core machine, a re-encode takes about 7 MB of memory per megapixel (67 MP: 450 MB, 20 s), so one at
 * a time stays under about 700 MB; anything larger goes as a link.
 */
export const REENCODE_MAX_PIXELS = 100_000_000;
/** Qualities that keep an upscale's detail (what a reader sees does not change at 1:1). */
export const WEBP_QUALITY = 90;
export const JPEG_QUALITY = 90;

export type Reencoded = UploadFile & { format: 'WebP' | 'JPEG' };

type SharpFn = (input?: Uint8Array, options?: SharpOptions) => Sharp;

let sharpFn: Promise<SharpFn | undefined> | undefined;
const loadSharp = () =>
	(sharpFn ??= import('sharp').then(
		(m) => m.default as SharpFn,
		() => undefined,
	));

/** One re-encode at a time in this process (its memory is bounded by one image's). */
let chain: Promise<unknown> = Promise.resolve();

/** The file encoded again under `limit` bytes, or undefined when neither encoding fits (or it cannot be read). */
export function reencode(file: UploadFile, limit: number): Promise<Reencoded | undefined> {
	const run = chain.then(() => reencodeNow(file, limit));
	chain = run.catch(() => undefined);
	return run;
}

async function reencodeNow(file: UploadFile, limit: number): Promise<Reencoded | undefined> {
	const sharp = await loadSharp();
	if (!sharp) return undefined;
	const open = () => sharp(file.data, { limitInputPixels: REENCODE_MAX_PIXELS, sequentialRead: true, failOn: 'error' });
	const meta = await open()
		.metadata()
		.catch(() => undefined);
	if (!meta?.width || !meta.height || meta.width * meta.height > REENCODE_MAX_PIXELS) return undefined;
	const base = file.name.replace(/\.[^.]*$/, '') || 'image';
	const attempts: Array<() => Promise<Reencoded>> = [];
	if (meta.width <= 16_383 && meta.height <= 16_383) {
		attempts.push(async () => ({ format: 'WebP', name: `${base}.webp`, contentType: 'image/webp', data: await open().webp({ quality: WEBP_QUALITY }).toBuffer() }));
	}
	if (!meta.hasAlpha) {
		attempts.push(async () => ({ format: 'JPEG', name: `${base}.jpg`, contentType: 'image/jpeg', data: await open().jpeg({ quality: JPEG_QUALITY }).toBuffer() }));
	}
	for (const attempt of attempts) {
		const out = await attempt().catch(() => undefined);
		if (out && out.data.length <= limit) return { ...out, data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length) };
	}
	return undefined;
}
