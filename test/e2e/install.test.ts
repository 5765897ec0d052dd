/**
 * The package as users install it (npm pack → npm install into a fresh folder): an n8n-style install pulls neither
 * TF.js nor sharp, still upscales with the vendors, and names the packages the local engine needs; with those
 * packages added, the local engine finds its models inside node_modules and upscales offline.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ClipdropFake } from '../fakes/clipdrop';
import { installPacked, packProject, type Installed } from '../helpers/install';

const CHELSEA = resolve(__dirname, '../fixtures/chelsea.jpg');
const KEY = 'install-test-key-0123456789';

function run(inst: Installed, args: string[], env: Record<string, string> = {}) {
	return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
		execFile(process.execPath, [inst.bin, ...args], { cwd: inst.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) =>
			res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
		);
	});
}

let tarball: string;
beforeAll(() => {
	tarball = packProject();
});

describe('installed from the packed tarball', () => {
	it('without the local engine: no TF.js, no sharp; vendors work; local names what to install', async () => {
		const lean = installPacked(tarball, false);
		expect(lean.packages).toEqual(['n8n-nodes-upscale', 'undici', 'zod']);
		process.stdout.write(`lean install: ${lean.packages.length} packages, ${(lean.bytes / 1e6).toFixed(1)} MB\n`);

		const cd = new ClipdropFake({ keys: { [KEY]: 10 } });
		await cd.start();
		try {
			const ok = await run(lean, [CHELSEA, '--provider', 'clipdrop', '--output', join(lean.dir, 'out.jpg'), '--quiet'], { CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: cd.url });
			expect(ok.stderr).toBe('');
			expect(ok.code).toBe(0);
		} finally {
			await cd.stop();
		}

		const local = await run(lean, [CHELSEA]);
		expect(local.code).toBe(2);
		expect(local.stderr).toBe(
			"upscale: The local engine needs sharp, @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm, @upscalerjs/esrgan-slim, which are not installed (the local engine's packages are optional, so n8n installs stay small). Install with: npm install sharp@^0.34.5 @tensorflow/tfjs@4.11.0 @tensorflow/tfjs-backend-wasm@4.11.0 @upscalerjs/esrgan-slim@1.0.0\n",
		);
		const fast = await run(lean, [CHELSEA, '--fast']);
		expect(fast.stderr).toMatch(/^upscale: The local engine needs sharp, which is not installed .* Install with: npm install sharp@\^0\.34\.5\n$/);
	}, 180_000);

	it('with the local engine: the models are read from node_modules and the AI upscale runs', async () => {
		const full = installPacked(tarball, true);
		for (const p of ['sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@upscalerjs/esrgan-slim']) expect(full.packages).toContain(p);
		process.stdout.write(`full install: ${full.packages.length} packages, ${(full.bytes / 1e6).toFixed(1)} MB\n`);
		const r = await run(full, [CHELSEA, '--scale', '2', '--output', join(full.dir, 'cat.png'), '--json']);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ provider: 'local', width: 902, height: 600, params: { models: ['esrgan-slim x2'] } });
		expect((await sharp(readFileSync(join(full.dir, 'cat.png'))).metadata()).width).toBe(902);
	}, 300_000);
});
