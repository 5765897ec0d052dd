/** Real image work for the fakes (sharp): check what the vendor would check, produce a truly upscaled result. */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export interface Decoded {
	format: string;
	width: number;
	height: number;
	hasAlpha: boolean;
}

/** Decodes the header with sharp; undefined when it is not an image sharp can read. */
export async function inspect(bytes: Buffer): Promise<Decoded | undefined> {
	try {
		const m = await sharp(bytes, { failOn: 'error' }).metadata();
		if (!m.format || !m.width || !m.height) return undefined;
		// A full decode catches truncated data that a header read would not.
		await sharp(bytes, { failOn: 'error', limitInputPixels: false }).raw().toBuffer({ resolveWithObject: false }).then(() => undefined);
		return { format: m.format, width: m.width, height: m.height, hasAlpha: !!m.hasAlpha };
	} catch {
		return undefined;
	}
}

export type OutFormat = 'jpeg' | 'png' | 'webp';

/**
 * The vendor's work, done for real (a resize) but remembered: the same input at the same size gives the same bytes,
 * as a real vendor's model would, without spending this machine's CPU again. The vendor's compute runs on the
 * vendor's machines, not beside the code under test; a benchmark sending one image 400 times measures our side.
 */
const recent = new Map<string, Promise<Buffer>>();
const RECENT = 8;

export function upscale(bytes: Buffer, width: number, height: number, format: OutFormat, quality = 85): Promise<Buffer> {
	const key = `${createHash('sha1').update(bytes).digest('hex')} ${width}x${height} ${format} ${quality}`;
	const seen = recent.get(key);
	if (seen) return seen;
	const img = sharp(bytes, { limitInputPixels: false }).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
	const out = format === 'png' ? img.png({ compressionLevel: 1 }).toBuffer() : format === 'webp' ? img.webp({ quality }).toBuffer() : img.flatten({ background: '#ffffff' }).jpeg({ quality }).toBuffer();
	recent.set(key, out);
	out.catch(() => recent.delete(key));
	if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
	return out;
}

export const MIME: Record<OutFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const EXT: Record<OutFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
