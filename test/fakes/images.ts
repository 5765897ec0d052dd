/** Real image work for the fakes (sharp): check what the vendor would check, produce a truly upscaled result. */
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

export async function upscale(bytes: Buffer, width: number, height: number, format: OutFormat, quality = 85): Promise<Buffer> {
	const img = sharp(bytes, { limitInputPixels: false }).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
	if (format === 'png') return img.png({ compressionLevel: 1 }).toBuffer();
	if (format === 'webp') return img.webp({ quality }).toBuffer();
	return img.flatten({ background: '#ffffff' }).jpeg({ quality }).toBuffer();
}

export const MIME: Record<OutFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const EXT: Record<OutFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
