/** Byte-level helpers for the image sniffer (core/image.ts): integers, CRC-32, EXIF orientation, other formats' magic. */

export const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
export const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
export const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
export const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
export const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
export const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/** Names a format we recognise but no vendor accepts, for a clearer message. */
export function otherFormat(b: Uint8Array): string | undefined {
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

/** CRC-32 (ISO-HDLC, as PNG uses it) of b[start..end). */
const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

export function crc32(b: Uint8Array, start: number, end: number): number {
	let c = 0xffffffff;
	for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/** Bit depths each PNG colour type allows (PNG spec, table 11.1). */
export const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * EXIF orientation from a TIFF structure starting at t ("II*\0" or "MM\0*"), or 1. JPEG keeps it in an APP1
 * segment after "Exif\0\0", PNG in an eXIf chunk, WebP in an EXIF chunk (either form).
 */
export function tiffOrientation(b: Uint8Array, t: number, end: number): number {
	if (ascii(b, t, 6) === 'Exif\0\0') t += 6;
	if (t + 8 > end) return 1;
	const le = b[t] === 0x49 && b[t + 1] === 0x49;
	if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) return 1;
	const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
	const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
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

