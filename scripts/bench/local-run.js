// One local-engine measurement in its own process (so peak RSS is its own): `node local-run.js <engine> <image> <scale>`.
// engine: ours | ours-1thread (TF.js) | ours-onnx | ours-onnx-1thread | upscalerjs | upscalerjs-patch | lanczos. Warms up on a small crop (model load and
// WebAssembly compile are not counted), then times two full runs and prints the faster as JSON on stdout.
// Plain JS on purpose: it is started with `node -r rss-preload.js`, without a TypeScript loader.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const sharp = require('sharp');

const [engine, imagePath, scaleArg] = process.argv.slice(2);
const scale = Number(scaleArg);
const ROOT = join(__dirname, '..', '..');

async function upscalerJs(patch) {
	// UpscalerJS 1.0 (the `upscaler` package) with the same esrgan-slim model on the same TF.js WebAssembly backend.
	// Its browser build fetches models from a CDN; a TF.js load router hands it the same files from node_modules.
	// The same TF.js start-up as the engine's workers.
	const tf = await require(join(ROOT, 'dist/runtime/local/esrgan.js')).loadTf();
	const { modelHandler } = require(join(ROOT, 'dist/runtime/local/models.js'));
	tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('local-model://x') ? modelHandler(Number(url.slice(15, 16))) : null));
	// Its package exports only ESM (bundler-style) and tfjs-node builds; the UMD build loads in plain Node.
	const Upscaler = require(require.resolve('upscaler/node').replace(/node[/\\]upscalerjs.*$/, 'browser/umd/upscaler.js'));
	const model = require(`@upscalerjs/esrgan-slim/${scale}x`);
	const up = new Upscaler({ model: { ...model, path: `local-model://x${scale}/model.json` } });
	await up.getModel();
	// Patched: the same tile size and context as this project's engine (bounded memory); unpatched: its default.
	const opts = patch ? { output: 'tensor', patchSize: 256, padding: 12 } : { output: 'tensor' };
	return async (bytes) => {
		const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
		const input = tf.tensor3d(new Int32Array(data), [info.height, info.width, 3]);
		const out = await up.execute(input, opts);
		input.dispose();
		const [h, w] = out.shape;
		const px = Uint8Array.from(await out.data(), (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)));
		out.dispose();
		return sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
	};
}

async function make() {
	if (/^ours/.test(engine)) {
		const { LocalUpscaler } = require(join(ROOT, 'dist/runtime'));
		// ours, ours-1thread: TF.js WebAssembly (the backend UpscalerJS uses); ours-onnx*: ONNX Runtime, same weights.
		const backend = engine.startsWith('ours-onnx') ? 'onnx' : 'tfjs';
		const up = new LocalUpscaler({ backend, ...(engine.endsWith('1thread') ? { threads: 1 } : {}) });
		return { run: async (bytes) => (await up.upscale({ bytes }, { scale })).bytes, close: () => up.close() };
	}
	if (engine === 'upscalerjs' || engine === 'upscalerjs-patch') return { run: await upscalerJs(engine === 'upscalerjs-patch'), close: async () => {} };
	if (engine === 'lanczos') {
		return {
			run: async (bytes) => {
				const m = await sharp(bytes).metadata();
				return sharp(bytes).resize(m.width * scale, m.height * scale, { kernel: 'lanczos3' }).jpeg({ quality: 90 }).toBuffer();
			},
			close: async () => {},
		};
	}
	throw new Error(`unknown engine ${engine}`);
}

(async () => {
	const bytes = readFileSync(imagePath);
	const e = await make();
	await e.run(await sharp(bytes).extract({ left: 0, top: 0, width: 64, height: 64 }).jpeg().toBuffer());
	let best = Infinity;
	let out;
	for (let i = 0; i < 2; i++) {
		const t = process.hrtime.bigint();
		out = await e.run(bytes);
		best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
	}
	const m = await sharp(out).metadata();
	await e.close();
	process.stdout.write(`${JSON.stringify({ engine, ms: best, width: m.width, height: m.height })}\n`);
	process.exit(0);
})().catch((err) => {
	process.stderr.write(`${err.stack}\n`);
	process.exit(1);
});
