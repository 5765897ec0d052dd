/**
 * The DEFLATE size counter (core/inflate-size.ts) against node:zlib: the same size for everything zlib writes
 * (every level and strategy, flushes, block boundaries), the cap, and no throw or hang on damaged input.
 */
import { randomBytes } from 'node:crypto';
import { constants, createDeflateRaw, deflateRawSync, deflateSync, inflateRawSync, type ZlibOptions } from 'node:zlib';
import { inflatedSize } from '../../core/inflate-size';

/** Writes DEFLATE bits, least significant first; Huffman codes most significant bit first (RFC 1951 3.1.1). */
class BitWriter {
	private bytes: number[] = [];
	private acc = 0;
	private n = 0;

	bits(value: number, count: number): this {
		for (let i = 0; i < count; i++) {
			this.acc |= ((value >> i) & 1) << this.n;
			if (++this.n === 8) this.flush();
		}
		return this;
	}

	code(code: number, length: number): this {
		for (let i = length - 1; i >= 0; i--) this.bits((code >> i) & 1, 1);
		return this;
	}

	private flush(): void {
		this.bytes.push(this.acc);
		this.acc = 0;
		this.n = 0;
	}

	done(): Buffer {
		if (this.n) this.flush();
		return Buffer.from(this.bytes);
	}
}

const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A dynamic block header (RFC 1951 3.2.7) for the given code lengths. Its code-length code gives symbols 0..15 four
 * bits each (complete, and symbol s's code is s), so each length is sent as one 4-bit code, without repeats.
 */
function dynamicHeader(w: BitWriter, last: boolean, litLengths: number[], distLengths: number[]): void {
	w.bits(last ? 1 : 0, 1).bits(2, 2).bits(litLengths.length - 257, 5).bits(distLengths.length - 1, 5).bits(19 - 4, 4);
	for (const s of CODE_LENGTH_ORDER) w.bits(s <= 15 ? 4 : 0, 3);
	for (const len of [...litLengths, ...distLengths]) w.code(len, 4); // canonical: symbol s of 16 four-bit codes is s
}

/** Lengths for symbols 0..n-1 with the given ones set. */
const lengths = (n: number, set: Record<number, number>) => Array.from({ length: n }, (_, s) => set[s] ?? 0);

const MIB = 1024 * 1024;

function samples(): Record<string, Buffer> {
	const text = Buffer.from('The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.\n'.repeat(2000));
	const mixed = Buffer.concat([randomBytes(5000), Buffer.alloc(70000, 7), randomBytes(40000), text.subarray(0, 50000)]);
	const words = Buffer.from(Array.from({ length: 30000 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][(i * 7919) % 4]).join(' '));
	return {
		empty: Buffer.alloc(0),
		'one byte': Buffer.from([42]),
		'random 100': randomBytes(100),
		'random 65535': randomBytes(65535),
		'random 65536': randomBytes(65536),
		'random 65537': randomBytes(65537),
		'random 200 KB': randomBytes(200_000),
		'zeros 1 MiB': Buffer.alloc(MIB),
		'abc repeated': Buffer.from('abc'.repeat(70_000)),
		text,
		words,
		mixed,
	};
}

const STRATEGIES: Record<string, number> = {
	default: constants.Z_DEFAULT_STRATEGY,
	filtered: constants.Z_FILTERED,
	'Huffman only': constants.Z_HUFFMAN_ONLY,
	RLE: constants.Z_RLE,
	fixed: constants.Z_FIXED,
};

describe('inflatedSize against node:zlib', () => {
	const inputs = samples();
	it.each(Object.entries(inputs))('%s: every level and strategy, zlib and raw', (_name, input) => {
		for (let level = 0; level <= 9; level++) {
			for (const [strategyName, strategy] of Object.entries(STRATEGIES)) {
				const opts: ZlibOptions = { level, strategy };
				const where = { level, strategyName };
				expect({ ...where, ...inflatedSize(deflateSync(input, opts), Infinity) }).toEqual({ ...where, bytes: input.length, capped: false, corrupt: false });
				expect({ ...where, ...inflatedSize(deflateRawSync(input, opts), Infinity, 'raw') }).toEqual({ ...where, bytes: input.length, capped: false, corrupt: false });
			}
		}
	});

	it('small windows and memory levels (more, shorter blocks), and every window size in the zlib header', () => {
		const input = Buffer.concat([inputs.text, inputs['random 65537'], inputs.words]);
		for (let windowBits = 9; windowBits <= 15; windowBits++) {
			for (const memLevel of [1, 5, 9]) {
				const z = deflateSync(input, { windowBits, memLevel, level: 6 });
				expect({ windowBits, memLevel, ...inflatedSize(z, Infinity) }).toEqual({ windowBits, memLevel, bytes: input.length, capped: false, corrupt: false });
			}
		}
	});

	it('streams with flushes: empty stored blocks (sync, full) and empty fixed blocks (partial)', async () => {
		for (const flush of [constants.Z_SYNC_FLUSH, constants.Z_FULL_FLUSH, constants.Z_PARTIAL_FLUSH]) {
			const z = createDeflateRaw({ level: 6 });
			const out: Buffer[] = [];
			z.on('data', (c: Buffer) => out.push(c));
			let total = 0;
			for (let i = 0; i < 40; i++) {
				const piece = i % 3 ? randomBytes(i * 37) : Buffer.alloc(i * 101, i);
				total += piece.length;
				z.write(piece);
				await new Promise<void>((done) => z.flush(flush, () => done()));
				await new Promise<void>((done) => z.flush(flush, () => done())); // a second, empty flush
			}
			await new Promise<void>((done) => z.end(() => done()));
			await new Promise<void>((done) => (z.readableEnded ? done() : z.on('end', () => done())));
			const stream = Buffer.concat(out);
			expect(inflateRawSync(stream).length).toBe(total);
			expect({ flush, ...inflatedSize(stream, Infinity, 'raw') }).toEqual({ flush, bytes: total, capped: false, corrupt: false });
		}
	});

	it('a single one-bit distance code and a block with no distance codes (both allowed by zlib)', () => {
		// Literal 'a' (0x61), then a 258-byte copy at distance 1, then end of block.
		const lit = lengths(286, { 0x61: 1, 256: 2, 285: 2 });
		const single = new BitWriter();
		dynamicHeader(single, true, lit, [1]);
		const withCopy = single.code(0b0, 1).code(0b11, 2).code(0b0, 1).code(0b10, 2).done();
		expect(inflateRawSync(withCopy).length).toBe(259);
		expect(inflatedSize(withCopy, Infinity, 'raw')).toEqual({ bytes: 259, capped: false, corrupt: false });
		const none = new BitWriter();
		dynamicHeader(none, true, lengths(257, { 0x61: 1, 256: 1 }), [0]);
		const literals = none.code(0, 1).code(0, 1).code(0, 1).code(1, 1).done();
		expect(inflateRawSync(literals).length).toBe(3);
		expect(inflatedSize(literals, Infinity, 'raw')).toEqual({ bytes: 3, capped: false, corrupt: false });
	});
});

describe('the cap', () => {
	const bomb = deflateSync(Buffer.alloc(64 * MIB), { level: 9 });

	it('stops just past the cap: a 64 MiB bomb is counted to 1 MiB and no further', () => {
		expect(bomb.length).toBeLessThan(70_000);
		const r = inflatedSize(bomb, MIB);
		expect(r).toMatchObject({ capped: true, corrupt: false });
		expect(r.bytes).toBeGreaterThan(MIB);
		expect(r.bytes).toBeLessThanOrEqual(MIB + 258);
		expect(inflatedSize(bomb, Infinity)).toEqual({ bytes: 64 * MIB, capped: false, corrupt: false });
	});

	it('is passed only when the size is above it, for Huffman and stored blocks', () => {
		for (const level of [0, 9]) {
			const z = deflateSync(randomBytes(100_000), { level });
			expect(inflatedSize(z, 100_000)).toEqual({ bytes: 100_000, capped: false, corrupt: false });
			expect(inflatedSize(z, 99_999)).toMatchObject({ capped: true, corrupt: false });
			expect(inflatedSize(z, 0).capped).toBe(true);
		}
		expect(inflatedSize(deflateSync(Buffer.alloc(0)), 0)).toEqual({ bytes: 0, capped: false, corrupt: false });
	});

	it('wins over damage found later: a cut-off bomb that unpacks past the cap before the cut is capped', () => {
		const cut = bomb.subarray(0, 4000);
		expect(inflatedSize(cut, MIB)).toMatchObject({ capped: true, corrupt: false });
		const r = inflatedSize(cut, Infinity);
		expect(r.corrupt).toBe(true);
		expect(r.bytes).toBeGreaterThan(MIB);
	});
});

describe('damaged streams: corrupt, never a throw or a hang', () => {
	const good = deflateRawSync(Buffer.concat([samples().text.subarray(0, 20_000), randomBytes(3000)]), { level: 6 });

	it('bad zlib headers: wrong method, window over 32K, failed check, preset dictionary, too short', () => {
		const z = deflateSync(Buffer.from('hello hello hello'));
		const variants = [Buffer.from([0x77, 0x9c]), Buffer.from([0x88, 0x98]), Buffer.from([0x78, 0x9d]), Buffer.from([0x78, 0xbb]), Buffer.from([0x78])];
		for (const head of variants) {
			const s = Buffer.concat([head, z.subarray(2)]);
			expect({ head: head.toString('hex'), ...inflatedSize(s, Infinity) }).toMatchObject({ head: head.toString('hex'), corrupt: true, capped: false });
		}
		expect(inflatedSize(Buffer.alloc(0), Infinity)).toEqual({ bytes: 0, capped: false, corrupt: true });
		expect(inflatedSize(Buffer.alloc(0), Infinity, 'raw')).toEqual({ bytes: 0, capped: false, corrupt: true });
	});

	it('every prefix of a stream: corrupt with at most the full size, or the full size once the last block is in', () => {
		const full = inflateRawSync(good).length;
		for (let n = 0; n < good.length; n++) {
			const r = inflatedSize(good.subarray(0, n), Infinity, 'raw');
			if (!r.corrupt) expect({ n, bytes: r.bytes }).toEqual({ n, bytes: full });
			expect(r.bytes).toBeLessThanOrEqual(full);
		}
	});

	it('flipped bits: wherever zlib still inflates the stream the sizes agree, wherever zlib refuses it is corrupt', () => {
		let refused = 0;
		for (let i = 0; i < 3000; i++) {
			const s = Buffer.from(good);
			const at = (i * 7919) % Math.min(s.length, 400); // mostly the block headers
			s[at] ^= 1 << (i % 8);
			let zlibSize: number | 'error';
			try {
				zlibSize = inflateRawSync(s).length;
			} catch {
				zlibSize = 'error';
				refused++;
			}
			const r = inflatedSize(s, Infinity, 'raw');
			expect({ i, size: r.corrupt ? 'error' : r.bytes }).toEqual({ i, size: zlibSize });
		}
		expect(refused).toBeGreaterThan(100);
	});

	it('random bytes, as zlib and as raw: an answer for each', () => {
		for (let i = 0; i < 2000; i++) {
			const junk = randomBytes(1 + (i % 300));
			for (const format of ['zlib', 'raw'] as const) {
				const r = inflatedSize(junk, MIB, format);
				expect(r.bytes).toBeGreaterThanOrEqual(0);
			}
		}
	});

	it('each fault RFC 1951 names', () => {
		const fixedEmpty = (w: BitWriter) => w.bits(1, 1).bits(1, 2);
		const cases: Record<string, Buffer> = {
			'block type 3': new BitWriter().bits(1, 1).bits(3, 2).done(),
			'stored length and its complement disagree': new BitWriter().bits(1, 1).bits(0, 2).bits(0, 5).bits(5, 16).bits(0, 16).done(),
			'stored block cut off': Buffer.concat([new BitWriter().bits(1, 1).bits(0, 2).bits(0, 5).bits(10, 16).bits(~10 & 0xffff, 16).done(), Buffer.alloc(4)]),
			'fixed: length symbol 286': fixedEmpty(new BitWriter()).code(0b11000110, 8).done(),
			'fixed: distance symbol 30': fixedEmpty(new BitWriter()).code(0x30 + 0x61, 8).code(0b0000001, 7).code(30, 5).done(),
			'distance too far back': fixedEmpty(new BitWriter()).code(0x30 + 0x61, 8).code(0b0000001, 7).code(1, 5).done(),
			'no last block': new BitWriter().bits(0, 1).bits(1, 2).code(0, 7).done(),
			'too many literal/length symbols (287)': new BitWriter().bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).done(),
			'too many distance symbols (31)': new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(30, 5).done(),
		};
		const header = (lit: number[], dist: number[]) => {
			const w = new BitWriter();
			dynamicHeader(w, true, lit, dist);
			return w;
		};
		cases['over-subscribed literal/length code'] = header(lengths(257, { 0: 1, 1: 1, 256: 1 }), [1]).done();
		cases['incomplete literal/length code'] = header(lengths(257, { 0: 1, 1: 2, 256: 3 }), [1]).done();
		cases['no end-of-block code'] = header(lengths(257, { 0: 1, 1: 1 }), [1]).done();
		cases['a code not in the table (single one-bit code, other bit)'] = header(lengths(257, { 256: 1 }), [0]).code(1, 1).done();
		const repeatFirst = new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
		for (const s of CODE_LENGTH_ORDER.slice(0, 4)) repeatFirst.bits(s === 16 || s === 0 ? 1 : 0, 3); // 16 → '1', 0 → '0'
		cases['repeat with no previous length'] = repeatFirst.code(1, 1).bits(0, 2).done();
		const overrun = new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
		for (const s of CODE_LENGTH_ORDER.slice(0, 4)) overrun.bits(s === 18 || s === 0 ? 1 : 0, 3); // 18 → '1', 0 → '0'
		cases['lengths run past the symbols'] = overrun.code(1, 1).bits(127, 7).code(1, 1).bits(127, 7).done();
		const incompleteLengthCode = new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4);
		for (const s of CODE_LENGTH_ORDER.slice(0, 4)) incompleteLengthCode.bits(s === 18 ? 2 : 0, 3);
		cases['incomplete code-length code'] = incompleteLengthCode.done();
		for (const [name, stream] of Object.entries(cases)) {
			expect({ name, zlib: (() => { try { return inflateRawSync(stream).length; } catch { return 'error'; } })() }).toEqual({ name, zlib: 'error' });
			expect({ name, ...inflatedSize(stream, Infinity, 'raw') }).toMatchObject({ name, corrupt: true, capped: false });
		}
	});

	it('30 MB of empty blocks: counted to 0 (the work follows the input, not the output)', () => {
		// Four non-final empty fixed blocks (10 bits each) fill 5 bytes, repeated; then a final empty one.
		const four = new BitWriter();
		for (let i = 0; i < 4; i++) four.bits(0, 1).bits(1, 2).code(0, 7);
		const stream = Buffer.concat([Buffer.alloc(30 * MIB, four.done()), new BitWriter().bits(1, 1).bits(1, 2).code(0, 7).done()]);
		expect(inflatedSize(stream, MIB, 'raw')).toEqual({ bytes: 0, capped: false, corrupt: false });
		expect(inflateRawSync(stream).length).toBe(0);
	});
});
