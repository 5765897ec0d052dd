/**
 * The ESRGAN models that ship inside the @upscalerjs npm packages (MIT), read from disk: UpscalerJS itself would
 * fetch them from a CDN, and nothing here may touch the network.
 * - slim: the default, ×2/×3/×4, works on 0..255 pixels.
 * - thick: the best-quality mode, used at ×4 only (the one scale where it clearly beats slim: +0.9 dB), about 29× the
 *   compute; works on 0..1 pixels and has two custom layers (MultiplyBeta, PixelShuffle4x).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type ModelName = 'slim' | 'thick';
export type ModelScale = 2 | 3 | 4 | 8;

export const MODELS: Record<ModelName, { package: string; /** The pixel range the model takes and gives. */ range: 1 | 255 }> = {
	slim: { package: '@upscalerjs/esrgan-slim', range: 255 },
	thick: { package: '@upscalerjs/esrgan-thick', range: 1 },
};

/** A package's root folder (its `exports` hide package.json, so walk up from its entry point). */
export function modelPackageDir(model: ModelName = 'slim'): string {
	const name = MODELS[model].package;
	let dir = dirname(require.resolve(name));
	for (let i = 0; i < 8; i++) {
		if (existsSync(join(dir, 'models', 'x4', 'model.json'))) return dir;
		dir = dirname(dir);
	}
	throw new Error(`${name} is installed but its models/ folder is missing.`);
}

/** The folder of one model: models/x{scale} in its package. */
export const modelDir = (model: ModelName, scale: ModelScale): string => join(modelPackageDir(model), 'models', `x${scale}`);

interface ModelJson {
	format?: string;
	modelTopology: unknown;
	weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

/** What tf.loadLayersModel accepts as an IO handler (typed loosely so this file needs no TF.js types). */
export interface ModelArtifactsHandler {
	load(): Promise<{ modelTopology: unknown; weightSpecs: unknown[]; weightData: ArrayBuffer; format?: string }>;
}

/** Reads a model's model.json and its weight shards into the artifacts TF.js expects. */
export function modelHandler(dir: string): ModelArtifactsHandler {
	return {
		async load() {
			const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
			if (json.format !== 'layers-model' || !Array.isArray(json.weightsManifest)) throw new Error(`${dir}/model.json is not a TF.js layers model.`);
			const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
			const size = shards.reduce((n, b) => n + b.length, 0);
			const weightData = new ArrayBuffer(size);
			const view = new Uint8Array(weightData);
			let at = 0;
			for (const b of shards) {
				view.set(b, at);
				at += b.length;
			}
			return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData, format: json.format };
		},
	};
}
