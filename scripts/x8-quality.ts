/**
 * `npm run x8-quality`: why scale 8 runs the x4 model then the x2 model instead of esrgan-slim's own x8 model.
 * Takes the CC0 photo, shrinks it 8x (bicubic), brings it back 8x three ways and prints the PSNR of each against
 * the original (higher is closer), plus a side-by-side crop in docs/ (bicubic | x8 model | x4 then x2).
 */
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { runModel, type ModelScale } from '../runtime/local/esrgan';

type Img = { data: Uint8Array; width: number; height: number };

async function run(scale: ModelScale, img: Img): Promise<Img> {
	return { data: await runModel('slim', scale, img.data, img.width, img.height), width: img.width * scale, height: img.height * scale };
}

const psnr = (a: Uint8Array, b: Uint8Array) => 10 * Math.log10((255 * 255) / (a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length));

async function main() {
	const root = resolve(__dirname, '..');
	const src = join(root, 'test/fixtures/chelsea.jpg');
	const W = 448;
	const H = 296;
	const truth = await sharp(src).extract({ left: 0, top: 0, width: W, height: H }).raw().toBuffer();
	const small: Img = { data: await sharp(truth, { raw: { width: W, height: H, channels: 3 } }).resize(W / 8, H / 8, { kernel: 'cubic' }).raw().toBuffer(), width: W / 8, height: H / 8 };
	const lanczos = await sharp(small.data, { raw: { width: small.width, height: small.height, channels: 3 } }).resize(W, H, { kernel: 'lanczos3' }).raw().toBuffer();
	const direct = await run(8, small);
	const twoStep = await run(2, await run(4, small));
	process.stdout.write(`| 8x from ${W / 8}x${H / 8} back to ${W}x${H} | PSNR vs the original |\n|---|---:|\n`);
	for (const [name, d] of [['bicubic (sharp)', lanczos], ['esrgan-slim x8 model', direct.data], ['x4 model, then x2 model (what the engine does)', twoStep.data]] as const) {
		process.stdout.write(`| ${name} | ${psnr(d, truth).toFixed(2)} dB |\n`);
	}
	const crop = (d: Uint8Array) => sharp(Buffer.from(d), { raw: { width: W, height: H, channels: 3 } }).extract({ left: 120, top: 60, width: 200, height: 160 }).png().toBuffer();
	await sharp({ create: { width: 608, height: 160, channels: 3, background: '#ffffff' } })
		.composite([
			{ input: await crop(lanczos), left: 0, top: 0 },
			{ input: await crop(direct.data), left: 204, top: 0 },
			{ input: await crop(twoStep.data), left: 408, top: 0 },
		])
		.png()
		.toFile(join(root, 'docs/x8-lanczos-x8model-x4x2.png'));
}

void main();
