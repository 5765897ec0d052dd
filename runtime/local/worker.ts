/**
 * One model runner in a worker thread: TF.js on the WebAssembly backend (its multithreaded build needs Web
 * Workers, so on Node each worker runs one single-threaded backend and the pool runs several workers).
 * Messages in: TileRequest; out: TileReply.
 */
import { join, dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type * as TF from '@tensorflow/tfjs';
import { modelHandler } from './models';

export interface TileRequest {
	id: number;
	scale: 2 | 3 | 4;
	width: number;
	height: number;
	/** RGB, interleaved, width×height×3. */
	pixels: Uint8Array;
	/** The part of the result to send back, in output pixels. */
	crop: { x: number; y: number; w: number; h: number };
}

export type TileReply = { id: number; pixels: Uint8Array } | { id: number; error: string };

let tfReady: Promise<typeof TF> | undefined;
const models = new Map<number, Promise<TF.LayersModel>>();

async function loadTf(): Promise<typeof TF> {
	const tf = await import('@tensorflow/tfjs');
	const wasm = await import('@tensorflow/tfjs-backend-wasm');
	// The .wasm binaries ship in the package's dist/ folder; without this TF.js would look next to the page URL.
	wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
	if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js WebAssembly backend did not start');
	await tf.ready();
	tf.enableProdMode();
	return tf;
}

function model(tf: typeof TF, scale: 2 | 3 | 4): Promise<TF.LayersModel> {
	let m = models.get(scale);
	if (!m) {
		m = tf.loadLayersModel(modelHandler(scale) as unknown as TF.io.IOHandler);
		models.set(scale, m);
	}
	return m;
}

async function runTile(req: TileRequest): Promise<Uint8Array> {
	tfReady ??= loadTf();
	const tf = await tfReady;
	const m = await model(tf, req.scale);
	const out = tf.tidy(() => {
		const x = tf.tensor4d(Float32Array.from(req.pixels), [1, req.height, req.width, 3]);
		const y = m.predict(x) as TF.Tensor4D;
		return y.slice([0, req.crop.y, req.crop.x, 0], [1, req.crop.h, req.crop.w, 3]);
	});
	try {
		const data = (await out.data()) as Float32Array;
		const pixels = new Uint8Array(data.length);
		for (let i = 0; i < data.length; i++) {
			const v = data[i];
			pixels[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
		}
		return pixels;
	} finally {
		out.dispose();
	}
}

parentPort?.on('message', (req: TileRequest) => {
	runTile(req).then(
		(pixels) => parentPort!.postMessage({ id: req.id, pixels } satisfies TileReply, [pixels.buffer as ArrayBuffer]),
		(e: unknown) => parentPort!.postMessage({ id: req.id, error: (e as Error)?.message ?? String(e) } satisfies TileReply),
	);
});
