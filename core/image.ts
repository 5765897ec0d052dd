/**
 * Image facts from the first bytes (and the last few), without decoding pixels.
 * Enough to reject, before a credit is spent, what a vendor would reject: wrong format, too many pixels,
 * a truncated file, a header that lies about its size.
 */
import { invalidInput } from './errors';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageInfo {
	format: ImageFormat;
	width: number;
	height: number;
	/** True when the image can hold transparency (alpha channel or a tRNS chunk). */
	hasAlpha: boolean;
	/** EXIF orientation (1..8) of a JPEG, 1 when absent. */
	orientation: number;
	bytes: number;
}

export const MIME_BY_FORMAT: Record<ImageFormat, string> = {
	png: 'image/png',
	jpeg: 'image/jpeg',
	webp: 'image/webp',
};

/** File extension of each format (also the name users give it: `--format jpg`). */
export const EXTENSION_BY_FORMAT: Record<ImageFormat, 'png' | 'jpg' | 'webp'> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** Names a format we recognise but no vendor accepts, for a clearer message. */
function otherFormat(b: Uint8Array): string | undefined {
	if (ascii(b, 0, 4) === 'GIF8') return 'GIF';
	if (b[0] === 0x42 && b[1] === 0x4d) return 'BMP';
	if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a)) return 'TIFF';
	if (ascii(b, 4, 4) === 'ftyp') {
		const brand = ascii(b, 8, 4);
		if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return 'HEIC/HEIF';
		if (/^avi[fs]$/.test(brand)) return 'AVIF';
		return 'an ISO media file';
	}
	const head = new TextDecoder().decode(b.subarray(0, 256)).trimStart().toLowerCase();
	if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'SVG';
	if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'an HTML page';
	if (head.startsWith('%pdf')) return 'PDF';
	return undefined;
}

function png(b: Uint8Array): ImageInfo {
	if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') throw invalidInput('The PNG file is truncated or damaged (no IHDR header).');
	const width = u32be(b, 16);
	const height = u32be(b, 20);
	const colorType = b[25];
	let hasAlpha = colorType === 4 || colorType === 6;
	// Walk the chunks before the image data for a tRNS chunk (transparency in palette/grey/RGB images).
	let o = 8;
	while (o + 8 <= b.length) {
		const len = u32be(b, o);
		const type = ascii(b, o + 4, 4);
		if (type === 'tRNS') hasAlpha = true;
		if (type === 'IDAT' || type === 'IEND') break;
		o += 12 + len;
	}
	// A complete PNG ends with the IEND chunk (12 bytes: length 0, "IEND", CRC).
	if (b.length < 45 || ascii(b, b.length - 8, 4) !== 'IEND') {
		throw invalidInput('The PNG file is truncated or damaged (it does not end with an IEND chunk).');
	}
	return { format: 'png', width, height, hasAlpha, orientation: 1, bytes: b.length };
}

/** EXIF orientation from an APP1 segment's payload, or 1. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
	if (ascii(b, start, 6) !== 'Exif\0\0') return 1;
	const t = start + 6;
	const le = b[t] === 0x49;
	const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
	const r32 = (o: number) => (le ? (u16le(b, o) + u16le(b, o + 2) * 65536) : u32be(b, o));
	const ifd = t + r32(t + 4);
	if (ifd + 2 > end) return 1;
	const n = r16(ifd);
	for (let i = 0; i < n; i++) {
		const e = ifd + 2 + i * 12;
		if (e + 12 > end) break;
		if (r16(e) === 0x0112) {
			const v = r16(e + 8);
			return v >= 1 && v <= 8 ? v : 1;
		}
	}
	return 1;
}

function jpeg(b: Uint8Array): ImageInfo {
	let o = 2;
	let orientation = 1;
	while (o + 4 <= b.length) {
		if (b[o] !== 0xff) throw invalidInput('The JPEG file is damaged (bad segment marker).');
		const marker = b[o + 1];
		if (marker === 0xff) {
			o++;
			continue;
		}
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			o += 2;
			continue;
		}
		const len = u16be(b, o + 2);
		if (marker === 0xe1) orientation = exifOrientation(b, o + 4, Math.min(b.length, o + 2 + len));
		const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isSof) {
			if (o + 9 > b.length) break;
			const height = u16be(b, o + 5);
			const width = u16be(b, o + 7);
			// A complete JPEG ends with the EOI marker (FF D9); some encoders pad after it, so look near the end.
			const tail = b.subarray(Math.max(0, b.length - 64));
			let eoi = false;
			for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) eoi = true;
			if (!eoi) throw invalidInput('The JPEG file is truncated or damaged (it does not end with an EOI marker).');
			return { format: 'jpeg', width, height, hasAlpha: false, orientation, bytes: b.length };
		}
		o += 2 + len;
	}
	throw invalidInput('The JPEG file is truncated or damaged (no frame header with its size).');
}

function webp(b: Uint8Array): ImageInfo {
	const chunk = ascii(b, 12, 4);
	const declared = u32le(b, 4) + 8;
	if (declared > b.length) throw invalidInput('The WebP file is truncated (it is shorter than its header says).');
	if (chunk === 'VP8 ' && b.length >= 30) {
		return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, hasAlpha: false, orientation: 1, bytes: b.length };
	}
	if (chunk === 'VP8L' && b.length >= 25) {
		const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
		return {
			format: 'webp',
			width: (bits & 0x3fff) + 1,
			height: ((bits >>> 14) & 0x3fff) + 1,
			hasAlpha: ((bits >>> 28) & 1) === 1,
			orientation: 1,
			bytes: b.length,
		};
	}
	if (chunk === 'VP8X' && b.length >= 30) {
		return {
			format: 'webp',
			width: u24le(b, 24) + 1,
			height: u24le(b, 27) + 1,
			hasAlpha: (b[20] & 0x10) !== 0,
			orientation: 1,
			bytes: b.length,
		};
	}
	throw invalidInput('The WebP file is truncated or damaged (unknown or short VP8 chunk).');
}

/** Reads format, size and transparency; throws INVALID_INPUT (local) with the reason when it can't. */
export function sniffImage(bytes: Uint8Array): ImageInfo {
	if (bytes.length === 0) throw invalidInput('The image is empty (0 bytes).');
	let info: ImageInfo | undefined;
	if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) info = png(bytes);
	else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) info = jpeg(bytes);
	else if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') info = webp(bytes);
	if (!info) {
		const other = otherFormat(bytes);
		throw invalidInput(
			other
				? `The image is ${other}, which is not supported: use PNG, JPEG or WebP.`
				: 'The file is not a PNG, JPEG or WebP image (its first bytes match none of them).',
		);
	}
	if (info.width < 1 || info.height < 1) throw invalidInput(`The image header says ${info.width}x${info.height} pixels, which is not a valid size.`);
	return info;
}

/** Format from a Content-Type header, when it names one we know. */
export function formatFromMime(mime: string | undefined): ImageFormat | undefined {
	const m = (mime ?? '').toLowerCase();
	if (m.includes('png')) return 'png';
	if (m.includes('jpeg') || m.includes('jpg')) return 'jpeg';
	if (m.includes('webp')) return 'webp';
	return undefined;
}
