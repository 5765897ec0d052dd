/**
 * The local engine on real images: the ESRGAN models on ONNX Runtime and TF.js WebAssembly (worker threads, the
 * built worker from dist/), sharp for decoding and encoding. Exact sizes, alpha, grayscale, EXIF orientation, odd sizes, tiling
 * without seams, options and every error a user can hit.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { parseOptions, UpscaleError, type Progress } from '../../core';
import { LocalUpscaler } from '../../runtime/local/engine';
import { jpeg } from '../helpers/images';

const CHELSEA = readFileSync(resolve(__dirname, '../fixtures/chelsea.jpg'));

let engine: LocalUpscaler;
beforeAll(() => {
	engine = new LocalUpscaler({ threads: 2 });
});
afterAll(() => engine.close());

async function rawOf(bytes: Uint8Array) {
	return sharp(bytes).raw().toBuffer({ resolveWithObject: true });
}

function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
	expect(a.length).toBe(b.length);
	let max = 0;
	let sum = 0;
	for (let i = 0; i < a.length; i++) {
		const d = Math.abs(a[i] - b[i]);
		sum += d;
		if (d > max) max = d;
	}
	return { max, mean: sum / a.length };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
	return 10 * Math.log10((255 * 255) / (s / a.length));
}

async function crop(bytes: Buffer, left: number, top: number, width: number, height: number, as: 'png' | 'jpeg' = 'png') {
	const img = sharp(bytes).extract({ left, top, width, height });
	return as === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

async function localError(p: Promise<unknown>): Promise<UpscaleError> {
	const e = await p.then(
		() => {
			throw new Error('expected the upscale to fail');
		},
		(err: unknown) => err,
	);
	expect(e).toBeInstanceOf(UpscaleError);
	expect((e as UpscaleError).provider).toBe('local');
	return e as UpscaleError;
}

describe('local engine: sizes and formats', () => {
	it.each([
		[2, 902, 600, 'esrgan-slim x2'],
		[3, 1353, 900, 'esrgan-slim x3'],
		[4, 1804, 1200, 'esrgan-slim x4'],
	])('scale %i of a 451x300 photo gives exactly %ix%i (model %s)', async (scale, w, h, model) => {
		const r = await engine.upscale({ bytes: CHELSEA, fileName: 'chelsea.jpg' }, { scale });
		expect([r.width, r.height]).toEqual([w, h]);
		const meta = await sharp(r.bytes).metadata();
		expect([meta.width, meta.height, meta.format]).toEqual([w, h, 'jpeg']);
		expect(r).toMatchObject({ provider: 'local', execution: 'sync', status: 'completed', format: 'jpeg', extension: 'jpg', contentType: 'image/jpeg', credits: { consumed: 0, remaining: null } });
		expect(r.input).toEqual({ format: 'jpeg', width: 451, height: 300, bytes: CHELSEA.length });
		expect(r.params).toEqual({ method: 'ai', width: w, height: h, format: 'jpg', quality: 90, models: [model], backend: 'onnx' });
	});

	it('scale 8 runs the x4 model, then the x2 model', async () => {
		const small = await crop(CHELSEA, 150, 60, 61, 43);
		const r = await engine.upscale({ bytes: small }, { scale: 8 });
		expect([r.width, r.height]).toEqual([488, 344]);
		expect(r.params.models).toEqual(['esrgan-slim x4', 'esrgan-slim x2']);
		expect((await sharp(r.bytes).metadata()).format).toBe('png');
	});

	it('an exact width keeps the aspect ratio; a size between model scales is resampled to exactly that size', async () => {
		const r = await engine.upscale({ bytes: CHELSEA }, { width: 500 });
		expect([r.width, r.height]).toEqual([500, 333]);
		expect(r.params.models).toEqual(['esrgan-slim x2']);
		const m = await sharp(r.bytes).metadata();
		expect([m.width, m.height]).toEqual([500, 333]);
		const s = await engine.upscale({ bytes: CHELSEA }, { width: 1000, height: 700 });
		expect([s.width, s.height]).toEqual([1000, 700]);
		expect(s.params.models).toEqual(['esrgan-slim x3']);
	});

	it('odd sizes, not multiples of the tile size, come out exact', async () => {
		const odd = new LocalUpscaler({ threads: 2, tileSize: 32 });
		try {
			const img = await crop(CHELSEA, 7, 11, 131, 77);
			const r = await odd.upscale({ bytes: img }, { scale: 2 });
			const out = await rawOf(r.bytes);
			expect([out.info.width, out.info.height]).toEqual([262, 154]);
			// No tile left black or unwritten: every row and column has real picture.
			const ref = await sharp(img).resize(262, 154, { kernel: 'lanczos3' }).raw().toBuffer();
			expect(diff(out.data, ref).mean).toBeLessThan(12);
		} finally {
			await odd.close();
		}
	});

	it('it really is the model: output differs from bicubic and is closer to the truth', async () => {
		// Ground truth: a crop of the photo. Input: that crop halved. The model must beat plain bicubic interpolation.
		const truth = await sharp(CHELSEA).extract({ left: 0, top: 0, width: 450, height: 300 }).raw().toBuffer();
		const half = await sharp(truth, { raw: { width: 450, height: 300, channels: 3 } }).resize(225, 150, { kernel: 'cubic' }).png().toBuffer();
		const ai = await engine.upscale({ bytes: half }, { scale: 2 });
		const lanczos = await sharp(half).resize(450, 300, { kernel: 'lanczos3' }).raw().toBuffer();
		const aiRaw = (await rawOf(ai.bytes)).data;
		expect(diff(aiRaw, lanczos).mean).toBeGreaterThan(1);
		expect(psnr(aiRaw, truth)).toBeGreaterThan(psnr(lanczos, truth) + 0.5);
	});

	it('fast mode is bicubic interpolation, exactly (libvips enlarges bicubic whatever kernel is named)', async () => {
		const r = await engine.upscale({ bytes: CHELSEA }, { scale: 4, fast: true, format: 'png' });
		expect(r.params).toEqual({ method: 'fast', width: 1804, height: 1200, format: 'png' });
		const enlarge = (kernel: 'cubic' | 'lanczos3' | 'mitchell') => sharp(CHELSEA).resize(1804, 1200, { kernel, fit: 'fill' }).raw().toBuffer();
		const ref = await enlarge('cubic');
		// Why fast mode is not called Lanczos: enlarging, these kernels give the same bytes.
		expect((await enlarge('lanczos3')).equals(ref)).toBe(true);
		expect((await enlarge('mitchell')).equals(ref)).toBe(true);
		expect(diff((await rawOf(r.bytes)).data, ref).max).toBeLessThanOrEqual(1);
	});

	it('keeps alpha: the alpha channel is upscaled on its own, the colours by the model', async () => {
		const w = 64;
		const h = 48;
		const rgba = Buffer.alloc(w * h * 4);
		const rgb = await sharp(CHELSEA).resize(w, h).raw().toBuffer();
		for (let i = 0; i < w * h; i++) {
			rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
			rgba[i * 4 + 3] = i % w < w / 2 ? 255 : Math.round(((i % w) / w) * 255 * 0.5);
		}
		const input = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
		const r = await engine.upscale({ bytes: input }, { scale: 2 });
		const out = await rawOf(r.bytes);
		expect(out.info).toMatchObject({ width: 128, height: 96, channels: 4 });
		const alpha = Buffer.alloc(w * h);
		for (let i = 0; i < w * h; i++) alpha[i] = rgba[i * 4 + 3];
		const alphaRef = await sharp(alpha, { raw: { width: w, height: h, channels: 1 } }).resize(128, 96, { kernel: 'lanczos3', fit: 'fill' }).extractChannel(0).raw().toBuffer();
		const outAlpha = Buffer.alloc(128 * 96);
		for (let i = 0; i < outAlpha.length; i++) outAlpha[i] = out.data[i * 4 + 3];
		expect(diff(outAlpha, alphaRef).max).toBeLessThanOrEqual(1);
		expect(outAlpha[10 * 128 + 5]).toBe(255);
	});

	it('a transparent image asked as JPEG is put on white', async () => {
		const input = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
		const r = await engine.upscale({ bytes: input }, { scale: 2, format: 'jpg' });
		expect(r.params.background).toBe('white');
		const out = await rawOf(r.bytes);
		expect(out.info.channels).toBe(3);
		expect(out.data[0]).toBeGreaterThan(250);
	});

	it('grayscale stays grayscale', async () => {
		const gray = await sharp(CHELSEA).resize(41, 29).grayscale().toColourspace('b-w').jpeg().toBuffer();
		expect((await sharp(gray).metadata()).channels).toBe(1);
		const r = await engine.upscale({ bytes: gray }, { scale: 3 });
		const m = await sharp(r.bytes).metadata();
		expect([m.width, m.height, m.channels]).toEqual([123, 87, 1]);
	});

	it('applies EXIF orientation: a 40x30 JPEG marked "rotate 90°" comes out 60x80, turned', async () => {
		// A red block in the stored top-left corner ends in the top-right corner once turned 90° clockwise.
		const raw = Buffer.alloc(40 * 30 * 3, 30);
		for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) raw.set([230, 20, 20], (y * 40 + x) * 3);
		const stored = await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
		expect((await sharp(stored).metadata()).orientation).toBe(6);
		const r = await engine.upscale({ bytes: stored }, { scale: 2 });
		expect([r.width, r.height]).toEqual([60, 80]);
		const out = await rawOf(r.bytes);
		expect([out.info.width, out.info.height]).toEqual([60, 80]);
		const px = (x: number, y: number) => Array.from(out.data.subarray((y * 60 + x) * 3, (y * 60 + x) * 3 + 3));
		expect(px(55, 5)[0]).toBeGreaterThan(180);
		expect(px(5, 5)[0]).toBeLessThan(80);
		expect((await sharp(r.bytes).metadata()).orientation).toBeUndefined();
	});

	it('honours format and quality; WebP in gives WebP out', async () => {
		const webpIn = await sharp(CHELSEA).resize(90, 60).webp().toBuffer();
		const w = await engine.upscale({ bytes: webpIn }, { scale: 2 });
		expect([w.format, w.extension, w.contentType]).toEqual(['webp', 'webp', 'image/webp']);
		const hi = await engine.upscale({ bytes: webpIn }, { scale: 2, format: 'jpg', quality: 95 });
		const lo = await engine.upscale({ bytes: webpIn }, { scale: 2, format: 'jpg', quality: 20 });
		expect((await sharp(lo.bytes).metadata()).format).toBe('jpeg');
		expect(lo.bytes.length).toBeLessThan(hi.bytes.length / 2);
		expect(lo.params.quality).toBe(20);
	});
});

describe('local engine: tiling', () => {
	it('leaves no seams: a tiled run matches an untiled one (and a run without overlap would not)', async () => {
		const img = await crop(CHELSEA, 100, 50, 150, 110);
		const whole = new LocalUpscaler({ threads: 1, tileSize: 1024 });
		const tiled = new LocalUpscaler({ threads: 2, tileSize: 40 });
		const seams = new LocalUpscaler({ threads: 2, tileSize: 40, overlap: 0 });
		try {
			const ref = (await rawOf((await whole.upscale({ bytes: img }, { scale: 4 })).bytes)).data;
			const t = (await rawOf((await tiled.upscale({ bytes: img }, { scale: 4 })).bytes)).data;
			const s = (await rawOf((await seams.upscale({ bytes: img }, { scale: 4 })).bytes)).data;
			expect(diff(t, ref).max).toBeLessThanOrEqual(1);
			expect(diff(s, ref).max).toBeGreaterThan(20);
		} finally {
			await Promise.all([whole.close(), tiled.close(), seams.close()]);
		}
	});

	it('reports progress from 0 to 1, then done', async () => {
		const seen: Progress[] = [];
		const small = new LocalUpscaler({ threads: 2, tileSize: 64 });
		await small.upscale({ bytes: await crop(CHELSEA, 0, 0, 300, 200) }, { scale: 2 }, { onProgress: (p) => seen.push(p) }).finally(() => small.close());
		const fractions = seen.filter((p) => p.stage === 'processing').map((p) => p.fraction!);
		expect(fractions[0]).toBe(0);
		expect(fractions.length).toBeGreaterThan(3);
		expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
		expect(fractions[fractions.length - 1]).toBeCloseTo(1, 6);
		expect(seen[seen.length - 1]).toMatchObject({ stage: 'done', provider: 'local', fraction: 1 });
	});

	it('stops at once when cancelled, without waiting for the tiles still in the workers', async () => {
		const ac = new AbortController();
		let most = 0;
		const e = await localError(
			engine.upscale({ bytes: CHELSEA }, { scale: 4 }, {
				signal: ac.signal,
				onProgress: (p) => {
					most = Math.max(most, p.fraction ?? 0);
					if ((p.fraction ?? 0) > 0) ac.abort();
				},
			}),
		);
		expect(e.code).toBe('ABORTED');
		expect(e.message).toBe('Cancelled: the local upscale was stopped.');
		// Four tiles on two workers: cancelled after the first, it returned before the last two were done.
		expect(most).toBeLessThanOrEqual(0.5);
	});
});

describe('local engine: what a user is told', () => {
	it('has no task to resume (its work stops with its process): resume refuses, saying so', async () => {
		const e = (await engine.resume().catch((x: unknown) => x)) as UpscaleError;
		expect(e).toBeInstanceOf(UpscaleError);
		expect(e).toMatchObject({ code: 'NOT_FOUND', provider: 'local', local: true });
		expect(e.message).toBe('The local engine has no tasks to resume: its work stops with its process.');
	});

	it.each([
		[{ scale: 9 }, 'The AI model upscales at most 8x (asked: 9.00x); fast mode goes up to 16x.'],
		[{ scale: 17, fast: true }, 'Invalid options: scale must be at most 16.'],
		[{ execution: 'async' }, 'The local engine runs on this machine and has no tasks to submit: drop --async.'],
		[{ strategy: 'detailed', mode: 'ironed_out' }, 'The local engine does not take strategy (a Clipdrop option), mode (a Ximilar option): drop them, or use that vendor.'],
		[{ width: 400 }, '400x266 is not larger than the image (451x300): the local engine only upscales.'],
		[{ scale: 2, width: 1000 }, 'Give either a scale or a width/height, not both.'],
		[{ quality: 80, format: 'png' }, 'quality applies to JPEG and WebP output; PNG is lossless (add --format jpg or webp).'],
		[{ scale: 8, width: undefined, height: undefined, fast: false, format: 'webp', execution: 'sync' }, null],
	])('%j', async (options, message) => {
		if (message === null) {
			// 451x300 x8 = 3608x2400 fits: checked without running it.
			expect(engine.check({ format: 'jpeg', width: 451, height: 300, bytes: 1 }, options as never)).toEqual({ execution: 'sync', target: { width: 3608, height: 2400 } });
			return;
		}
		const e = await localError(engine.upscale({ bytes: CHELSEA }, options as never));
		expect(e.code).toBe('INVALID_OPTIONS');
		expect(e.local).toBe(true);
		expect(e.message).toBe(message);
	});

	it('refuses results over 16383 px per side, and inputs over 50 MP, before decoding', async () => {
		expect(() => engine.check({ format: 'png', width: 3000, height: 2000, bytes: 1 }, { scale: 6 })).toThrow(
			'The result would be 18000x12000; the local engine writes at most 16383 px per side. Use a smaller scale.',
		);
		expect(() => engine.check({ format: 'png', width: 8000, height: 7000, bytes: 1 }, { scale: 2 })).toThrow('The image is 8000x7000 (56.0 MP); the local engine takes at most 50 MP.');
	});

	it('a file that is not an image, or a damaged one', async () => {
		let e = await localError(engine.upscale({ bytes: Buffer.from('GIF89a...') }));
		expect(e.message).toBe('The image is GIF, which is not supported: use PNG, JPEG or WebP.');
		const good = await sharp(CHELSEA).resize(64, 48).png().toBuffer();
		// Sound structure (the sniffer walks the chunks), garbage inside the image data: only decoding finds it.
		const broken = Buffer.from(good);
		const idat = broken.indexOf('IDAT');
		broken.fill(0x55, idat + 4, idat + 4 + broken.readUInt32BE(idat - 4));
		e = await localError(engine.upscale({ bytes: broken }));
		expect(e.code).toBe('INVALID_INPUT');
		expect(e.message).toMatch(/^The image could not be decoded: .+\.$/);
	});

	it('fast mode is refused by the vendors', () => {
		expect(() => parseOptions({ fast: true }, 'clipdrop')).toThrow('Fast mode belongs to the local engine; the vendors always run their own models.');
		expect(parseOptions({ fast: true }, 'local').fast).toBe(true);
	});

	it('reads an image from a URL, and says what went wrong when it cannot', async () => {
		const small = await jpeg(30, 20);
		const server = http.createServer((req, res) => {
			if (req.url === '/a.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(small);
			if (req.url === '/huge.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(31 * 1024 * 1024) }).end();
			res.writeHead(404).end();
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
		const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		try {
			const r = await engine.upscale({ url: `${base}/a.jpg` }, { scale: 2, fast: true });
			expect([r.width, r.height]).toEqual([60, 40]);
			let e = await localError(engine.upscale({ url: `${base}/missing.jpg` }));
			expect(e.message).toBe(`Could not download the image from ${base}/missing.jpg: the server answered 404.`);
			e = await localError(engine.upscale({ url: `${base}/huge.jpg` }));
			expect(e.code).toBe('INVALID_INPUT');
			expect(e.message).toBe('The image at the URL is larger than 30 MB.');
			e = await localError(engine.upscale({ url: 'ftp://example.com/a.jpg' }));
			expect(e.message).toBe('"ftp://example.com/a.jpg" is not an http(s) URL of an image.');
		} finally {
			server.close();
		}
	});
});

describe('local engine: ONNX Runtime and TF.js', () => {
	it('give the same pixels (within one level) from the same weights, at x2, x3 and x4, and with the best-quality model', async () => {
		const { LocalUpscaler } = await import('../../runtime');
		const onnx = new LocalUpscaler({ backend: 'onnx', threads: 2 });
		const tfjs = new LocalUpscaler({ backend: 'tfjs', threads: 2 });
		try {
			const crop = await sharp(CHELSEA).extract({ left: 150, top: 60, width: 120, height: 90 }).png().toBuffer();
			for (const [scale, best] of [[2, false], [3, false], [4, false], [4, true]] as const) {
				const a = await onnx.upscale({ bytes: crop }, { scale, format: 'png', best });
				const b = await tfjs.upscale({ bytes: crop }, { scale, format: 'png', best });
				expect([a.params.backend, b.params.backend]).toEqual(['onnx', 'tfjs']);
				expect(a.params.models).toEqual([`esrgan-${best ? 'thick' : 'slim'} x${scale}`]);
				const d = diff((await rawOf(a.bytes)).data, (await rawOf(b.bytes)).data);
				expect(d.max).toBeLessThanOrEqual(1);
				expect(d.mean).toBeLessThan(0.01);
			}
		} finally {
			await onnx.close();
			await tfjs.close();
		}
	});
});

describe('local engine: the models as we rewrite them', () => {
	it('our rewrites (upsample+conv as a smaller conv and DepthToSpace; on ONNX Runtime, convolutions split over the concatenations they read) give the graph-as-shipped pixels, on both backends', async () => {
		const crop = await sharp(CHELSEA).extract({ left: 200, top: 100, width: 60, height: 40 }).png().toBuffer();
		for (const backend of ['onnx', 'tfjs'] as const) {
			const rewritten = new LocalUpscaler({ backend, threads: 1 });
			const shipped = new LocalUpscaler({ backend, threads: 1, asShipped: true });
			try {
				for (const scale of [2, 3, 4]) {
					const a = (await rawOf((await rewritten.upscale({ bytes: crop }, { scale, format: 'png' })).bytes)).data;
					const b = (await rawOf((await shipped.upscale({ bytes: crop }, { scale, format: 'png' })).bytes)).data;
					expect(diff(a, b).max).toBeLessThanOrEqual(1);
				}
			} finally {
				await Promise.all([rewritten.close(), shipped.close()]);
			}
		}
	});

	it('the best-quality model (ESRGAN-thick x4) beats the default on a quartered photo, and both beat bicubic', async () => {
		// Ground truth: the photo. Input: it quartered. Measured: thick 30.33 dB, slim 29.74, bicubic 29.57.
		const truth = await sharp(CHELSEA).extract({ left: 0, top: 0, width: 448, height: 300 }).raw().toBuffer();
		const small = await sharp(truth, { raw: { width: 448, height: 300, channels: 3 } }).resize(112, 75, { kernel: 'cubic' }).png().toBuffer();
		const slim = (await rawOf((await engine.upscale({ bytes: small }, { scale: 4, format: 'png' })).bytes)).data;
		const thick = await engine.upscale({ bytes: small }, { scale: 4, format: 'png', best: true });
		expect(thick.params.models).toEqual(['esrgan-thick x4']);
		const bicubic = await sharp(small).resize(448, 300, { kernel: 'cubic' }).raw().toBuffer();
		const [t, s, b] = [psnr((await rawOf(thick.bytes)).data, truth), psnr(slim, truth), psnr(bicubic, truth)];
		expect(t).toBeGreaterThan(s + 0.4);
		expect(s).toBeGreaterThan(b);
	});
});

describe('local engine: the worker pool', () => {
	it('passes a worker failure on, and fails queued tiles when it is closed', async () => {
		const { TilePool } = await import('../../runtime/local/pool');
		const pool = new TilePool(1);
		const tile = () => ({ scale: 2 as const, width: 4, height: 4, pixels: new Uint8Array(48), crop: { x: 0, y: 0, w: 8, h: 8 }, backend: 'tfjs' as const, model: 'slim' as const });
		await expect(pool.run({ ...tile(), scale: 5 as never })).rejects.toThrow(/models\/x5\/model\.json/);
		const ok = await pool.run(tile());
		expect(ok.length).toBe(8 * 8 * 3);
		const running = expect(pool.run(tile())).rejects.toThrow('the local engine was stopped');
		const queued = expect(pool.run(tile())).rejects.toThrow('the local engine was stopped');
		await pool.close();
		await Promise.all([running, queued]);
	});
});
