import { formatFromMime, sniffImage, UpscaleError } from '../../core';
import { gif, jpeg, png, pngHeaderClaiming, webp } from '../helpers/images';

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

	it('maps content types to formats', () => {
		expect(formatFromMime('image/jpeg')).toBe('jpeg');
		expect(formatFromMime('image/png; charset=binary')).toBe('png');
		expect(formatFromMime('image/webp')).toBe('webp');
		expect(formatFromMime('application/json')).toBeUndefined();
		expect(formatFromMime(undefined)).toBeUndefined();
	});
});
