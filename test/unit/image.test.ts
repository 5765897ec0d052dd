import { formatFromMime, sniffImage, UpscaleError } from '../../core';
import sharp from 'sharp';
import { gif, jpeg, jpegSegment, jpegWithSegments, motionPhoto, phoneJpeg, png, pngChunk, pngHeaderClaiming, pngWithExif, webp, webpWithExif } from '../helpers/images';

const message = (f: () => unknown) => {
	try {
		f();
	} catch (e) {
		expect(e).toBeInstanceOf(UpscaleError);
		expect((e as UpscaleError).code).toBe('INVALID_INPUT');
		expect((e as UpscaleError).local).toBe(true);
		return (e as UpscaleError).message;
	}
	throw new Error('expected a rejection');
};

describe('sniffImage', () => {
	it('reads a JPEG: size, no alpha, EXIF orientation', async () => {
		expect(sniffImage(await jpeg(321, 123))).toMatchObject({ format: 'jpeg', width: 321, height: 123, hasAlpha: false, orientation: 1 });
		expect(sniffImage(await jpeg(40, 20, { orientation: 6 }))).toMatchObject({ width: 40, height: 20, orientation: 6 });
	});

	it('reads PNGs with and without transparency (alpha channel or palette tRNS)', async () => {
		expect(sniffImage(await png(64, 32))).toMatchObject({ format: 'png', width: 64, height: 32, hasAlpha: false });
		expect(sniffImage(await png(64, 32, { alpha: true }))).toMatchObject({ hasAlpha: true });
		expect(sniffImage(await png(16, 16, { alpha: true, palette: true }))).toMatchObject({ hasAlpha: true });
	});

	it('reads lossy, lossless and extended WebP', async () => {
		expect(sniffImage(await webp(101, 51))).toMatchObject({ format: 'webp', width: 101, height: 51, hasAlpha: false });
		expect(sniffImage(await webp(77, 33, { lossless: true }))).toMatchObject({ width: 77, height: 33 });
		expect(sniffImage(await webp(90, 45, { alpha: true }))).toMatchObject({ width: 90, height: 45, hasAlpha: true });
	});

	it('rejects empty, unknown and unsupported formats with a message naming them', async () => {
		expect(message(() => sniffImage(new Uint8Array()))).toBe('The image is empty (0 bytes).');
		expect(message(() => sniffImage(Buffer.from('hello, I am text pretending to be a PNG')))).toMatch(/not a PNG, JPEG or WebP image/);
		expect(message(() => sniffImage(new Uint8Array(Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(20)]))))).toMatch(/GIF, which is not supported/);
		expect(message(() => sniffImage(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>')))).toMatch(/SVG/);
		expect(message(() => sniffImage(Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)])))).toMatch(/HEIC\/HEIF/);
		expect(message(() => sniffImage(Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypavif'), Buffer.alloc(16)])))).toMatch(/AVIF/);
		expect(message(() => sniffImage(Buffer.concat([Buffer.from('BM'), Buffer.alloc(40)])))).toMatch(/BMP/);
		expect(message(() => sniffImage(Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0]), Buffer.alloc(40)])))).toMatch(/TIFF/);
		expect(message(() => sniffImage(Buffer.from('<!DOCTYPE html><html></html>')))).toMatch(/HTML page/);
		expect(message(() => sniffImage(Buffer.from('%PDF-1.7 ...')))).toMatch(/PDF/);
		const g = await gif(4, 4);
		expect(message(() => sniffImage(g))).toMatch(/GIF, which is not supported/);
	});

	it('rejects truncated files', async () => {
		const p = await png(50, 50);
		expect(message(() => sniffImage(p.subarray(0, p.length - 20)))).toMatch(/PNG file is truncated.*IEND/);
		expect(message(() => sniffImage(p.subarray(0, 20)))).toMatch(/PNG file is truncated.*IHDR/);
		const j = await jpeg(50, 50);
		expect(message(() => sniffImage(j.subarray(0, j.length - 40)))).toMatch(/JPEG file is truncated.*EOI/);
		expect(message(() => sniffImage(j.subarray(0, 30)))).toMatch(/JPEG file is truncated.*no frame header/);
		const w = await webp(50, 50);
		expect(message(() => sniffImage(w.subarray(0, w.length - 10)))).toMatch(/WebP file is truncated/);
	});

	it('reports the size a lying header claims (the size checks reject it later)', () => {
		expect(sniffImage(pngHeaderClaiming(100000, 100000))).toMatchObject({ width: 100000, height: 100000 });
		expect(message(() => sniffImage(pngHeaderClaiming(0, 10)))).toMatch(/0x10 pixels, which is not a valid size/);
	});

	it('reads the layouts phones and editors write: trailing video, EXIF then XMP, PNG eXIf, WebP EXIF, progressive', async () => {
		expect(sniffImage(await motionPhoto(64, 48))).toMatchObject({ format: 'jpeg', width: 64, height: 48 });
		expect(sniffImage(await phoneJpeg(40, 30, 6))).toMatchObject({ width: 40, height: 30, orientation: 6 });
		expect(sniffImage(await pngWithExif(40, 30, 8))).toMatchObject({ format: 'png', orientation: 8 });
		expect(sniffImage(await webpWithExif(40, 30, 6))).toMatchObject({ format: 'webp', width: 40, height: 30, orientation: 6 });
		const progressive = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#135' } }).jpeg({ progressive: true }).toBuffer();
		expect(sniffImage(progressive)).toMatchObject({ width: 50, height: 40 });
		// An XMP segment alone sets no orientation, and the first EXIF wins over a later one.
		const j = await jpeg(20, 10);
		const xmp = jpegSegment(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x/>', 'latin1'));
		expect(sniffImage(jpegWithSegments(j, [xmp]))).toMatchObject({ orientation: 1 });
		// A PNG with bytes after IEND decodes everywhere: accepted.
		expect(sniffImage(Buffer.concat([await png(8, 8), Buffer.from('trailing garbage')]))).toMatchObject({ width: 8 });
	});

	it('rejects damage that costs nothing to find: PNG header checksum, bit depth, no image data; JPEG with no scan; WebP whose header lies', async () => {
		const p = await png(30, 20);
		const badCrc = Buffer.from(p);
		badCrc[29] ^= 0xff;
		expect(message(() => sniffImage(badCrc))).toBe('The PNG file is truncated or damaged (the IHDR header fails its checksum).');
		const ihdr = Buffer.from(p.subarray(16, 29));
		ihdr[8] = 3; // bit depth 3 does not exist
		const badDepth = Buffer.concat([p.subarray(0, 8), pngChunk('IHDR', ihdr), p.subarray(33)]);
		expect(message(() => sniffImage(badDepth))).toBe('The PNG file is truncated or damaged (invalid header: bit depth 3 with colour type 2).');
		const noIdat = Buffer.concat([p.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))]);
		expect(message(() => sniffImage(noIdat))).toBe('The PNG file is truncated or damaged (it has no image data (no IDAT chunk)).');
		const j = await jpeg(30, 20);
		const sos = j.indexOf(Buffer.from([0xff, 0xda]));
		const noScan = Buffer.concat([j.subarray(0, sos), Buffer.from([0xff, 0xd9])]);
		expect(message(() => sniffImage(noScan))).toBe('The JPEG file is damaged (it has no image data: no scan before its end marker).');
		// A VP8X header claiming 3000x3000 around a 64x48 bitstream.
		const small = await webp(64, 48, { alpha: true });
		const lying = Buffer.from(small);
		expect(lying.toString('latin1', 12, 16)).toBe('VP8X');
		lying.writeUIntLE(2999, 24, 3);
		lying.writeUIntLE(2999, 27, 3);
		expect(message(() => sniffImage(lying))).toBe('The WebP file is truncated or damaged (its header says 3000x3000 but the image data is 64x48).');
	});

	it('maps content types to formats', () => {
		expect(formatFromMime('image/jpeg')).toBe('jpeg');
		expect(formatFromMime('image/png; charset=binary')).toBe('png');
		expect(formatFromMime('image/webp')).toBe('webp');
		expect(formatFromMime('application/json')).toBeUndefined();
		expect(formatFromMime(undefined)).toBeUndefined();
	});
});
