/** sniffImage (core/image.ts): format, size, transparency and orientation, and what it refuses before a credit is spent. */
import { formatFromMime, sniffImage, UpscaleError } from '../../core';
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
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

describe('PNG compressed metadata (decompression bombs)', () => {
	const MIB = 1024 * 1024;
	let base: Buffer;
	beforeAll(async () => {
		base = await png(64, 48);
	});
	/** The 64x48 PNG with these chunks after its header. */
	const withChunks = (...chunks: Buffer[]) => Buffer.concat([base.subarray(0, 33), ...chunks, base.subarray(33)]);
	const latin1 = (s: string) => Buffer.from(s, 'latin1');
	const packed = (bytes: number) => deflateSync(Buffer.alloc(bytes, 'A'), { level: 9 });
	const zTXt = (stream: Buffer) => pngChunk('zTXt', Buffer.concat([latin1('Comment\0\0'), stream]));
	const iTXt = (compressed: boolean, text: Buffer) => pngChunk('iTXt', Buffer.concat([latin1(`XML:com.adobe.xmp\0${compressed ? '\x01' : '\0'}\0en\0XMP-Daten\0`), text]));
	const iCCP = (stream: Buffer) => pngChunk('iCCP', Buffer.concat([latin1('sRGB IEC61966-2.1\0\0'), stream]));
	const bomb = (what: string, limit = '1 MiB') =>
		`The PNG file's metadata (${what}) unpacks to more than ${limit}: image decoders and the vendors refuse such a file (a decompression bomb). Save the image again without its metadata.`;

	it('refuses a zTXt, a compressed iTXt or an iCCP chunk that unpacks past 1 MiB, and accepts 1 MiB exactly', () => {
		expect(message(() => sniffImage(withChunks(zTXt(packed(64 * MIB)))))).toBe(bomb('a compressed zTXt chunk'));
		expect(message(() => sniffImage(withChunks(zTXt(packed(MIB + 1)))))).toBe(bomb('a compressed zTXt chunk'));
		expect(sniffImage(withChunks(zTXt(packed(MIB))))).toMatchObject({ format: 'png', width: 64, height: 48 });
		expect(message(() => sniffImage(withChunks(iTXt(true, packed(2 * MIB)))))).toBe(bomb('a compressed iTXt chunk'));
		expect(message(() => sniffImage(withChunks(iCCP(packed(3 * MIB)))))).toBe(bomb('a compressed iCCP chunk'));
		// After the image data, as some writers put their text: still counted.
		const late = Buffer.concat([base.subarray(0, base.length - 12), zTXt(packed(2 * MIB)), base.subarray(base.length - 12)]);
		expect(message(() => sniffImage(late))).toBe(bomb('a compressed zTXt chunk'));
	});

	it('does not count an iTXt whose text is not compressed (it takes its own size in the file)', () => {
		const text = Buffer.alloc(2 * MIB, 'x');
		expect(sniffImage(withChunks(iTXt(false, text)))).toMatchObject({ format: 'png' });
		expect(message(() => sniffImage(withChunks(iTXt(true, deflateSync(text)))))).toBe(bomb('a compressed iTXt chunk'));
	});

	it('refuses compressed chunks that together unpack past 8 MiB, each within 1 MiB', () => {
		const eight = Array.from({ length: 8 }, () => zTXt(packed(MIB)));
		expect(sniffImage(withChunks(...eight))).toMatchObject({ format: 'png' });
		expect(message(() => sniffImage(withChunks(...eight, iTXt(true, packed(1)))))).toBe(bomb('its 9 compressed chunks together', '8 MiB'));
		const mixed = [iCCP(packed(MIB - 5)), ...Array.from({ length: 7 }, () => iTXt(true, packed(MIB))), zTXt(packed(10))];
		expect(message(() => sniffImage(withChunks(...mixed)))).toBe(bomb('its 9 compressed chunks together', '8 MiB'));
	});

	it('refuses a compressed stream larger than a limit without counting it (empty blocks unpack to nothing, but cost time)', () => {
		// 1.5 MiB of empty stored blocks (00 00 00 FF FF: not final, length 0) and a final empty one: it unpacks to 0 bytes.
		const empty = Buffer.concat([Buffer.from([0x78, 0x01]), Buffer.alloc(0), ...Array.from({ length: 320_000 }, () => Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])), Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff])]);
		expect(message(() => sniffImage(withChunks(zTXt(empty))))).toBe(bomb('a compressed zTXt chunk'));
		const nine = Array.from({ length: 9 }, () => zTXt(empty.subarray(0, MIB - 64)));
		expect(message(() => sniffImage(withChunks(...nine)))).toBe(bomb('its 9 compressed chunks together', '8 MiB'));
	});

	it('accepts a PNG with a normal 3 KB ICC profile, and one sharp writes', async () => {
		const profile = iccProfile();
		expect(profile.length).toBeGreaterThan(3000);
		const p = withChunks(iCCP(deflateSync(profile)));
		expect(sniffImage(p)).toMatchObject({ format: 'png', width: 64, height: 48 });
		expect((await sharp(p).metadata()).icc?.length).toBe(profile.length);
		const tagged = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#468' } }).withIccProfile('srgb').png().toBuffer();
		expect(tagged.includes(latin1('iCCP'))).toBe(true);
		expect(sniffImage(tagged)).toMatchObject({ format: 'png', width: 32, height: 24 });
	});

	it('leaves damaged streams to the decoders (they skip them), unless they unpack past the limit before the damage', () => {
		const garbage = Buffer.from('this is not a zlib stream at all'.repeat(100));
		expect(sniffImage(withChunks(zTXt(garbage), iCCP(garbage), iTXt(true, garbage)))).toMatchObject({ format: 'png' });
		const bombStream = packed(64 * MIB);
		expect(sniffImage(withChunks(zTXt(bombStream.subarray(0, 200))))).toMatchObject({ format: 'png' });
		expect(message(() => sniffImage(withChunks(zTXt(bombStream.subarray(0, 5000)))))).toBe(bomb('a compressed zTXt chunk'));
		const damaged = Buffer.from(bombStream);
		damaged[2000] ^= 0xff;
		expect(() => sniffImage(withChunks(zTXt(damaged)))).toThrow(/decompression bomb/);
	});

	it('ignores chunks it cannot read as compressed metadata, and anything after IEND', () => {
		const big = packed(4 * MIB);
		const unknownMethod = pngChunk('zTXt', Buffer.concat([latin1('Comment\0\x01'), big]));
		const noKeywordEnd = pngChunk('zTXt', latin1('Comment'));
		const iTXtUnknownMethod = pngChunk('iTXt', Buffer.concat([latin1('Comment\0\x01\x07\0\0'), big]));
		const iTXtNoLanguageEnd = pngChunk('iTXt', latin1('Comment\0\x01\0en'));
		const iTXtNoTranslatedEnd = pngChunk('iTXt', latin1('Comment\0\x01\0en\0Kommentar'));
		const keywordOnly = pngChunk('iCCP', latin1('x\0'));
		expect(sniffImage(withChunks(unknownMethod, noKeywordEnd, iTXtUnknownMethod, iTXtNoLanguageEnd, iTXtNoTranslatedEnd, keywordOnly))).toMatchObject({ format: 'png' });
		expect(sniffImage(Buffer.concat([base, zTXt(big)]))).toMatchObject({ format: 'png' });
	});
});

/** A plausible ICC v2 display profile of about 3 KB, shaped like sRGB IEC61966-2.1: a header, a tag table, tags. */
function iccProfile(): Buffer {
	const curve = Buffer.alloc(12 + 1024 * 2);
	curve.write('curv', 0, 'latin1');
	curve.writeUInt32BE(1024, 8);
	for (let i = 0; i < 1024; i++) curve.writeUInt16BE(Math.round(65535 * (i / 1023) ** 2.2), 12 + i * 2);
	const xyz = (x: number, y: number, z: number) => {
		const b = Buffer.alloc(20);
		b.write('XYZ ', 0, 'latin1');
		[x, y, z].forEach((v, i) => b.writeInt32BE(Math.round(v * 65536), 8 + i * 4));
		return b;
	};
	const text = (s: string) => Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${s}\0`, 'latin1')]);
	const desc = (s: string) => {
		const b = Buffer.alloc(12 + s.length + 1 + 8 + 2 + 1 + 67); // ASCII, then empty Unicode and ScriptCode parts
		b.write('desc', 0, 'latin1');
		b.writeUInt32BE(s.length + 1, 8);
		b.write(s, 12, 'latin1');
		return b;
	};
	const sized = (sig: string, n: number) => Buffer.concat([Buffer.from(sig, 'latin1'), Buffer.alloc(n - 4, 1)]);
	const tags: [string, Buffer][] = [
		['desc', desc('sRGB IEC61966-2.1')],
		['cprt', text('Copyright (c) 1998 Hewlett-Packard Company')],
		['dmnd', desc('IEC http://www.iec.ch')],
		['dmdd', desc('IEC 61966-2.1 Default RGB colour space - sRGB')],
		['vued', desc('Reference Viewing Condition in IEC61966-2.1')],
		['view', sized('view', 36)],
		['lumi', xyz(76.03, 80, 87.12)],
		['meas', sized('meas', 36)],
		['tech', Buffer.from('sig \0\0\0\0CRT ', 'latin1')],
		['wtpt', xyz(0.9505, 1, 1.089)],
		['rXYZ', xyz(0.4361, 0.2225, 0.0139)],
		['gXYZ', xyz(0.3851, 0.7169, 0.0971)],
		['bXYZ', xyz(0.1431, 0.0606, 0.7141)],
		['rTRC', curve],
		['gTRC', curve],
		['bTRC', curve],
	];
	const table = Buffer.alloc(4 + tags.length * 12);
	table.writeUInt32BE(tags.length, 0);
	const bodies: Buffer[] = [];
	let at = 128 + table.length;
	const placed = new Map<Buffer, number>();
	tags.forEach(([sig, body], i) => {
		if (!placed.has(body)) {
			placed.set(body, at);
			bodies.push(body);
			at += body.length + ((4 - (body.length % 4)) % 4);
			bodies.push(Buffer.alloc((4 - (body.length % 4)) % 4));
		}
		table.write(sig, 4 + i * 12, 'latin1');
		table.writeUInt32BE(placed.get(body)!, 8 + i * 12);
		table.writeUInt32BE(body.length, 12 + i * 12);
	});
	const header = Buffer.alloc(128);
	header.writeUInt32BE(at, 0);
	header.write('lcms', 4, 'latin1');
	header.writeUInt32BE(0x02100000, 8);
	header.write('mntrRGB XYZ ', 12, 'latin1');
	header.write('acsp', 36, 'latin1');
	header.writeInt32BE(Math.round(0.9642 * 65536), 68);
	header.writeInt32BE(65536, 72);
	header.writeInt32BE(Math.round(0.8249 * 65536), 76);
	return Buffer.concat([header, table, ...bodies]);
}
