/** Test images made on the fly with sharp (nothing large is committed). */
import sharp from 'sharp';
import { crc32 } from 'node:zlib';

export async function jpeg(width: number, height: number, opts: { orientation?: number; quality?: number } = {}): Promise<Buffer> {
	let img = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg({ quality: opts.quality ?? 80 });
	if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
	return img.toBuffer();
}

export async function png(width: number, height: number, opts: { alpha?: boolean; palette?: boolean } = {}): Promise<Buffer> {
	const channels = opts.alpha ? 4 : 3;
	const background = opts.alpha ? { r: 200, g: 50, b: 50, alpha: 0.5 } : { r: 200, g: 50, b: 50 };
	return sharp({ create: { width, height, channels, background } }).png({ palette: opts.palette }).toBuffer();
}

export async function webp(width: number, height: number, opts: { alpha?: boolean; lossless?: boolean } = {}): Promise<Buffer> {
	const channels = opts.alpha ? 4 : 3;
	const background = opts.alpha ? { r: 10, g: 200, b: 50, alpha: 0.5 } : { r: 10, g: 200, b: 50 };
	return sharp({ create: { width, height, channels, background } }).webp({ lossless: opts.lossless }).toBuffer();
}

export async function gif(width: number, height: number): Promise<Buffer> {
	return sharp({ create: { width, height, channels: 3, background: '#00ff00' } }).gif().toBuffer();
}

/**
 * A PNG whose sound header claims a huge size, with a few bytes of image data and an IEND: it looks complete
 * (a "decompression bomb" header).
 */
export function pngHeaderClaiming(width: number, height: number): Buffer {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8;
	ihdr[9] = 2;
	const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	return Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), pngChunk('IEND', Buffer.alloc(0))]);
}

export async function dims(bytes: Buffer | Uint8Array): Promise<{ width: number; height: number; format: string }> {
	const m = await sharp(Buffer.from(bytes)).metadata();
	return { width: m.width!, height: m.height!, format: m.format! };
}

/** One PNG chunk with its length and a correct CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(data.length, 0);
	head.write(type, 4, 'latin1');
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
	return Buffer.concat([head, data, crc]);
}

/** A little-endian TIFF structure with one IFD entry: Orientation. */
export function tiffWithOrientation(orientation: number): Buffer {
	const t = Buffer.alloc(8 + 2 + 12 + 4);
	t.write('II*\0', 0, 'latin1');
	t.writeUInt32LE(8, 4);
	t.writeUInt16LE(1, 8);
	t.writeUInt16LE(0x0112, 10);
	t.writeUInt16LE(3, 12);
	t.writeUInt32LE(1, 14);
	t.writeUInt16LE(orientation, 18);
	return t;
}

/** A JPEG segment (marker + length + payload). */
export function jpegSegment(marker: number, payload: Buffer): Buffer {
	const head = Buffer.from([0xff, marker, 0, 0]);
	head.writeUInt16BE(payload.length + 2, 2);
	return Buffer.concat([head, payload]);
}

/** Inserts segments right after the SOI and any APP segments already there (where phones put EXIF, then XMP). */
export function jpegWithSegments(jpg: Buffer, segments: Buffer[]): Buffer {
	let o = 2;
	while (jpg[o] === 0xff && jpg[o + 1] >= 0xe0 && jpg[o + 1] <= 0xef) o += 2 + jpg.readUInt16BE(o + 2);
	return Buffer.concat([jpg.subarray(0, o), ...segments, jpg.subarray(o)]);
}

/** An XMP APP1 payload, as Lightroom and phones write after the EXIF one. */
export function xmpPayload(): Buffer {
	return Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description tiff:Orientation="6" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"/></rdf:RDF></x:xmpmeta>', 'latin1');
}

/** A phone-style JPEG: EXIF orientation, then an XMP segment. */
export async function phoneJpeg(width: number, height: number, orientation: number): Promise<Buffer> {
	const plain = await jpeg(width, height);
	const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiffWithOrientation(orientation)]);
	return jpegWithSegments(plain, [jpegSegment(0xe1, exif), jpegSegment(0xe1, xmpPayload())]);
}

/** A "motion photo": a complete JPEG with a video appended after its end marker (Pixel/Samsung layout). */
export async function motionPhoto(width: number, height: number): Promise<Buffer> {
	const still = await jpeg(width, height);
	const video = Buffer.alloc(4096);
	video.writeUInt32BE(24, 0);
	video.write('ftypmp42', 4, 'latin1');
	for (let i = 32; i < video.length; i++) video[i] = (i * 131) & 0xff; // includes 0xFF 0xD8 / 0xFF 0xD9 pairs by chance
	video[100] = 0xff;
	video[101] = 0xd8;
	video[300] = 0xff;
	video[301] = 0xd9;
	return Buffer.concat([still, video]);
}

/** A PNG with an eXIf chunk (orientation) before its image data. */
export async function pngWithExif(width: number, height: number, orientation: number): Promise<Buffer> {
	const p = await png(width, height);
	const at = 33; // after the signature and IHDR
	return Buffer.concat([p.subarray(0, at), pngChunk('eXIf', tiffWithOrientation(orientation)), p.subarray(at)]);
}

/** A WebP with an EXIF chunk (orientation), as sharp writes it with metadata. */
export async function webpWithExif(width: number, height: number, orientation: number): Promise<Buffer> {
	return sharp({ create: { width, height, channels: 3, background: { r: 10, g: 200, b: 50 } } }).webp().withMetadata({ orientation }).toBuffer();
}
