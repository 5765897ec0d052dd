/** Test images made on the fly with sharp (nothing large is committed). */
import sharp from 'sharp';

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

/** A PNG signature, an IHDR that claims a huge size and an IEND: it looks complete (a "decompression bomb" header). */
export function pngHeaderClaiming(width: number, height: number): Buffer {
	const b = Buffer.alloc(8 + 25 + 12);
	Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
	b.writeUInt32BE(13, 8);
	b.write('IHDR', 12, 'latin1');
	b.writeUInt32BE(width, 16);
	b.writeUInt32BE(height, 20);
	b[24] = 8;
	b[25] = 2;
	b.write('IEND', 33 + 4, 'latin1');
	Buffer.from([0xae, 0x42, 0x60, 0x82]).copy(b, 41);
	return b;
}

export async function dims(bytes: Buffer | Uint8Array): Promise<{ width: number; height: number; format: string }> {
	const m = await sharp(Buffer.from(bytes)).metadata();
	return { width: m.width!, height: m.height!, format: m.format! };
}
