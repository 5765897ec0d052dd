/**
 * Image facts from the file's structure (its chunks or segments are walked; pixels are not decoded).
 * Enough to reject, before a credit is spent, what a vendor would reject: wrong format, too many pixels,
 * a truncated file, a damaged header, a header that lies about its size, a file with no image data,
 * a PNG whose compressed metadata unpacks to far more than any decoder accepts (a decompression bomb).
 */
import { invalidInput } from './errors';
import { inflatedSize } from './inflate-size';
import { ascii, crc32, otherFormat, PNG_DEPTHS, tiffOrientation, u16be, u16le, u24le, u32be, u32le } from './image-bytes';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageInfo {
	format: ImageFormat;
	width: number;
	height: number;
	/** True when the image can hold transparency (alpha channel or a tRNS chunk). */
	hasAlpha: boolean;
	/** EXIF orientation (1..8) from a JPEG's APP1, a PNG's eXIf or a WebP's EXIF chunk; 1 when absent. */
	orientation: number;
	bytes: number;
}

export const MIME_BY_FORMAT: Record<ImageFormat, string> = {
	png: 'image/png',
	jpeg: 'image/jpeg',
	webp: 'image/webp',
};

/** File extension of each format (also the name users give it: `--format jpg`). */
export const EXTENSION_BY_FORMAT: Record<ImageFormat, 'png' | 'jpg' | 'webp'> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

const damagedPng = (why: string) => invalidInput(`The PNG file is truncated or damaged (${why}).`);

const MIB = 1024 * 1024;
/** What one compressed metadata chunk may unpack to: Pillow's MAX_TEXT_CHUNK, which Ximilar's Python stack refuses past. */
const METADATA_CHUNK_MAX = MIB;
/**
 * What all of them together may unpack to: libpng's default limit (PNG_USER_CHUNK_MALLOC_MAX, 8,000,000 bytes),
 * which libpng applies to each chunk; applied here to their sum, so many chunks just under 1 MiB are no way round.
 */
const METADATA_TOTAL_MAX = 8 * MIB;

const metadataBomb = (what: string, limit: string) =>
	invalidInput(
		`The PNG file's metadata (${what}) unpacks to more than ${limit}: image decoders and the vendors refuse such a file (a decompression bomb). Save the image again without its metadata.`,
	);

/** Index of the first 0 byte in b[from, end), or -1. */
function nulIn(b: Uint8Array, from: number, end: number): number {
	const at = b.subarray(from, end).indexOf(0);
	return at < 0 ? -1 : from + at;
}

/**
 * Where the zlib stream of a zTXt, iTXt or iCCP chunk (data in b[start, end)) begins, or -1 when it holds none: an
 * iTXt whose text is not compressed, an unknown compression method, or a layout decoders would not read anyway.
 * zTXt and iCCP: name, 0, method, stream. iTXt: keyword, 0, flag, method, language, 0, translated keyword, 0, text.
 */
function zlibStreamStart(b: Uint8Array, type: string, start: number, end: number): number {
	const nul = nulIn(b, start, end);
	if (nul < 0 || nul + 2 > end) return -1;
	if (type !== 'iTXt') return b[nul + 1] === 0 ? nul + 2 : -1;
	if (b[nul + 1] !== 1 || b[nul + 2] !== 0) return -1;
	const language = nulIn(b, nul + 3, end);
	const translated = language < 0 ? -1 : nulIn(b, language + 1, end);
	return translated < 0 ? -1 : translated + 1;
}

/** What the compressed metadata chunks seen so far weigh and unpack to. */
interface MetadataTally {
	compressed: number;
	bytes: number;
	chunks: number;
}

/**
 * Counts what a zTXt, iTXt or iCCP chunk's compressed data unpacks to (without unpacking it) and refuses the file
 * past one chunk's limit or past the limit of all of them together. A damaged stream is left to the decoders (they
 * skip it); what it unpacked to before the damage still counts.
 */
function countMetadata(b: Uint8Array, type: string, start: number, end: number, tally: MetadataTally): void {
	const from = zlibStreamStart(b, type, start, end);
	if (from < 0) return;
	// Deflate never shrinks real data below its size by more than a few bytes a block, so a stream larger than a
	// limit unpacks past it (or is made of empty blocks, which is hostile too): refused without counting, which also
	// bounds the counting work to 8 MiB of input per file.
	tally.compressed += end - from;
	if (end - from > METADATA_CHUNK_MAX) throw metadataBomb(`a compressed ${type} chunk`, '1 MiB');
	if (tally.compressed > METADATA_TOTAL_MAX) throw metadataBomb(`its ${tally.chunks + 1} compressed chunks together`, '8 MiB');
	const size = inflatedSize(b.subarray(from, end), Math.min(METADATA_CHUNK_MAX, METADATA_TOTAL_MAX - tally.bytes));
	tally.bytes += size.bytes;
	tally.chunks++;
	if (size.bytes > METADATA_CHUNK_MAX) throw metadataBomb(`a compressed ${type} chunk`, '1 MiB');
	if (tally.bytes > METADATA_TOTAL_MAX) throw metadataBomb(`its ${tally.chunks} compressed chunks together`, '8 MiB');
}

const COMPRESSED_METADATA = new Set(['zTXt', 'iTXt', 'iCCP']);

/**
 * Walks every chunk up to IEND: the header must be sound (its CRC, a valid bit depth for its colour type), there
 * must be image data, the file must reach IEND, and compressed metadata must not be a bomb. Data after IEND is
 * ignored, as decoders do.
 */
function png(b: Uint8Array): ImageInfo {
	if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR' || u32be(b, 8) !== 13) throw damagedPng('no IHDR header');
	if (crc32(b, 12, 29) !== u32be(b, 29)) throw damagedPng('the IHDR header fails its checksum');
	const width = u32be(b, 16);
	const height = u32be(b, 20);
	const depth = b[24];
	const colorType = b[25];
	if (!PNG_DEPTHS[colorType]?.includes(depth) || b[26] !== 0 || b[27] !== 0 || b[28] > 1) {
		throw damagedPng(`invalid header: bit depth ${depth} with colour type ${colorType}`);
	}
	let hasAlpha = colorType === 4 || colorType === 6;
	let orientation = 1;
	let sawData = false;
	const metadata: MetadataTally = { compressed: 0, bytes: 0, chunks: 0 };
	let o = 33;
	for (;;) {
		if (o + 12 > b.length) throw damagedPng('it does not end with an IEND chunk');
		const len = u32be(b, o);
		const type = ascii(b, o + 4, 4);
		const end = o + 12 + len;
		if (len > 0x7fffffff || end > b.length) throw damagedPng('it does not end with an IEND chunk');
		if (type === 'IEND') break;
		if (type === 'IDAT') sawData = true;
		else if (type === 'tRNS') hasAlpha = true;
		else if (type === 'eXIf') orientation = tiffOrientation(b, o + 8, o + 8 + len);
		else if (COMPRESSED_METADATA.has(type)) countMetadata(b, type, o + 8, o + 8 + len, metadata);
		o = end;
	}
	if (!sawData) throw damagedPng('it has no image data (no IDAT chunk)');
	return { format: 'png', width, height, hasAlpha, orientation, bytes: b.length };
}

/**
 * Walks the JPEG's segments and the entropy-coded data of every scan up to the end marker (EOI). It needs a frame
 * header (the size), at least one scan, and the EOI; what follows the EOI is ignored, as decoders do (phones append
 * a video to "motion photos"). Orientation comes from the first EXIF APP1 segment (XMP is APP1 too).
 */
function jpeg(b: Uint8Array): ImageInfo {
	let o = 2;
	let orientation: number | undefined;
	let size: { width: number; height: number } | undefined;
	let scans = 0;
	for (;;) {
		if (o + 2 > b.length) {
			if (!size) throw invalidInput('The JPEG file is truncated or damaged (no frame header with its size).');
			throw invalidInput('The JPEG file is truncated or damaged (it does not end with an EOI marker).');
		}
		if (b[o] !== 0xff) throw invalidInput('The JPEG file is damaged (bad segment marker).');
		const marker = b[o + 1];
		if (marker === 0xff) {
			o++;
			continue;
		}
		if (marker === 0xd9) break; // EOI
		if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			o += 2;
			continue;
		}
		if (o + 4 > b.length) throw invalidInput(`The JPEG file is truncated or damaged (${size ? 'it does not end with an EOI marker' : 'no frame header with its size'}).`);
		const len = u16be(b, o + 2);
		if (len < 2) throw invalidInput('The JPEG file is damaged (bad segment length).');
		const end = o + 2 + len;
		if (marker === 0xe1 && orientation === undefined && ascii(b, o + 4, 6) === 'Exif\0\0') orientation = tiffOrientation(b, o + 4, Math.min(b.length, end));
		const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
		if (isSof && !size) {
			if (o + 9 > b.length) throw invalidInput('The JPEG file is truncated or damaged (no frame header with its size).');
			size = { height: u16be(b, o + 5), width: u16be(b, o + 7) };
		}
		o = end;
		if (marker === 0xda) {
			if (!size) throw invalidInput('The JPEG file is damaged (image data before its frame header).');
			scans++;
			// Entropy-coded data: skip to the next marker that is not a stuffed 0x00, a restart marker or fill.
			for (;;) {
				const ff = b.indexOf(0xff, o);
				if (ff < 0 || ff + 1 >= b.length) {
					o = b.length;
					break;
				}
				const next = b[ff + 1];
				if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
					o = ff + (next === 0xff ? 1 : 2);
					continue;
				}
				o = ff;
				break;
			}
		}
	}
	if (!size) throw invalidInput('The JPEG file is truncated or damaged (no frame header with its size).');
	if (!scans) throw invalidInput('The JPEG file is damaged (it has no image data: no scan before its end marker).');
	return { format: 'jpeg', ...size, hasAlpha: false, orientation: orientation ?? 1, bytes: b.length };
}

/** Size from a 'VP8 ' (lossy) or 'VP8L' (lossless) chunk's data at d, or undefined when it is not one. */
function bitstreamSize(b: Uint8Array, type: string, d: number, len: number): { width: number; height: number; alpha: boolean } | undefined {
	if (type === 'VP8 ' && len >= 10 && b[d + 3] === 0x9d && b[d + 4] === 0x01 && b[d + 5] === 0x2a) {
		return { width: u16le(b, d + 6) & 0x3fff, height: u16le(b, d + 8) & 0x3fff, alpha: false };
	}
	if (type === 'VP8L' && len >= 5 && b[d] === 0x2f) {
		const bits = b[d + 1] | (b[d + 2] << 8) | (b[d + 3] << 16) | (b[d + 4] << 24);
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
	}
	return undefined;
}

const damagedWebp = (why: string) => invalidInput(`The WebP file is truncated or damaged (${why}).`);

function webp(b: Uint8Array): ImageInfo {
	const declared = u32le(b, 4) + 8;
	if (declared > b.length) throw invalidInput('The WebP file is truncated (it is shorter than its header says).');
	const end = declared;
	const first = ascii(b, 12, 4);
	if (first !== 'VP8X') {
		const s = b.length >= 20 ? bitstreamSize(b, first, 20, u32le(b, 16)) : undefined;
		if (!s || 20 + u32le(b, 16) > end) throw damagedWebp('unknown or short VP8 chunk');
		return { format: 'webp', width: s.width, height: s.height, hasAlpha: s.alpha, orientation: 1, bytes: b.length };
	}
	if (b.length < 30) throw damagedWebp('short VP8X header');
	const canvas = { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
	const animated = (b[20] & 0x02) !== 0;
	let orientation = 1;
	let frame: ReturnType<typeof bitstreamSize>;
	let frames = 0;
	for (let o = 12; o + 8 <= end; ) {
		const type = ascii(b, o, 4);
		const len = u32le(b, o + 4);
		const next = o + 8 + len + (len & 1);
		if (o + 8 + len > end) throw damagedWebp(`its ${type.trim()} chunk is cut off`);
		if (type === 'EXIF') orientation = tiffOrientation(b, o + 8, o + 8 + len);
		else if (type === 'ANMF') frames++;
		else if (type === 'VP8 ' || type === 'VP8L') {
			frame = bitstreamSize(b, type, o + 8, len);
			if (!frame) throw damagedWebp(`its ${type.trim()} chunk is not a valid bitstream`);
		}
		o = next;
	}
	if (!animated) {
		if (!frame) throw damagedWebp('it has no image data');
		if (frame.width !== canvas.width || frame.height !== canvas.height) {
			throw damagedWebp(`its header says ${canvas.width}x${canvas.height} but the image data is ${frame.width}x${frame.height}`);
		}
	} else if (!frames) throw damagedWebp('an animation with no frames');
	return { format: 'webp', ...canvas, hasAlpha: (b[20] & 0x10) !== 0, orientation, bytes: b.length };
}

/** Reads format, size and transparency; throws INVALID_INPUT (local) with the reason when it can't. */
export function sniffImage(bytes: Uint8Array): ImageInfo {
	if (bytes.length === 0) throw invalidInput('The image is empty (0 bytes).');
	let info: ImageInfo | undefined;
	if (bytes.length >= 8 && u32be(bytes, 0) === 0x89504e47 && u32be(bytes, 4) === 0x0d0a1a0a) info = png(bytes);
	else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) info = jpeg(bytes);
	else if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') info = webp(bytes);
	if (!info) {
		const other = otherFormat(bytes);
		throw invalidInput(
			other
				? `The image is ${other}, which is not supported: use PNG, JPEG or WebP.`
				: 'The file is not a PNG, JPEG or WebP image (its first bytes match none of them).',
		);
	}
	if (info.width < 1 || info.height < 1) throw invalidInput(`The image header says ${info.width}x${info.height} pixels, which is not a valid size.`);
	return info;
}

/** Format from a Content-Type header, when it names one we know. */
export function formatFromMime(mime: string | null | undefined): ImageFormat | undefined {
	const type = (mime ?? '').split(';')[0].trim().toLowerCase();
	if (type === 'image/jpg') return 'jpeg'; // not registered, but sent by some clients
	return (Object.keys(MIME_BY_FORMAT) as ImageFormat[]).find((f) => MIME_BY_FORMAT[f] === type);
}
