// One local-engine measurement in its own process (so peak RSS is its own):
//   node local-run.js <engine> <image> <scale> [slim|thick]
// engine: ours | ours-1thread (TF.js) | ours-asshipped (TF.js, the graph without our rewrite: the engine before it
//   ran on ONNX Runtime) | ours-onnx | ours-onnx-1thread | upscalerjs | upscalerjs-patch | lanczos: end to
//   end (decode, model, encode). Warms up on a small crop (model load and compile are not counted), then times the
//   runs (best of 3; 1 for the thick model) and prints JSON: ms, the output size, and the PSNR of the same engine on
//   the image shrunk by the scale (bicubic) against the image itself.
// engine: raw-onnx | raw-tfjs: the model alone on 128×128 tiles in the engine's 2 worker threads (2 tiles per worker
//   after a warm-up tile each), no decode, no encode: output MP/s.
// Plain JS on purpose: it is started with `node -r rss-preload.js`, without a TypeScript loader.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const sharp = require('sharp');

const [engine, imagePath, scaleArg, modelArg = 'slim'] = process.argv.slice(2);
const scale = Number(scaleArg);
const best = modelArg === 'thick';
const ROOT = join(__dirname, '..', '..');

async function upscalerJs(patch) {
	// UpscalerJS 1.0 (the `upscaler` package) with the same esrgan-slim model on the same TF.js WebAssembly backend.
	// Its browser build fetches models from a CDN; a TF.js load router hands it the same files from node_modules,
	// as shipped (without our rewrite). The same TF.js start-up as the engine's workers.
	const tf = await require(join(ROOT, 'dist/runtime/local/esrgan.js')).loadTf();
	const { modelHandler, modelDir } = require(join(ROOT, 'dist/runtime/local/models.js'));
	tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('local-model://x') ? modelHandler(modelDir('slim', Number(url.slice(15, 16)))) : null));
	// Its package exports only ESM (bundler-style) and tfjs-node builds; the UMD build loads in plain Node.
	const Upscaler = require(require.resolve('upscaler/node').replace(/node[/\\]upscalerjs.*$/, 'browser/umd/upscaler.js'));
	const model = require(`@upscalerjs/esrgan-slim/${scale}x`);
	const up = new Upscaler({ model: { ...model, path: `local-model://x${scale}/model.json` } });
	await up.getModel();
	// Patched: the same tile size and context as this project's engine (bounded memory); unpatched: its default.
	const opts = patch ? { output: 'tensor', patchSize: 256, padding: 12 } : { output: 'tensor' };
	return async (bytes, format = 'jpg') => {
		const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
		const input = tf.tensor3d(new Int32Array(data), [info.height, info.width, 3]);
		const out = await up.execute(input, opts);
		input.dispose();
		const [h, w] = out.shape;
		const px = Uint8Array.from(await out.data(), (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)));
		out.dispose();
		const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
		return (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer();
	};
}

async function make() {
	if (/^ours/.test(engine)) {
		const { LocalUpscaler } = require(join(ROOT, 'dist/runtime'));
		// ours, ours-1thread: TF.js WebAssembly (the backend UpscalerJS uses); ours-onnx*: ONNX Runtime, same weights.
		const backend = engine.startsWith('ours-onnx') ? 'onnx' : 'tfjs';
		const up = new LocalUpscaler({ backend, asShipped: engine === 'ours-asshipped', ...(engine.endsWith('1thread') ? { threads: 1 } : {}) });
		return { run: async (bytes, format = 'jpg') => (await up.upscale({ bytes }, { scale, best, format })).bytes, close: () => up.close() };
	}
	if (engine === 'upscalerjs' || engine === 'upscalerjs-patch') return { run: await upscalerJs(engine === 'upscalerjs-patch'), close: async () => {} };
	if (engine === 'lanczos') {
		return {
			run: async (bytes, format = 'jpg') => {
				const m = await sharp(bytes).metadata();
				const img = sharp(bytes).resize(m.width * scale, m.height * scale, { kernel: 'lanczos3' });
				return (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toBuffer();
			},
			close: async () => {},
		};
	}
	throw new Error(`unknown engine ${engine}`);
}

/** The model alone on tiles, in the engine's own worker pool: output megapixels a second. */
async function rawTiles() {
	const { TilePool } = require(join(ROOT, 'dist/runtime/local/pool.js'));
	const backend = engine === 'raw-onnx' ? 'onnx' : 'tfjs';
	const workers = 2;
	const pool = new TilePool(workers);
	const side = 128;
	const { data } = await sharp(readFileSync(imagePath)).extract({ left: 0, top: 0, width: side, height: side }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
	const tile = () => ({ model: modelArg, scale, width: side, height: side, pixels: new Uint8Array(data), crop: { x: 0, y: 0, w: side * scale, h: side * scale }, backend });
	await Promise.all(Array.from({ length: workers }, () => pool.run(tile())));
	const n = workers * 2;
	const t = process.hrtime.bigint();
	await Promise.all(Array.from({ length: n }, () => pool.run(tile())));
	const ms = Number(process.hrtime.bigint() - t) / 1e6;
	await pool.close();
	return { engine, ms, mps: (n * (side * scale) ** 2) / 1e6 / (ms / 1000) };
}

function psnr(a, b) {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
	return 10 * Math.log10((255 * 255) / (s / a.length));
}

/** The engine on the image shrunk by the scale (bicubic), against the image (cropped to a multiple of the scale). */
async function quality(e, bytes) {
	const m = await sharp(bytes).metadata();
	const w = m.width - (m.width % scale);
	const h = m.height - (m.height % scale);
	const truth = await sharp(bytes).extract({ left: 0, top: 0, width: w, height: h }).removeAlpha().raw().toBuffer();
	const small = await sharp(truth, { raw: { width: w, height: h, channels: 3 } }).resize(w / scale, h / scale, { kernel: 'cubic' }).png().toBuffer();
	const out = await sharp(await e.run(small, 'png')).removeAlpha().raw().toBuffer();
	return psnr(out, truth);
}

(async () => {
	if (engine.startsWith('raw-')) {
		process.stdout.write(`${JSON.stringify(await rawTiles())}\n`);
		process.exit(0);
	}
	const bytes = readFileSync(imagePath);
	const e = await make();
	await e.run(await sharp(bytes).extract({ left: 0, top: 0, width: 64, height: 64 }).jpeg().toBuffer());
	let fastest = Infinity;
	let out;
	for (let i = 0; i < (best ? 1 : 3); i++) {
		const t = process.hrtime.bigint();
		out = await e.run(bytes);
		fastest = Math.min(fastest, Number(process.hrtime.bigint() - t) / 1e6);
	}
	const m = await sharp(out).metadata();
	const db = await quality(e, bytes);
	await e.close();
	process.stdout.write(`${JSON.stringify({ engine, ms: fastest, width: m.width, height: m.height, psnr: db })}\n`);
	process.exit(0);
})().catch((err) => {
	process.stderr.write(`${err.stack}\n`);
	process.exit(1);
});
