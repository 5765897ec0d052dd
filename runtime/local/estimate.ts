/**
 * How long the model passes will take, before they start: the pace of each model on each backend, measured on one
 * worker thread (`npm run bench`, section F: a 2020s x86-64 core with AVX-512), times the input's pixels, over the
 * workers that have a core of their own. A rough figure ("about a minute"), shown with the best-quality mode's
 * progress before it starts; once tiles come back the engine's own pace replaces it.
 */
import { availableParallelism } from 'node:os';
import type { LocalBackend } from './backend';
import type { ModelName } from './models';

/** Input megapixels a second on one worker thread, by backend, model and scale. */
const INPUT_MP_PER_S: Record<LocalBackend, Record<ModelName, Partial<Record<2 | 3 | 4, number>>>> = {
	onnx: { slim: { 2: 0.17, 3: 0.16, 4: 0.16 }, thick: { 4: 0.0052 } },
	tfjs: { slim: { 2: 0.034, 3: 0.034, 4: 0.035 }, thick: { 4: 0.0015 } },
};

export function estimateModelMs(o: { model: ModelName; passes: Array<2 | 3 | 4>; width: number; height: number; backend: LocalBackend; threads: number; cores?: number }): number {
	const lanes = Math.max(1, Math.min(o.threads, o.cores ?? availableParallelism()));
	let pixels = o.width * o.height;
	let ms = 0;
	for (const s of o.passes) {
		const rate = INPUT_MP_PER_S[o.backend][o.model][s] ?? INPUT_MP_PER_S[o.backend].slim[4]!;
		ms += (pixels / 1e6 / (rate * lanes)) * 1000;
		pixels *= s * s;
	}
	return Math.round(ms);
}

/** The time left at `fraction` done after `elapsedMs`, at the pace so far. */
export const remainingMs = (elapsedMs: number, fraction: number): number => Math.round((elapsedMs * (1 - fraction)) / Math.max(fraction, 1e-6));
