/**
 * The esrgan-slim models on ONNX Runtime: each converted once per worker from the npm package's TF.js files
 * (onnx/convert.ts), one session per scale, one intra-op thread (the pool runs one worker per core; measured best
 * here), full graph optimisation, memory patterns off (tiles vary in size). Pixels in and out as runModel (esrgan.ts)
 * takes and gives them: interleaved RGB, the result rounded and clamped to 0..255.
 */
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { ModelScale } from './esrgan';
import { modelPackageDir } from './models';
import { convertLayersModel } from './onnx/convert';

const sessions = new Map<ModelScale, Promise<Ort.InferenceSession>>();

function session(ort: typeof Ort, scale: ModelScale): Promise<Ort.InferenceSession> {
	let s = sessions.get(scale);
	if (!s) {
		const bytes = convertLayersModel(join(modelPackageDir(), 'models', `x${scale}`));
		s = ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', enableMemPattern: false });
		sessions.set(scale, s);
	}
	return s;
}

export async function runModelOrt(scale: ModelScale, pixels: Uint8Array, width: number, height: number, crop = { x: 0, y: 0, w: width * scale, h: height * scale }): Promise<Uint8Array> {
	const ort = (await import('onnxruntime-node')) as typeof Ort;
	const s = await session(ort, scale);
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
		const W = width * scale;
		const P = W * height * scale;
		const out = new Uint8Array(crop.w * crop.h * 3);
		for (let r = 0; r < crop.h; r++) {
			const row = (crop.y + r) * W + crop.x;
			for (let x = 0; x < crop.w; x++) {
				const at = (r * crop.w + x) * 3;
				for (let c = 0; c < 3; c++) {
					const v = data[c * P + row + x];
					out[at + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
				}
			}
		}
		return out;
	} finally {
		y.dispose();
	}
}
