/**
 * TF.js on its WebAssembly backend and the ESRGAN models: start the backend once, load each model once (rewritten,
 * see tfjs-model.ts), and run a model on RGB pixels. Used by the model workers when ONNX Runtime is not used (and
 * by the scripts that measure the models).
 */
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { modelDir, MODELS, type ModelName, type ModelScale } from './models';
import { registerLayers, tfjsModel } from './tfjs-model';

export type { ModelName, ModelScale } from './models';

let tfReady: Promise<typeof TF> | undefined;
const models = new Map<string, Promise<TF.LayersModel>>();

/** TF.js with the WebAssembly backend running (started on the first call). */
export function loadTf(): Promise<typeof TF> {
	tfReady ??= (async () => {
		const tf = await import('@tensorflow/tfjs');
		const wasm = await import('@tensorflow/tfjs-backend-wasm');
		// The .wasm binaries ship in the package's dist/ folder; without this TF.js would look next to the page URL.
		wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
		if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js WebAssembly backend did not start');
		await tf.ready();
		tf.enableProdMode();
		registerLayers(tf);
		return tf;
	})();
	return tfReady;
}

/** Options of the measuring scripts: the graph as shipped, without the upsample+conv rewrite. */
export interface ModelRunOptions {
	depthToSpace?: boolean;
}

function loadModel(tf: typeof TF, model: ModelName, scale: ModelScale, o: ModelRunOptions): Promise<TF.LayersModel> {
	const key = `${model} x${scale} ${o.depthToSpace === false ? 'plain' : 'd2s'}`;
	let m = models.get(key);
	if (!m) {
		m = tf.loadLayersModel(tfjsModel(modelDir(model, scale), o) as unknown as TF.io.IOHandler);
		models.set(key, m);
	}
	return m;
}

/**
 * Runs the x`scale` model on width×height interleaved RGB pixels and returns the `crop` of the result (output
 * pixels; default: all of it), rounded and clamped to 0..255.
 */
export async function runModel(
	model: ModelName,
	scale: ModelScale,
	pixels: Uint8Array,
	width: number,
	height: number,
	crop = { x: 0, y: 0, w: width * scale, h: height * scale },
	o: ModelRunOptions = {},
): Promise<Uint8Array> {
	const tf = await loadTf();
	const m = await loadModel(tf, model, scale, o);
	const range = MODELS[model].range;
	const out = tf.tidy(() => {
		let x: TF.Tensor4D = tf.tensor4d(Float32Array.from(pixels), [1, height, width, 3]);
		if (range !== 255) x = tf.mul(x, range / 255);
		let y = m.predict(x) as TF.Tensor4D;
		y = y.slice([0, crop.y, crop.x, 0], [1, crop.h, crop.w, 3]);
		return range !== 255 ? tf.mul(y, 255 / range) : y;
	});
	try {
		const data = (await out.data()) as Float32Array;
		const result = new Uint8Array(data.length);
		for (let i = 0; i < data.length; i++) {
			const v = data[i];
			result[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
		}
		return result;
	} finally {
		out.dispose();
	}
}
