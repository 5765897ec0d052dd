/**
 * Fetching a result: from a signed URL (no key sent), signed afresh once when it expired (Clipdrop), and read from
 * its bytes, never from its Content-Type. A body that is not the complete image it claims to be (cut off, an error
 * page sent as image/jpeg) is downloaded again: downloads cost nothing.
 */
import { UpscaleError } from './errors';
import type { Flow } from './flow';
import { EXTENSION_BY_FORMAT, MIME_BY_FORMAT, sniffImage, type ImageInfo } from './image';
import type { OutputImage } from './upscaler';
import type { ResultRef, VendorContext } from './vendors/types';

const MAX_RESULT_BYTES = 1024 * 1024 * 1024;
/** A result that is not a complete image is downloaded this many times before giving up. */
const DAMAGED_DOWNLOAD_TRIES = 3;

/** The result image, its format and size read from the bytes; or why the bytes are not a complete image. */
export function readImage(bytes: Uint8Array, contentType: string): { image: OutputImage } | { damaged: string } {
	let info: ImageInfo;
	try {
		info = sniffImage(bytes);
	} catch (e) {
		const why = (e as Error).message.replace(/\.$/, '');
		return { damaged: `something that is not an image, or not a complete one (${contentType || 'no content type'}, ${bytes.length} bytes: ${why})` };
	}
	return { image: { bytes, contentType: MIME_BY_FORMAT[info.format], format: info.format, extension: EXTENSION_BY_FORMAT[info.format], width: info.width, height: info.height } };
}

/** A sync answer that is not a complete image: paid for, so the message says what was spent. */
export function damagedSyncResult(f: Flow, damaged: string, consumed: number | null | undefined): UpscaleError {
	const spent = consumed ? ` ${f.vendor.name} reports ${consumed} credit${consumed === 1 ? '' : 's'} spent on it` : ' The credit may have been spent';
	return new UpscaleError('VENDOR', `${f.vendor.name} returned ${damaged}.${spent}; try again.`, { provider: f.provider, status: 200, retryable: true });
}

const GONE = new Set([400, 403, 404, 410]);

/** Downloads a result; returns the image and the reference it came from (a fresh one when it was signed again). */
export async function downloadResult(f: Flow, ctx: VendorContext, taskId: string | undefined, ref: ResultRef): Promise<{ image: OutputImage; ref: ResultRef }> {
	const name = f.vendor.name;
	let current = ref;
	let refreshed = false;
	for (let damagedTries = 0; ; ) {
		const res = await f.transport.send({ method: 'GET', url: current.url, kind: 'download', deadline: ctx.deadline, signal: ctx.signal, what: 'downloading the result', taskId, maxBodyBytes: MAX_RESULT_BYTES });
		if (res.status === 200) {
			const read = readImage(res.body, res.headers['content-type'] ?? '');
			if ('image' in read) return { image: read.image, ref: current };
			if (++damagedTries < DAMAGED_DOWNLOAD_TRIES) continue;
			const again = taskId ? ' try Get Task again later' : ' upscale the image again';
			throw new UpscaleError('VENDOR', `The result downloaded from ${name} was ${read.damaged}, ${DAMAGED_DOWNLOAD_TRIES} times in a row;${again}.`, { provider: f.provider, status: 200, taskId, retryable: true });
		}
		if (GONE.has(res.status) && f.vendor.canRefreshResultUrl && taskId && !refreshed) {
			refreshed = true;
			current = await f.vendor.result(ctx, taskId);
			continue;
		}
		if (GONE.has(res.status)) {
			throw new UpscaleError('RESULT_EXPIRED', `The result URL no longer works (${res.status}): ${name} keeps results for ${f.vendor.resultLifetime.words}. Upscale the image again.`, {
				provider: f.provider,
				status: res.status,
				taskId,
			});
		}
		throw new UpscaleError('VENDOR', `Downloading the result failed (${res.status}); try Get Task again later.`, { provider: f.provider, status: res.status, taskId, retryable: true });
	}
}
