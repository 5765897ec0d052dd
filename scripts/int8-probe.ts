/**
 * `npm run int8-probe`: would an int8 esrgan-slim beat the FP32 limit without losing quality? For each scale, the
 * int8 graph (int8-probe/qdq-graph.ts: QDQ → QLinearConv, per-channel int8 weights, uint8 activations whose ranges are measured
 * on calibration images: for each tensor the clipping with the least quantisation error) against the FP32 graph,
 * both on ONNX Runtime with one thread: time on a 238×300 tile, and PSNR on each committed photo shrunk by the scale
 * and brought back. Calibrated twice: on the photos themselves (the best case), and on an image that is not one of
 * them (esrgan-slim's own fixture.png: what a shipped set of ranges meets in the field).
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { modelDir } from '../runtime/local/models';
import { readModelJson } from '../runtime/local/layers-model';
import { convertLayersModel } from '../runtime/local/onnx/convert';
import { int8Graph, measuringGraph, type Ranges } from './int8-probe/qdq-graph';

const SESSION = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const, graphOptimizationLevel: 'all' as const, enableMemPattern: false };
const PHOTOS = ['test/fixtures/chelsea.jpg', 'test/fixtures/sample.jpg'];
const FIXTURE = 'node_modules/@upscalerjs/esrgan-slim/assets/fixture.png';

async function planar(file: string | Buffer, region?: { left: number; top: number; width: number; height: number }): Promise<ort.Tensor> {
	const img = region ? sharp(file).extract(region) : sharp(file);
	const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
	const p = info.width * info.height;
	const out = new Float32Array(3 * p);
	for (let i = 0; i < p; i++) for (let c = 0; c < 3; c++) out[c * p + i] = data[i * 3 + c];
	return new ort.Tensor('float32', out, [1, 3, info.height, info.width]);
}

/** Each tensor's range: the clipping (at a few quantiles) whose uint8 round trip errs least on the samples. */
async function calibrate(scale: 2 | 3 | 4, inputs: ort.Tensor[]): Promise<Ranges> {
	const dir = modelDir('slim', scale);
	const s = await ort.InferenceSession.create(measuringGraph(dir), SESSION);
	const seen = new Map<string, Float32Array[]>();
	for (const x of inputs) for (const [k, v] of Object.entries(await s.run({ [s.inputNames[0]]: x }))) seen.set(k, [...(seen.get(k) ?? []), Float32Array.from(v.data as Float32Array)]);
	const ranges: Ranges = { [readModelJson(dir).graph.input_layers[0][0]]: [0, 255] };
	for (const [k, parts] of seen) {
		const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
		parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
		const sorted = Float32Array.from(all).sort();
		const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(f * (sorted.length - 1))))];
		const step = Math.max(1, Math.floor(all.length / 200_000));
		let best: [number, number] = [q(0), q(1)];
		let bestErr = Infinity;
		for (const a of [0, 1e-5, 1e-4, 1e-3])
			for (const b of [1, 1 - 1e-5, 1 - 1e-4, 1 - 1e-3, 1 - 3e-3]) {
				const lo = Math.min(0, q(a));
				const hi = Math.max(0, q(b));
				const sc = (hi - lo) / 255 || 1e-8;
				const z = Math.round(-lo / sc);
				let err = 0;
				for (let i = 0; i < all.length; i += step) {
					const d = (Math.max(0, Math.min(255, Math.round(all[i] / sc) + z)) - z) * sc - all[i];
					err += d * d;
				}
				if (err < bestErr) [bestErr, best] = [err, [lo, hi]];
			}
		ranges[k] = best;
	}
	return ranges;
}

async function psnr(s: ort.InferenceSession, photo: string, scale: number): Promise<number> {
	const m = await sharp(photo).metadata();
	const W = m.width! - (m.width! % scale);
	const H = m.height! - (m.height! % scale);
	const truth = await sharp(photo).extract({ left: 0, top: 0, width: W, height: H }).removeAlpha().raw().toBuffer();
	const small = await sharp(truth, { raw: { width: W, height: H, channels: 3 } }).resize(W / scale, H / scale, { kernel: 'cubic' }).png().toBuffer();
	const y = (await s.run({ [s.inputNames[0]]: await planar(small) }))[s.outputNames[0]].data as Float32Array;
	const P = W * H;
	let se = 0;
	for (let i = 0; i < P; i++) for (let c = 0; c < 3; c++) se += (Math.min(255, Math.max(0, Math.round(y[c * P + i]))) - truth[i * 3 + c]) ** 2;
	return 10 * Math.log10((255 * 255) / (se / (P * 3)));
}

async function msPerTile(s: ort.InferenceSession, tile: ort.Tensor): Promise<number> {
	await s.run({ [s.inputNames[0]]: tile });
	let best = Infinity;
	for (let i = 0; i < 3; i++) {
		const t = process.hrtime.bigint();
		await s.run({ [s.inputNames[0]]: tile });
		best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
	}
	return best;
}

(async () => {
	const tile = await planar(PHOTOS[0], { left: 0, top: 0, width: 238, height: 300 });
	const own = await Promise.all([
		planar(PHOTOS[0], { left: 0, top: 0, width: 96, height: 96 }),
		planar(PHOTOS[0], { left: 300, top: 150, width: 96, height: 96 }),
		planar(PHOTOS[0], { left: 150, top: 60, width: 96, height: 96 }),
		planar(PHOTOS[1], { left: 100, top: 100, width: 96, height: 96 }),
	]);
	const heldOut = [await planar(FIXTURE)];
	const rows: string[] = [];
	for (const scale of [2, 3, 4] as const) {
		const dir = modelDir('slim', scale);
		const f32 = await ort.InferenceSession.create(convertLayersModel(dir), SESSION);
		const base = await Promise.all(PHOTOS.map((p) => psnr(f32, p, scale)));
		const f32ms = await msPerTile(f32, tile);
		for (const [label, cal] of [
			['the photos themselves', own],
			['fixture.png (held out)', heldOut],
		] as const) {
			const i8 = await ort.InferenceSession.create(int8Graph(dir, await calibrate(scale, [...cal])), SESSION);
			const drops = await Promise.all(PHOTOS.map(async (p, i) => base[i] - (await psnr(i8, p, scale))));
			rows.push(`| x${scale} | ${label} | ${(f32ms / (await msPerTile(i8, tile))).toFixed(2)}× | ${drops.map((d) => `−${d.toFixed(3)} dB`).join(' / ')} | ${drops.every((d) => d <= 0.1) ? 'yes' : 'no'} |`);
			process.stderr.write(`int8-probe: ${rows[rows.length - 1]}\n`);
		}
	}
	process.stdout.write(
		`${['| scale | calibrated on | int8 speed ÷ FP32 (one thread, 238×300 tile) | PSNR change, chelsea / sample | within 0.1 dB |', '| --- | --- | --- | --- | --- |', ...rows].join('\n')}\n`,
	);
	process.exit(0);
})();
