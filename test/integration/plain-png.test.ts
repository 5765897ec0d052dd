/**
 * The local engine's small-PNG path without sharp (runtime/local/plain-png.ts): it reads exactly the pixels sharp
 * reads, writes a PNG sharp reads back to the same pixels, passes every other file to sharp, and an upscale through
 * it gives the same image as through sharp.
 */
import sharp from 'sharp';
import { LocalUpscaler } from '../../runtime';
import { decodePlainPng, encodePng } from '../../runtime/local/plain-png';
import { pngChunk } from '../helpers/images';

/** Noise with smooth parts, so that every row filter gets chosen by an encoder somewhere. */
function pixels(width: number, height: number, channels = 3): Buffer {
	const b = Buffer.alloc(width * height * channels);
	let seed = 7;
	for (let i = 0; i < b.length; i++) {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		b[i] = i % 97 < 40 ? (i * 3) & 0xff : seed >> 16;
	}
	return b;
}

const png = (width: number, height: number, o: { channels?: 3 | 4; options?: sharp.PngOptions } = {}) =>
	sharp(pixels(width, height, o.channels ?? 3), { raw: { width, height, channels: o.channels ?? 3 } })
		.png(o.options ?? {})
		.toBuffer();
const rawOf = async (bytes: Uint8Array) => (await sharp(bytes).raw().toBuffer({ resolveWithObject: true })).data;

/** A chunk added before IEND (its CRC right). */
const withChunk = (bytes: Buffer, type: string, data: Buffer): Buffer => Buffer.concat([bytes.subarray(0, bytes.length - 12), pngChunk(type, data), bytes.subarray(bytes.length - 12)]);

describe('reading', () => {
	it.each([
		[32, 32, {}],
		[17, 9, { compressionLevel: 9, adaptiveFiltering: true }],
		[1, 1, {}],
		[256, 3, { compressionLevel: 0 }],
		[40, 40, { adaptiveFiltering: false }],
	] as const)('%i×%i %j: the same pixels as sharp', async (w, h, options) => {
		const bytes = await png(w, h, { options });
		const mine = decodePlainPng(bytes);
		expect(mine && { width: mine.width, height: mine.height }).toEqual({ width: w, height: h });
		expect(Buffer.from(mine!.data).equals(await rawOf(bytes))).toBe(true);
	});

	it('text, time and size chunks do not matter', async () => {
		const bytes = withChunk(await png(8, 8), 'tEXt', Buffer.from('Comment\0hello'));
		expect(Buffer.from(decodePlainPng(bytes)!.data).equals(await rawOf(bytes))).toBe(true);
	});

	it.each([
		['transparency (RGBA)', async () => png(8, 8, { channels: 4 })],
		['a palette', async () => png(8, 8, { options: { palette: true } })],
		['16 bits', async () => sharp(pixels(8, 8), { raw: { width: 8, height: 8, channels: 3 } }).png().toColourspace('rgb16').toBuffer()],
		['grey', async () => sharp(pixels(8, 8, 1), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').png().toBuffer()],
		['interlacing', async () => png(8, 8, { options: { progressive: true } })],
		['a gamma chunk', async () => withChunk(await png(8, 8), 'gAMA', Buffer.from([0, 0, 0xb1, 0x8f]))],
		['an unknown chunk', async () => withChunk(await png(8, 8), 'abCd', Buffer.from('x'))],
		['a wrong checksum', async () => {
			const b = await png(8, 8);
			b[b.length - 20] ^= 1;
			return b;
		}],
		['a cut-off file', async () => (await png(8, 8)).subarray(0, 60)],
		['more than 256×256 pixels', async () => png(300, 300)],
		['a JPEG', async () => sharp(pixels(8, 8), { raw: { width: 8, height: 8, channels: 3 } }).jpeg().toBuffer()],
	])('left to sharp: %s', async (_label, make) => {
		expect(decodePlainPng(await make())).toBeUndefined();
	});
});

it('writing: sharp reads back the same pixels', async () => {
	for (const [w, h] of [[1, 1], [33, 7], [128, 128]]) {
		const data = pixels(w, h);
		const out = encodePng({ data, width: w, height: h });
		const back = await sharp(out).raw().toBuffer({ resolveWithObject: true });
		expect({ width: back.info.width, height: back.info.height, channels: back.info.channels }).toEqual({ width: w, height: h, channels: 3 });
		expect(back.data.equals(data)).toBe(true);
	}
});

it('an upscale through it gives the pixels the sharp path gives', async () => {
	const plain = await png(24, 20);
	// An unknown ancillary chunk changes nothing in the picture but sends the same image through sharp.
	const viaSharp = withChunk(plain, 'abCd', Buffer.from('x'));
	// Its workers (jest's sandbox and ONNX Runtime disagree on what a Float32Array is in this thread).
	const engine = new LocalUpscaler();
	try {
		const a = await engine.upscale({ bytes: plain }, { scale: 4 });
		const b = await engine.upscale({ bytes: viaSharp }, { scale: 4 });
		expect([a.width, a.height, a.format]).toEqual([96, 80, 'png']);
		expect((await rawOf(a.bytes)).equals(await rawOf(b.bytes))).toBe(true);
		// Written by two encoders (the same pixels, other bytes): the first did take the plain path.
		expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
	} finally {
		await engine.close();
	}
});
