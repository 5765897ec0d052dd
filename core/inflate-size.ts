/**
 * How many bytes a zlib (RFC 1950) or raw DEFLATE (RFC 1951) stream inflates to, counted without inflating it.
 * The image checks (image.ts) use it to refuse a PNG whose compressed metadata is a decompression bomb before a
 * credit is spent. It is written here rather than taken from node:zlib or a library because the core is pure
 * TypeScript with no imports from outside core/: it also runs inside n8n, whose verification scanner allows no
 * other imports, and inside Zapier.
 *
 * No output and no window are kept: a literal adds one byte to the count and a back-reference only its length, so
 * memory stays constant and the work is bounded by the input and by the cap (counting stops once it is passed).
 * What needs the output cannot be checked: the Adler-32 trailer is not read. A bad header, code or reference, or a
 * stream cut off before its last block, makes the result `corrupt` (as zlib would refuse it).
 */

export interface InflatedSize {
	/** Bytes counted: the inflated size; when `capped`, where counting stopped (past the cap); when `corrupt`, up to the fault. */
	bytes: number;
	/** True when the count passed the cap (counting stopped there: the stream inflates to more). */
	capped: boolean;
	/** True when the stream is invalid or cut off, found before the count passed the cap. */
	corrupt: boolean;
}

/** Thrown inside this file when the stream is invalid or ends early; inflatedSize() turns it into `corrupt`. */
class Corrupt extends Error {}

const MAX_BITS = 15;

/** Reads a DEFLATE stream's bits, least significant first (RFC 1951 3.1.1). */
class BitReader {
	private buf = 0;
	private count = 0;

	constructor(
		private readonly data: Uint8Array,
		private pos: number,
	) {}

	/** The next n bits (n ≤ 16) as a number. */
	bits(n: number): number {
		let buf = this.buf;
		let count = this.count;
		while (count < n) {
			if (this.pos >= this.data.length) throw new Corrupt('cut off');
			buf |= this.data[this.pos++] << count;
			count += 8;
		}
		this.buf = buf >>> n;
		this.count = count - n;
		return buf & ((1 << n) - 1);
	}

	/** Drops the bits left in the current byte (a stored block starts on a byte boundary). */
	align(): void {
		this.buf = 0;
		this.count = 0;
	}

	/** Skips up to n whole bytes; returns how many were there. */
	skip(n: number): number {
		const got = Math.min(n, this.data.length - this.pos);
		this.pos += got;
		return got;
	}

	/** One symbol of a canonical Huffman code (RFC 1951 3.2.2), read a bit at a time as the code is defined. */
	decode(h: Huffman): number {
		const { count: counts, symbol, maxLen } = h;
		const data = this.data;
		let buf = this.buf;
		let count = this.count;
		let code = 0;
		let first = 0;
		let index = 0;
		for (let len = 1; len <= maxLen; len++) {
			if (count === 0) {
				if (this.pos >= data.length) throw new Corrupt('cut off');
				buf = data[this.pos++];
				count = 8;
			}
			code |= buf & 1;
			buf >>>= 1;
			count--;
			const n = counts[len];
			if (code - first < n) {
				this.buf = buf;
				this.count = count;
				return symbol[index + code - first];
			}
			index += n;
			first = (first + n) << 1;
			code <<= 1;
		}
		throw new Corrupt('invalid code');
	}
}

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
	count: Uint16Array;
	symbol: Uint16Array;
	/** The longest code (no code is longer: decoding stops there). */
	maxLen: number;
	/** Scratch for building: where each length's symbols start in `symbol`. */
	offset: Uint16Array;
}

const newHuffman = (symbols: number): Huffman => ({ count: new Uint16Array(MAX_BITS + 1), symbol: new Uint16Array(symbols), maxLen: 0, offset: new Uint16Array(MAX_BITS + 1) });

/**
 * Code lengths kept sparse: only the symbols that have a code, in increasing order, with their lengths. A dynamic
 * block's header can skip a run of unused symbols in a few bits, so the work of reading it and building its codes
 * stays in proportion to its bits, however many tiny blocks a stream holds.
 */
class LengthList {
	readonly symbols: Uint16Array;
	readonly lengths: Uint8Array;
	size = 0;

	constructor(capacity: number) {
		this.symbols = new Uint16Array(capacity);
		this.lengths = new Uint8Array(capacity);
	}

	push(symbol: number, length: number): void {
		this.symbols[this.size] = symbol;
		this.lengths[this.size++] = length;
	}
}

/**
 * Fills h with the code of list entries [from, to), numbering symbols from `first`. An over-subscribed set is
 * invalid; an incomplete one too, except, as zlib allows for literal/length and distance codes, a single one-bit
 * code or none. h's arrays are reused from block to block.
 */
function buildHuffman(h: Huffman, list: LengthList, from: number, to: number, first: number, allowSingle: boolean): Huffman {
	const { count, symbol, offset } = h;
	for (let len = 1; len <= h.maxLen; len++) count[len] = 0;
	let maxLen = 0;
	for (let i = from; i < to; i++) {
		const len = list.lengths[i];
		count[len]++;
		if (len > maxLen) maxLen = len;
	}
	h.maxLen = maxLen;
	let left = 1;
	for (let len = 1; len <= maxLen; len++) {
		left = (left << 1) - count[len];
		if (left < 0) throw new Corrupt('over-subscribed code');
	}
	if (left > 0 && maxLen > 0 && !(allowSingle && maxLen === 1)) throw new Corrupt('incomplete code');
	offset[1] = 0;
	for (let len = 1; len < maxLen; len++) offset[len + 1] = offset[len] + count[len];
	for (let i = from; i < to; i++) symbol[offset[list.lengths[i]]++] = list.symbols[i] - first;
	return h;
}

/** The list for a full array of code lengths (0: no code). */
function lengthList(lengths: ArrayLike<number>): LengthList {
	const list = new LengthList(lengths.length);
	for (let s = 0; s < lengths.length; s++) if (lengths[s]) list.push(s, lengths[s]);
	return list;
}

/** RFC 1951 3.2.5: base lengths and extra bits of length symbols 257..285, base distances and extra bits of 0..29. */
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** The fixed codes (RFC 1951 3.2.6), made on first use. Symbols 286, 287 and distances 30, 31 exist but are invalid. */
let fixed: Codes | undefined;
function fixedCodes(): Codes {
	if (!fixed) {
		const lit = lengthList(new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288));
		const dist = lengthList(new Uint8Array(32).fill(5));
		fixed = { lit: buildHuffman(newHuffman(288), lit, 0, 288, 0, false), dist: buildHuffman(newHuffman(32), dist, 0, 32, 0, false) };
	}
	return fixed;
}

/** A block's literal/length and distance codes. */
interface Codes {
	lit: Huffman;
	dist: Huffman;
}

/** The arrays a dynamic block's header is read into, made once per stream and reused by each of its blocks. */
class DynamicTables implements Codes {
	readonly codeLengths = new Uint8Array(19);
	readonly lengthCode = newHuffman(19);
	readonly list = new LengthList(286 + 30);
	readonly lit = newHuffman(286);
	readonly dist = newHuffman(30);
}

/** The order in which a dynamic block sends the code-length code's lengths (RFC 1951 3.2.7). */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Reads the code-length code that a dynamic block's lengths are sent in (RFC 1951 3.2.7). */
function codeLengthCode(r: BitReader, t: DynamicTables): Huffman {
	const ncode = r.bits(4) + 4;
	for (let i = 0; i < 19; i++) t.codeLengths[CODE_LENGTH_ORDER[i]] = i < ncode ? r.bits(3) : 0;
	t.list.size = 0;
	for (let s = 0; s < 19; s++) if (t.codeLengths[s]) t.list.push(s, t.codeLengths[s]);
	return buildHuffman(t.lengthCode, t.list, 0, t.list.size, 0, false);
}

/** Reads a dynamic block's header (RFC 1951 3.2.7) into t: its literal/length and distance codes. */
function dynamicCodes(r: BitReader, t: DynamicTables): Codes {
	const nlen = r.bits(5) + 257;
	const ndist = r.bits(5) + 1;
	if (nlen > 286 || ndist > 30) throw new Corrupt('too many length or distance symbols');
	const lengthCode = codeLengthCode(r, t);
	const { list } = t;
	list.size = 0;
	let prev = 0;
	for (let i = 0; i < nlen + ndist; ) {
		const sym = r.decode(lengthCode);
		if (sym === 16 && i === 0) throw new Corrupt('repeat with no previous length');
		const value = sym < 16 ? sym : sym === 16 ? prev : 0;
		const repeat = sym < 16 ? 1 : sym === 16 ? 3 + r.bits(2) : sym === 17 ? 3 + r.bits(3) : 11 + r.bits(7);
		if (i + repeat > nlen + ndist) throw new Corrupt('too many lengths');
		if (value) for (const end = i + repeat; i < end; i++) list.push(i, value);
		else i += repeat;
		prev = value;
	}
	let split = 0;
	let endOfBlock = false;
	for (; split < list.size && list.symbols[split] < nlen; split++) if (list.symbols[split] === 256) endOfBlock = true;
	if (!endOfBlock) throw new Corrupt('no end-of-block code');
	buildHuffman(t.lit, list, 0, split, 0, true);
	buildHuffman(t.dist, list, split, list.size, nlen, true);
	return t;
}

/** The running count and where it stops. */
interface Tally {
	bytes: number;
	cap: number;
}

/** Counts a stored block's bytes (RFC 1951 3.2.4). Returns true when the count passed the cap. */
function countStored(r: BitReader, tally: Tally): boolean {
	r.align();
	const len = r.bits(16);
	if (r.bits(16) !== (~len & 0xffff)) throw new Corrupt('stored block length does not match its complement');
	const got = r.skip(len);
	tally.bytes += got;
	if (tally.bytes > tally.cap) return true;
	if (got < len) throw new Corrupt('cut off');
	return false;
}

/** Counts a Huffman-coded block's bytes up to its end-of-block code. Returns true when the count passed the cap. */
function countCodes(r: BitReader, { lit, dist }: Codes, tally: Tally): boolean {
	for (;;) {
		const sym = r.decode(lit);
		if (sym < 256) tally.bytes++;
		else if (sym === 256) return false;
		else {
			const i = sym - 257;
			if (i >= 29) throw new Corrupt('invalid length symbol');
			const length = LENGTH_BASE[i] + r.bits(LENGTH_EXTRA[i]);
			const d = r.decode(dist);
			if (d >= 30) throw new Corrupt('invalid distance symbol');
			if (DIST_BASE[d] + r.bits(DIST_EXTRA[d]) > tally.bytes) throw new Corrupt('distance too far back');
			tally.bytes += length;
		}
		if (tally.bytes > tally.cap) return true;
	}
}

/** Where the DEFLATE data of a zlib stream starts, after a valid 2-byte header (RFC 1950 2.2) with no preset dictionary. */
function zlibDataStart(data: Uint8Array): number {
	if (data.length < 2) throw new Corrupt('cut off');
	const [cmf, flg] = data;
	if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw new Corrupt('not a zlib header');
	if (flg & 0x20) throw new Corrupt('needs a preset dictionary');
	return 2;
}

/**
 * How many bytes `data` inflates to, counting no further than just past `cap`. `format` 'zlib' (the default) expects
 * the RFC 1950 header, 'raw' a bare DEFLATE stream. Anything after the last block (the zlib trailer) is not read.
 */
export function inflatedSize(data: Uint8Array, cap: number, format: 'zlib' | 'raw' = 'zlib'): InflatedSize {
	const tally: Tally = { bytes: 0, cap };
	try {
		const r = new BitReader(data, format === 'zlib' ? zlibDataStart(data) : 0);
		const tables = new DynamicTables();
		for (let last = 0; !last; ) {
			last = r.bits(1);
			const type = r.bits(2);
			if (type === 3) throw new Corrupt('invalid block type');
			const capped = type === 0 ? countStored(r, tally) : countCodes(r, type === 1 ? fixedCodes() : dynamicCodes(r, tables), tally);
			if (capped) return { bytes: tally.bytes, capped: true, corrupt: false };
		}
		return { bytes: tally.bytes, capped: false, corrupt: false };
	} catch (e) {
		if (!(e instanceof Corrupt)) throw e;
		return { bytes: tally.bytes, capped: false, corrupt: true };
	}
}
