/**
 * TF.js on its WebAssembly backend and the esrgan-slim models: start the backend once, load each model once, and
 * run a model on RGB pixels. Used by the model workers (and by the scripts that measure the models).
 */
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { modelHandler } from './models';

export type ModelScale = 2 | 3 | 4 | 8;

let tfReady: Promise<typeof TF> | undefined;
const models = new Map<ModelScale, Promise<TF.LayersModel>>();

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
		return tf;
	})();
	return tfReady;
}

function loadModel(tf: typeof TF, scale: ModelScale): Promise<TF.LayersModel> {
	let m = models.get(scale);
	if (!m) {
		m = tf.loadLayersModel(modelHandler(scale) as unknown as TF.io.IOHandler);
		models.set(scale, m);
	}
	return m;
}

/**
 * Runs the x`scale` model on width×height interleaved RGB pixels and returns the `crop` of the result (output
 * pixels; default: all of it), rounded and clamped to 0..255.
 */
export async function runModel(scale: ModelScale, pixels: Uint8Array, width: number, height: number, crop = { x: 0, y: 0, w: width * scale, h: height * scale }): Promise<Uint8Array> {
	const tf = await loadTf();
	const m = await loadModel(tf, scale);
	const out = tf.tidy(() => {
		const y = m.predict(tf.tensor4d(Float32Array.from(pixels), [1, height, width, 3])) as TF.Tensor4D;
		return y.slice([0, crop.y, crop.x, 0], [1, crop.h, crop.w, 3]);
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
