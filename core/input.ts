/**
 * The image a user hands over: checking a URL, downloading it (for a vendor that needs the bytes, and for the local
 * engine), and the file names derived from it. One place, so every front door refuses, follows redirects and names
 * files the same way.
 */
import { invalidInput, UpscaleError, type ProviderId } from './errors';
import { sniffImage } from './image';
import type { Transport } from './transport';
import type { UpscaleInput } from './upscaler';
import type { PreparedInput, Vendor } from './vendors/types';

/** No vendor takes more than 30 MB (Clipdrop's documented limit; this tool's cap for Ximilar and the local engine). */
export const MAX_INPUT_BYTES = 30 * 1024 * 1024;

/** A byte limit in words: "30 MB". */
export const megabytes = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

export const IMAGE_URL_TOO_LARGE = `The image at the URL is larger than ${megabytes(MAX_INPUT_BYTES)}.`;

/** A user's text, shortened for a message (a pasted data: URL can be 100,000 characters). */
export function excerpt(text: string, max = 80): string {
	const one = text.replace(/[\r\n\t]+/g, ' ');
	return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** The trimmed http(s) URL of an input given as a URL; INVALID_INPUT with what was wrong otherwise. */
export function imageUrlOf(input: { url: string } | object, provider?: ProviderId): string {
	const url = 'url' in input ? String(input.url ?? '').trim() : '';
	if (/^data:/i.test(url)) throw invalidInput('data: URLs are not supported: save the image to a file, or give its http(s) URL.', provider);
	if (!/^https?:\/\/[^\s]+$/i.test(url)) throw invalidInput(`"${excerpt(url)}" is not an http(s) URL of an image.`, provider);
	return url;
}

/** The error for an image URL whose server did not answer 200. */
export function imageDownloadRefused(url: string, status: number, provider: ProviderId): UpscaleError {
	return invalidInput(`Could not download the image from ${excerpt(url, 200)}: the server answered ${status}.`, provider);
}

/**
 * A file name that is safe to create in a folder: no path separators (a URL's `..%2F..%2Fx.jpg` stays in the folder),
 * no control characters, no leading dots (no hidden files, no `..`), at most 120 characters; 'image' when nothing is left.
 */
export function safeFileName(name: string): string {
	const last = name.split(/[/\\]/).pop() ?? '';
	// eslint-disable-next-line no-control-regex
	const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^[.\s]+/, '').trim().slice(0, 120);
	return clean || 'image';
}

/** The file name at the end of a URL's path, percent-decoded where it decodes (a bare `%` stays as it is), made safe. */
export function fileNameFromUrl(url: string): string {
	let path: string;
	try {
		path = new URL(url).pathname;
	} catch {
		return 'image';
	}
	const last = path.split('/').pop() ?? '';
	let decoded = last;
	try {
		decoded = decodeURIComponent(last);
	} catch {
		// "50%off.jpg": not percent-encoding, keep the name as written
	}
	return safeFileName(decoded);
}

/** `photo.jpg` + `png` → `photo-upscaled.png`: the one name rule for results written or sent. */
export function upscaledName(fileName: string, extension: string): string {
	const safe = safeFileName(fileName);
	const dot = safe.lastIndexOf('.');
	const stem = dot > 0 ? safe.slice(0, dot) : safe;
	return `${stem || 'image'}-upscaled.${extension}`;
}

/**
 * Downloads an image URL (no key is sent to its host; redirects followed; 30 MB cap; the deadline bounds it).
 * Every failure is local (nothing was sent to a vendor) and says what went wrong with the URL.
 */
export async function downloadImage(t: Transport, url: string, o: { deadline: number; signal?: AbortSignal; provider: ProviderId; fileName?: string }): Promise<{ bytes: Uint8Array; fileName: string }> {
	const res = await t
		.send({ method: 'GET', url, kind: 'download', deadline: o.deadline, signal: o.signal, what: 'downloading the input image', from: 'The image host', maxBodyBytes: MAX_INPUT_BYTES })
		.catch((e: UpscaleError) => {
			if (e.code === 'ABORTED') throw new UpscaleError('ABORTED', 'Cancelled while downloading the image.', { provider: o.provider, local: true });
			if (e.code === 'INVALID_INPUT') throw invalidInput(IMAGE_URL_TOO_LARGE, o.provider);
			throw new UpscaleError(e.code, `Could not download the image from ${excerpt(url, 200)}: ${e.message}`, { provider: o.provider, local: true, retryable: e.retryable });
		});
	if (res.status !== 200) throw imageDownloadRefused(url, res.status, o.provider);
	return { bytes: res.body, fileName: o.fileName ? safeFileName(o.fileName) : fileNameFromUrl(url) };
}

/**
 * The input as a vendor takes it: bytes (sniffed, so a bad file is refused before a credit is spent), or the URL for a
 * vendor that fetches images itself. A vendor that needs bytes gets a URL downloaded here (no key sent to its host).
 */
export async function prepareInput(input: UpscaleInput, o: { vendor: Vendor; provider: ProviderId; transport: Transport; deadline: number; signal?: AbortSignal }): Promise<PreparedInput> {
	if ('bytes' in input && input.bytes) {
		return { kind: 'bytes', bytes: input.bytes, fileName: safeFileName(input.fileName || 'image'), info: sniffImage(input.bytes) };
	}
	const url = imageUrlOf(input, o.provider);
	if (!o.vendor.needsBytes) return { kind: 'url', url };
	const { bytes, fileName } = await downloadImage(o.transport, url, { deadline: o.deadline, signal: o.signal, provider: o.provider, fileName: input.fileName });
	return { kind: 'bytes', bytes, fileName, info: sniffImage(bytes) };
}
