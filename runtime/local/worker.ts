/**
 * One model runner in a worker thread: ONNX Runtime with one thread, or TF.js on the WebAssembly backend (its
 * multithreaded build needs Web Workers, so on Node each worker runs one single-threaded backend and the pool runs
 * several workers).
 * Messages in: TileRequest; out: TileReply.
 */
import { parentPort } from 'node:worker_threads';
import { runTile } from './tile-run';
import type { TileReply, TileRequest, WarmRequest } from './worker-messages';

export type { TileReply, TileRequest } from './worker-messages';

parentPort?.on('message', (req: TileRequest | WarmRequest) => {
	if ('warm' in req) {
		// A failure here is the first tile's to report (it awaits the same session).
		void import('./ort').then((m) => m.warmSession(req.model, req.scale)).catch(() => undefined);
		return;
	}
	runTile(req).then(
		(pixels) => parentPort!.postMessage({ id: req.id, pixels } satisfies TileReply, [pixels.buffer as ArrayBuffer]),
		(e: unknown) => parentPort!.postMessage({ id: req.id, error: (e as Error)?.message ?? String(e) } satisfies TileReply),
	);
});
