/**
 * Which engine runs the model: ONNX Runtime (onnxruntime-node, an optional dependency: a native CPU library, 3–5×
 * faster than WebAssembly on the same weights) when it loads on this machine, else TF.js on WebAssembly, which runs
 * anywhere Node does (ONNX Runtime needs glibc ≥ 2.28, so not on Alpine/musl, and ships no Intel-Mac binary).
 * UPSCALE_LOCAL_BACKEND=onnx|tfjs forces one.
 */
import { UpscaleError } from '../../core';

export type LocalBackend = 'onnx' | 'tfjs';

export interface BackendChoice {
	backend: LocalBackend;
	/** Why ONNX Runtime is not used, when it is not. */
	why?: string;
}

// A synchronous probe: the native library loads (or fails to) now, before any worker starts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadOrt = () => require('onnxruntime-node') as unknown;

export function chooseBackend(env: NodeJS.ProcessEnv = process.env, load: () => unknown = loadOrt): BackendChoice {
	const forced = env.UPSCALE_LOCAL_BACKEND?.trim().toLowerCase();
	if (forced && forced !== 'onnx' && forced !== 'tfjs') {
		throw new UpscaleError('INVALID_OPTIONS', `UPSCALE_LOCAL_BACKEND must be onnx or tfjs (got "${forced.slice(0, 20)}").`, { provider: 'local', local: true });
	}
	if (forced === 'tfjs') return { backend: 'tfjs', why: 'UPSCALE_LOCAL_BACKEND=tfjs' };
	try {
		load();
		return { backend: 'onnx' };
	} catch (e) {
		const why = `ONNX Runtime (onnxruntime-node) does not load here: ${((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 200)}`;
		if (forced === 'onnx') throw new UpscaleError('INVALID_OPTIONS', `UPSCALE_LOCAL_BACKEND=onnx, but ${why}. Install it (npm install onnxruntime-node, with ONNXRUNTIME_NODE_INSTALL=skip), or leave UPSCALE_LOCAL_BACKEND unset to use TF.js.`, { provider: 'local', local: true });
		return { backend: 'tfjs', why };
	}
}
