/**
 * One model runner in a worker thread: ONNX Runtime with one thread, or TF.js on the WebAssembly backend (its
 * multithreaded build needs Web Workers, so on Node each worker runs one single-threaded backend and the pool runs
 * several workers).
 * Messages in: TileRequest; out: TileReply.
 */
import { parentPort } from 'node:worker_threads';
import type { LocalBackend } from './backend';
import { runModel } from './esrgan';
import type { ModelName } from './models';

export interface TileRequest {
	id: number;
	/** slim, or thick (the best-quality mode, ×4 only). */
	model: ModelName;
	scale: 2 | 3 | 4;
	width: number;
	height: number;
	/** RGB, interleaved, width×height×3. */
	pixels: Uint8Array;
	/** The part of the result to send back, in output pixels. */
	crop: { x: number; y: number; w: number; h: number };
	/** Which engine runs the model (backend.ts). */
	backend: LocalBackend;
	/** The graph as shipped, without our rewrites (measurements only: `npm run bench`, and a test that they change no pixel). */
	asShipped?: boolean;
}

export type TileReply = { id: number; pixels: Uint8Array } | { id: number; error: string };

/** ONNX Runtime is loaded only by a worker that runs it. */
const run = async (req: TileRequest) => (req.backend === 'onnx' ? (await import('./ort')).runModelOrt : runModel)(req.model, req.scale, req.pixels, req.width, req.height, req.crop, { depthToSpace: !req.asShipped });

parentPort?.on('message', (req: TileRequest) => {
	run(req).then(
		(pixels) => parentPort!.postMessage({ id: req.id, pixels } satisfies TileReply, [pixels.buffer as ArrayBuffer]),
		(e: unknown) => parentPort!.postMessage({ id: req.id, error: (e as Error)?.message ?? String(e) } satisfies TileReply),
	);
});
