/**
 * `npm run docs:images`: makes the before/after pair in docs/ from the CC0 test photo — a crop of the cat's face
 * (before), the local engine's AI x4 result (after), and a side-by-side of bicubic interpolation (left) and the AI (right).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { LocalUpscaler } from '../runtime';

async function main() {
	const root = resolve(__dirname, '..');
	const docs = join(root, 'docs');
	const before = await sharp(join(root, 'test/fixtures/chelsea.jpg')).extract({ left: 120, top: 40, width: 200, height: 150 }).png().toBuffer();
	writeFileSync(join(docs, 'before.png'), before);
	const engine = new LocalUpscaler();
	try {
		const ai = await engine.upscale({ bytes: before }, { scale: 4 });
		writeFileSync(join(docs, 'after-x4.png'), ai.bytes);
		const lanczos = await sharp(before).resize(800, 600, { kernel: 'lanczos3' }).png().toBuffer();
		const half = (img: Uint8Array) => sharp(img).extract({ left: 200, top: 100, width: 400, height: 400 }).png().toBuffer();
		const side = await sharp({ create: { width: 808, height: 400, channels: 3, background: '#ffffff' } })
			.composite([
				{ input: await half(lanczos), left: 0, top: 0 },
				{ input: await half(ai.bytes), left: 408, top: 0 },
			])
			.png()
			.toBuffer();
		writeFileSync(join(docs, 'compare-x4.png'), side);
		process.stdout.write(`docs/before.png (200x150), docs/after-x4.png (${ai.width}x${ai.height}), docs/compare-x4.png\n`);
	} finally {
		await engine.close();
	}
}

void main();
