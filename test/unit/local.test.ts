/** The local engine's pure parts: tile grid, model passes, the upsample+conv rewrite's maths, and the message for missing optional packages. */
import { modelPasses, parseOptions, planLocal } from '../../core';
import { estimateModelMs, remainingMs } from '../../runtime/local/estimate';
import { requireLocalPackages } from '../../runtime/local/deps';
import { copyRegion, pasteRegion, tileGrid } from '../../runtime/local/tiles';
import { fusedUpsampleConv } from '../../runtime/local/layers-model';

describe('tileGrid', () => {
	it.each([
		[1, 1, 128, 12],
		[131, 77, 32, 12],
		[128, 128, 128, 12],
		[300, 17, 40, 0],
		[257, 513, 128, 16],
	])('%ix%i, tile %i, overlap %i: every pixel in exactly one tile, context clamped to the image', (w, h, size, overlap) => {
		const hits = new Uint8Array(w * h);
		for (const t of tileGrid(w, h, size, overlap, 2)) {
			expect(t.w * t.h).toBeLessThanOrEqual(size * size);
			expect(t.px).toBe(Math.max(0, t.x - overlap));
			expect(t.py).toBe(Math.max(0, t.y - overlap));
			expect(t.px + t.pw).toBe(Math.min(w, t.x + t.w + overlap));
			expect(t.py + t.ph).toBe(Math.min(h, t.y + t.h + overlap));
			for (let y = t.y; y < t.y + t.h; y++) for (let x = t.x; x < t.x + t.w; x++) hits[y * w + x]++;
		}
		expect(hits.every((n) => n === 1)).toBe(true);
	});

	it('picks the grid that finishes soonest: one strip per worker for a small image, equal tiles for a big one', () => {
		const strips = tileGrid(451, 300, 300, 12, 2);
		expect(strips.map((t) => [t.w, t.h])).toEqual([
			[226, 300],
			[225, 300],
		]);
		const big = tileGrid(4000, 4000, 256, 12, 2);
		expect(big).toHaveLength(256);
		expect(new Set(big.map((t) => `${t.w}x${t.h}`))).toEqual(new Set(['250x250']));
		expect(tileGrid(64, 48, 256, 12, 1)).toHaveLength(1);
	});

	it('refuses a tile size of 0', () => {
		expect(() => tileGrid(10, 10, 0, 1)).toThrow('bad tile size 0 / overlap 1');
	});

	it('copyRegion and pasteRegion move a rectangle of interleaved pixels', () => {
		const src = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => i);
		const region = copyRegion(src, 5, 3, 1, 1, 3, 2);
		expect(Array.from(region.subarray(0, 3))).toEqual([18, 19, 20]);
		const dst = new Uint8Array(5 * 4 * 3);
		pasteRegion(dst, 5, 3, 1, 1, region, 3, 2);
		expect(Array.from(copyRegion(dst, 5, 3, 1, 1, 3, 2))).toEqual(Array.from(region));
		expect(dst[0]).toBe(0);
	});
});

describe('the upsample+conv rewrite (fusedUpsampleConv)', () => {
	/** Nearest upsampling by s, then a k×k "same" convolution: the model as shipped, one channel in, `co` out. */
	function direct(img: number[][], s: number, k: number, w: Float32Array, co: number, bias: Float32Array): number[][][] {
		const n = img.length * s;
		const h = (k - 1) / 2;
		const at = (y: number, x: number) => (y < 0 || x < 0 || y >= n || x >= n ? 0 : img[Math.floor(y / s)][Math.floor(x / s)]);
		return Array.from({ length: co }, (_, c) =>
			Array.from({ length: n }, (_, y) =>
				Array.from({ length: n }, (_, x) => {
					let v = bias[c];
					for (let dy = -h; dy <= h; dy++) for (let dx = -h; dx <= h; dx++) v += at(y + dy, x + dx) * w[((dy + h) * k + (dx + h)) * co + c];
					return v;
				}),
			),
		);
	}
	/** The rewrite as the graphs run it: pad, convolve without padding, DepthToSpace (CRD), crop. */
	function rewritten(img: number[][], s: number, k: number, w: Float32Array, co: number, bias: Float32Array, shifted: boolean): { out: number[][][]; taps: number } {
		const r = fusedUpsampleConv([k, k, 1, co], w, s, bias, shifted);
		const [outCh, , T] = r.dims;
		const [pb, pe] = r.pad;
		const [cb, ce] = r.crop;
		const N = img.length;
		const P = N + pb + pe;
		const padded = (y: number, x: number) => (y < pb || x < pb || y >= pb + N || x >= pb + N ? 0 : img[y - pb][x - pb]);
		const M = P - T + 1;
		const big = s * M;
		const out = Array.from({ length: co }, () => Array.from({ length: big - cb - ce }, () => new Array<number>(big - cb - ce).fill(0)));
		for (let o = 0; o < outCh; o++) {
			const c = Math.floor(o / (s * s));
			const a = Math.floor((o % (s * s)) / s);
			const b = o % s;
			for (let j = 0; j < M; j++)
				for (let i = 0; i < M; i++) {
					let v = r.bias![o];
					for (let ty = 0; ty < T; ty++) for (let tx = 0; tx < T; tx++) v += padded(j + ty, i + tx) * r.data[(o * T + ty) * T + tx];
					const y = j * s + a - cb;
					const x = i * s + b - cb;
					if (y >= 0 && x >= 0 && y < big - cb - ce && x < big - cb - ce) out[c][y][x] = v;
				}
		}
		return { out, taps: T * T };
	}

	it.each([
		[2, 3, 4, true],
		[3, 3, 4, true],
		[4, 3, 4, true],
		[8, 3, 4, true],
		[2, 5, 9, true],
		[3, 1, 1, true],
		[4, 3, 9, false],
		[2, 5, 9, false],
	])('x%i, a %i-wide kernel: the same numbers as upsampling then convolving, from %i taps a channel (shifted: %s)', (s, k, taps, shifted) => {
		const img = Array.from({ length: 5 }, (_, y) => Array.from({ length: 5 }, (_, x) => ((y * 7 + x * 13) % 11) - 5));
		const co = 2;
		const w = Float32Array.from({ length: k * k * co }, (_, i) => ((i * 37) % 17) / 8 - 1);
		const bias = Float32Array.of(0.5, -0.25);
		const want = direct(img, s, k, w, co, bias);
		const got = rewritten(img, s, k, w, co, bias, shifted);
		expect(got.taps).toBe(taps);
		expect(got.out.length).toBe(co);
		expect(got.out[0].length).toBe(5 * s);
		for (let c = 0; c < co; c++) for (let y = 0; y < 5 * s; y++) for (let x = 0; x < 5 * s; x++) expect(got.out[c][y][x]).toBeCloseTo(want[c][y][x], 4);
	});
});

describe('modelPasses', () => {
	it.each([
		[1.5, [2]],
		[2, [2]],
		[2.5, [3]],
		[3, [3]],
		[4, [4]],
		[4.01, [4, 2]],
		[8, [4, 2]],
	])('%f -> %j', (ratio, passes) => {
		expect(modelPasses(ratio)).toEqual(passes);
	});
});

describe('requireLocalPackages', () => {
	it('names what is missing and the command that installs it', () => {
		const only = (...names: string[]) => (n: string) => names.includes(n);
		expect(() => requireLocalPackages('slim', only('sharp'))).toThrow(
			"The local engine needs @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm, @upscalerjs/esrgan-slim, which are not installed (they are optional dependencies of upscale-toolkit: an install with --omit=optional, or where they failed to install, has no local engine). Install with: npm install @tensorflow/tfjs@4.11.0 @tensorflow/tfjs-backend-wasm@4.11.0 @upscalerjs/esrgan-slim@1.0.0",
		);
		expect(() => requireLocalPackages('fast', only())).toThrow(
			"The local engine needs sharp, which is not installed (they are optional dependencies of upscale-toolkit: an install with --omit=optional, or where they failed to install, has no local engine). Install with: npm install sharp@^0.34.5",
		);
		expect(() => requireLocalPackages('fast', only('sharp'))).not.toThrow();
		expect(() => requireLocalPackages('slim')).not.toThrow();
		expect(() => requireLocalPackages('thick', (n) => n !== '@upscalerjs/esrgan-thick')).toThrow('The local engine needs @upscalerjs/esrgan-thick, which is not installed');
		expect(() => requireLocalPackages('slim', (n) => n !== '@upscalerjs/esrgan-thick')).not.toThrow();
	});
});

describe('the best-quality mode (planLocal)', () => {
	const photo = { format: 'jpeg' as const, width: 400, height: 300, bytes: 1000, hasAlpha: false, orientation: 1 };
	const plan = (o: Record<string, unknown>) => planLocal(parseOptions(o, 'local'), photo);

	it('is one ESRGAN-thick x4 pass, resampled to the size asked for', () => {
		expect(plan({ scale: 4, best: true })).toMatchObject({ method: 'ai', model: 'thick', passes: [4], target: { width: 1600, height: 1200 }, params: { models: ['esrgan-thick x4'] } });
		expect(plan({ scale: 2, best: true })).toMatchObject({ model: 'thick', passes: [4], target: { width: 800, height: 600 } });
		expect(plan({ scale: 4 })).toMatchObject({ model: 'slim', passes: [4], params: { models: ['esrgan-slim x4'] } });
	});

	it('refuses more than 4x and fast mode with it', () => {
		expect(() => plan({ scale: 6, best: true })).toThrow('The best-quality model upscales at most 4x (asked: 6.00x); the default model goes up to 8x.');
		expect(() => plan({ scale: 2, best: true, fast: true })).toThrow('Choose fast mode or best quality, not both.');
	});
});

describe('the time estimate', () => {
	it('grows with the pixels and the passes, shrinks with the workers that have a core', () => {
		const base = { model: 'slim' as const, passes: [4] as Array<2 | 3 | 4>, width: 1000, height: 1000, backend: 'onnx' as const, threads: 1, cores: 4 };
		const one = estimateModelMs(base);
		expect(estimateModelMs({ ...base, width: 2000 })).toBeCloseTo(2 * one, -1);
		expect(estimateModelMs({ ...base, threads: 2 })).toBeCloseTo(one / 2, -1);
		expect(estimateModelMs({ ...base, threads: 8 })).toBeCloseTo(one / 4, -1);
		expect(estimateModelMs({ ...base, passes: [4, 2] })).toBeGreaterThan(10 * one);
		expect(estimateModelMs({ ...base, model: 'thick' })).toBeGreaterThan(20 * one);
		expect(estimateModelMs({ ...base, backend: 'tfjs' })).toBeGreaterThan(3 * one);
	});

	it('the time left follows the pace so far', () => {
		expect(remainingMs(10_000, 0.25)).toBe(30_000);
		expect(remainingMs(10_000, 1)).toBe(0);
	});
});
