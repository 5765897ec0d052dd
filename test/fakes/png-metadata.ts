/**
 * What the real vendors' decoders refuse in a PNG's compressed metadata, for the strict fakes: one zTXt, iTXt
 * (compressed) or iCCP chunk that unpacks past 1 MiB (Pillow's MAX_TEXT_CHUNK: Ximilar's stack answers "Decompressed
 * Data Too Large"), or all of them together past 8 MiB. sharp alone reads a 4 MiB zTXt bomb without complaint, so
 * the fakes check this themselves, with node:zlib and independently of the core's counter (core/inflate-size.ts).
 */
import { inflateSync } from 'node:zlib';

const MIB = 1024 * 1024;
const CHUNK_MAX = MIB;
const TOTAL_MAX = 8 * MIB;

/** The zlib stream inside a zTXt, iTXt or iCCP chunk's data, or undefined when it holds none (or an unknown method). */
function zlibStream(type: string, data: Buffer): Buffer | undefined {
	const nul = data.indexOf(0);
	if (nul < 0) return undefined;
	if (type !== 'iTXt') return data[nul + 1] === 0 ? data.subarray(nul + 2) : undefined;
	if (data[nul + 1] !== 1 || data[nul + 2] !== 0) return undefined;
	const language = data.indexOf(0, nul + 3);
	const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
	return translated < 0 ? undefined : data.subarray(translated + 1);
}

/** Unpacked size, or 'too large' past max; a damaged stream counts 0 (decoders skip it). */
function unpacked(stream: Buffer, max: number): number | 'too large' {
	try {
		return inflateSync(stream, { maxOutputLength: max }).length;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : 0;
	}
}

/** True when the bytes are a PNG whose compressed metadata is a decompression bomb (see above). */
export function pngMetadataBomb(bytes: Buffer): boolean {
	if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) return false;
	let total = 0;
	for (let o = 8; o + 8 <= bytes.length; ) {
		const len = bytes.readUInt32BE(o);
		const type = bytes.toString('latin1', o + 4, o + 8);
		if (type === 'IEND') break;
		const stream = ['zTXt', 'iTXt', 'iCCP'].includes(type) ? zlibStream(type, bytes.subarray(o + 8, o + 8 + len)) : undefined;
		if (stream) {
			const size = unpacked(stream, CHUNK_MAX);
			if (size === 'too large') return true;
			total += size;
			if (total > TOTAL_MAX) return true;
		}
		o += 12 + len;
	}
	return false;
}
