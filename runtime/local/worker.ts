/**
 * One model runner in a worker thread: TF.js on the WebAssembly backend (its multithreaded build needs Web
 * Workers, so on Node each worker runs one single-threaded backend and the pool runs several workers).
 * Messages in: TileRequest; out: TileReply.
 */
import { parentPort } from 'node:worker_threads';
import { runModel } from './esrgan';

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

parentPort?.on('message', (req: TileRequest) => {
	runModel(req.scale, req.pixels, req.width, req.height, req.crop).then(
		(pixels) => parentPort!.postMessage({ id: req.id, pixels } satisfies TileReply, [pixels.buffer as ArrayBuffer]),
		(e: unknown) => parentPort!.postMessage({ id: req.id, error: (e as Error)?.message ?? String(e) } satisfies TileReply),
	);
});
