/**
 * The ESRGAN-slim weights that ship inside the @upscalerjs/esrgan-slim npm package, read from disk with our own
 * TF.js IO handler: UpscalerJS itself would fetch them from a CDN, and nothing here may touch the network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const MODEL_PACKAGE = '@upscalerjs/esrgan-slim';

/** The package's root folder (its `exports` hide package.json, so walk up from its entry point). */
export function modelPackageDir(): string {
	let dir = dirname(require.resolve(MODEL_PACKAGE));
	for (let i = 0; i < 8; i++) {
		if (existsSync(join(dir, 'models', 'x2', 'model.json'))) return dir;
		dir = dirname(dir);
	}
	throw new Error(`${MODEL_PACKAGE} is installed but its models/ folder is missing.`);
}

interface ModelJson {
	format?: string;
	modelTopology: unknown;
	weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
}

/** What tf.loadLayersModel accepts as an IO handler (typed loosely so this file needs no TF.js types). */
export interface ModelArtifactsHandler {
	load(): Promise<{ modelTopology: unknown; weightSpecs: unknown[]; weightData: ArrayBuffer; format?: string }>;
}

/** Reads models/x{scale}/model.json and its weight shards into the artifacts TF.js expects. */
export function modelHandler(scale: 2 | 3 | 4 | 8, root = modelPackageDir()): ModelArtifactsHandler {
	const dir = join(root, 'models', `x${scale}`);
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
