/**
 * Small plain PNGs without the image library: for a thumbnail-sized job, loading sharp (libvips, ~45 ms) costs more
 * than the whole model run, so an 8-bit RGB PNG that carries nothing that changes its pixels (no colour profile,
 * gamma, transparency, palette, interlacing or orientation) is read and written with Node's own zlib here. Anything
 * else, and any file this reader does not fully understand (a bad checksum, a short or long image stream), is left
 * to sharp, which decodes it or says what is wrong: this path never refuses an image.
 *
 * Written here rather than taken from a library: the PNG libraries on npm (pngjs, fast-png) carry their own JavaScript
 * inflate and every colour type; this one case needs ~100 lines over the native zlib (inflate, deflate, CRC-32) that
 * Node already has.
 */
import { crc32 as zlibCrc32, deflateSync, inflateSync } from 'node:zlib';

export interface RgbImage {
	data: Uint8Array;
	width: number;
	height: number;
}

/** The plain path is for small images only: beyond this, sharp's threaded codecs are worth their start. */
export const PLAIN_PNG_MAX_PIXELS = 256 * 256;
/** …and for small results: the row filters are chosen in JavaScript (five tries a row). */
export const PLAIN_PNG_MAX_OUTPUT = 1024 * 1024;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Chunks that do not change the pixels (text, physical size, time, and the sRGB tag that says what we assume). */
const HARMLESS = new Set(['tEXt', 'zTXt', 'iTXt', 'pHYs', 'tIME', 'sRGB']);

/** A chunk's CRC-32 (type and data), by Node's zlib. */
const crc32 = (bytes: Uint8Array, from: number, to: number) => zlibCrc32(bytes.subarray(from, to));

/** The chunks of a PNG as (type, data) when every checksum is right; undefined otherwise. */
function chunks(bytes: Uint8Array): Array<{ type: string; data: Uint8Array }> | undefined {
	if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const out: Array<{ type: string; data: Uint8Array }> = [];
	for (let at = 8; at < bytes.length; ) {
		if (at + 12 > bytes.length) return undefined;
		const length = view.getUint32(at);
		const end = at + 12 + length;
		if (end > bytes.length || view.getUint32(end - 4) !== crc32(bytes, at + 4, end - 4)) return undefined;
		const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
		out.push({ type, data: bytes.subarray(at + 8, end - 4) });
		if (type === 'IEND') return out;
		at = end;
	}
	return undefined;
}

const paeth = (a: number, b: number, c: number) => {
	const p = a + b - c;
	const pa = Math.abs(p - a);
	const pb = Math.abs(p - b);
	const pc = Math.abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Undoes the rows' filters (3 bytes a pixel) in place into `out`; false on an unknown filter type. */
function unfilter(raw: Uint8Array, out: Uint8Array, width: number, height: number): boolean {
	const stride = width * 3;
	for (let y = 0; y < height; y++) {
		const type = raw[y * (stride + 1)];
		const src = y * (stride + 1) + 1;
		const row = y * stride;
		const up = row - stride;
		for (let x = 0; x < stride; x++) {
			const a = x >= 3 ? out[row + x - 3] : 0;
			const b = y > 0 ? out[up + x] : 0;
			const c = x >= 3 && y > 0 ? out[up + x - 3] : 0;
			const v = raw[src + x];
			if (type === 0) out[row + x] = v;
			else if (type === 1) out[row + x] = v + a;
			else if (type === 2) out[row + x] = v + b;
			else if (type === 3) out[row + x] = v + ((a + b) >> 1);
			else if (type === 4) out[row + x] = v + paeth(a, b, c);
			else return false;
		}
	}
	return true;
}

/** The pixels of a small plain 8-bit RGB PNG (see the header); undefined for any other file. */
export function decodePlainPng(bytes: Uint8Array): RgbImage | undefined {
	const list = chunks(bytes);
	const ihdr = list?.[0];
	if (!list || ihdr?.type !== 'IHDR' || ihdr.data.length !== 13) return undefined;
	const head = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
	const width = head.getUint32(0);
	const height = head.getUint32(4);
	// 8 bits, colour type 2 (RGB), deflate, adaptive filtering, not interlaced.
	if (!width || !height || width * height > PLAIN_PNG_MAX_PIXELS || [8, 2, 0, 0, 0].some((v, i) => ihdr.data[8 + i] !== v)) return undefined;
	const idat: Uint8Array[] = [];
	for (const c of list.slice(1)) {
		if (c.type === 'IDAT') idat.push(c.data);
		else if (c.type !== 'IEND' && !HARMLESS.has(c.type)) return undefined;
	}
	const expected = height * (width * 3 + 1);
	let raw: Uint8Array;
	try {
		raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
	} catch {
		return undefined;
	}
	if (raw.length !== expected) return undefined;
	const data = new Uint8Array(width * height * 3);
	return unfilter(raw, data, width, height) ? { data, width, height } : undefined;
}

function chunk(type: string, data: Uint8Array): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'latin1');
	out.set(data, 8);
	out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
	return out;
}

/**
 * An 8-bit RGB PNG of the pixels: every row with the Up filter (the row above subtracted; an upscaled picture is
 * smooth, and choosing a filter per row in JavaScript costs more than the few percent it saves here), deflate level 6.
 */
export function encodePng(img: RgbImage): Uint8Array {
	const { width, height, data } = img;
	const stride = width * 3;
	const raw = Buffer.alloc(height * (stride + 1));
	for (let y = 0; y < height; y++) {
		const row = y * stride;
		const o = y * (stride + 1);
		raw[o] = 2;
		if (y === 0) raw.set(data.subarray(0, stride), 1);
		else for (let x = 0; x < stride; x++) raw[o + 1 + x] = data[row + x] - data[row - stride + x];
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))]);
}
