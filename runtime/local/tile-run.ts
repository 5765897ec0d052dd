/** One tile through the model, where it runs: in a pool worker (worker.ts), or in the calling thread (engine.ts's inline runs). */
import type { TileRequest } from './worker-messages';
import { runModel } from './esrgan';

/** ONNX Runtime is loaded only where it runs. */
export async function runTile(req: Omit<TileRequest, 'id'>): Promise<Uint8Array> {
	const run = req.backend === 'onnx' ? (await import('./ort')).runModelOrt : runModel;
	return run(req.model, req.scale, req.pixels, req.width, req.height, req.crop, { depthToSpace: !req.asShipped });
}
