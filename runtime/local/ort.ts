/**
 * The ESRGAN models on ONNX Runtime: each converted from the npm package's TF.js files (onnx/convert.ts) once, then
 * read from the graph cache (onnx/graph-cache.ts); one session per model and scale, one intra-op thread (the pool
 * runs one worker per core; measured best here), full graph optimisation, memory patterns off (tiles vary in size).
 * Pixels in and out as runModel (esrgan.ts) takes and gives them: interleaved RGB, rounded and clamped to 0..255.
 */
import type * as Ort from 'onnxruntime-node';
import { outputMargin, readModelJson } from './layers-model';
import { modelDir, MODELS, type ModelName, type ModelScale } from './models';
import { convertLayersModel } from './onnx/convert';
import { cachedGraph } from './onnx/graph-cache';

/** Each model's session, and the output pixels before the picture that its uncropped graph gives (outputMargin). */
const sessions = new Map<string, Promise<{ session: Ort.InferenceSession; margin: number }>>();

/** Options of the measuring scripts: the graph as shipped, without our rewrites (upsample+conv, split concatenations). */
export interface OrtRunOptions {
	depthToSpace?: boolean;
}

function session(ort: typeof Ort, model: ModelName, scale: ModelScale, o: OrtRunOptions): Promise<{ session: Ort.InferenceSession; margin: number }> {
	const rewrite = o.depthToSpace !== false;
	const key = `${model} x${scale} ${rewrite ? 'd2s' : 'plain'}`;
	let s = sessions.get(key);
	if (!s) {
		const dir = modelDir(model, scale);
		const options = { range: MODELS[model].range, depthToSpace: rewrite, splitConcat: rewrite, uncropped: rewrite };
		const bytes = cachedGraph(dir, options, () => convertLayersModel(dir, options));
		const margin = rewrite ? outputMargin(readModelJson(dir).graph) : 0;
		s = ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', enableMemPattern: false }).then((session) => ({ session, margin }));
		sessions.set(key, s);
	}
	return s;
}

/** Starts a model's session ahead of its first tile (the engine's inline runs): the same session runModelOrt then uses. */
export async function warmSession(model: ModelName, scale: ModelScale): Promise<void> {
	await session((await import('onnxruntime-node')) as typeof Ort, model, scale, {});
}

export async function runModelOrt(
	model: ModelName,
	scale: ModelScale,
	pixels: Uint8Array,
	width: number,
	height: number,
	crop = { x: 0, y: 0, w: width * scale, h: height * scale },
	o: OrtRunOptions = {},
): Promise<Uint8Array> {
	const ort = (await import('onnxruntime-node')) as typeof Ort;
	const { session: s, margin } = await session(ort, model, scale, o);
	const plane = width * height;
	const input = new Float32Array(3 * plane);
	for (let i = 0; i < plane; i++) {
		input[i] = pixels[i * 3];
		input[plane + i] = pixels[i * 3 + 1];
		input[2 * plane + i] = pixels[i * 3 + 2];
	}
	const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, height, width]) };
	const result = await s.run(feeds);
	const y = result[s.outputNames[0]];
	try {
		const data = y.data as Float32Array;
		const [, , H, W] = y.dims;
		const pixels = W * H;
		// A clamped array rounds and clamps on store (ties to even: at most one level from Math.round, on exact halves).
		const out = new Uint8ClampedArray(crop.w * crop.h * 3);
		for (let c = 0; c < 3; c++) {
			for (let r = 0; r < crop.h; r++) {
				const from = c * pixels + (crop.y + margin + r) * W + crop.x + margin;
				for (let x = 0, j = r * crop.w * 3 + c; x < crop.w; x++, j += 3) out[j] = data[from + x];
			}
		}
		return new Uint8Array(out.buffer);
	} finally {
		y.dispose();
	}
}
