/**
 * `npm run demo`: the quickest proof that everything works, with no keys and no network.
 * First a real AI upscale of the shipped photo with the local engine (no configuration at all), then the
 * Clipdrop and Ximilar fakes on free local ports and the real CLI against each (sync and async).
 * Results go to ./demo-output/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSandbox, DEMO_CLIPDROP_KEY, DEMO_XIMILAR_TOKEN } from '../test/fakes/sandbox';

async function main() {
	const root = resolve(__dirname, '..');
	const outDir = join(root, 'demo-output');
	mkdirSync(outDir, { recursive: true });
	const s = await startSandbox({ clipdrop: 0, ximilar: 0 });
	const env = {
		...process.env,
		CLIPDROP_BASE_URL: s.clipdrop.url,
		CLIPDROP_API_KEY: DEMO_CLIPDROP_KEY,
		XIMILAR_BASE_URL: s.ximilar.url,
		XIMILAR_API_TOKEN: DEMO_XIMILAR_TOKEN,
	};
	const sample = join(root, 'test/fixtures/sample.jpg');
	const photo = join(root, 'test/fixtures/chelsea.jpg');
	const noKeys = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CLIPDROP|XIMILAR)_/.test(k)));
	const runs: Array<[string, string[], NodeJS.ProcessEnv]> = [
		['Local engine (no key, no network): AI model, 4x', [photo, '--scale', '4', '--output', join(outDir, 'local-ai-4x.jpg')], noKeys],
		['Local engine, fast mode (Lanczos3), 4x', [photo, '--scale', '4', '--fast', '--output', join(outDir, 'local-fast-4x.jpg')], noKeys],
		['Clipdrop (local fake), sync, 2x', [sample, '--provider', 'clipdrop', '--scale', '2', '--output', join(outDir, 'clipdrop-sync-2x.jpg')], env],
		['Clipdrop (local fake), async, detailed, 1600 px wide', [sample, '--provider', 'clipdrop', '--strategy', 'detailed', '--width', '1600', '--output', join(outDir, 'clipdrop-async-1600.jpg')], env],
		['Ximilar (local fake), async, 4x, PNG', [sample, '--provider', 'ximilar', '--scale', '4', '--format', 'png', '--output', join(outDir, 'ximilar-async-4x.png')], env],
	];
	try {
		for (const [label, args, runEnv] of runs) {
			process.stdout.write(`\n== ${label}\n$ upscale ${args.join(' ').replaceAll(root + '/', '')} --force\n`);
			// The CLI runs asynchronously in a child so the fakes (in this process) keep answering.
			await new Promise<void>((ok, fail) => {
				const child = execFile(process.execPath, [join(root, 'dist/cli/main.js'), ...args, '--force'], { env: runEnv }, (err) => (err ? fail(err) : ok()));
				child.stdout?.pipe(process.stdout);
				child.stderr?.pipe(process.stderr);
			});
		}
		process.stdout.write(`\nDone: the results are in ${outDir}. With real keys, drop the *_BASE_URL variables and run the same commands.\n`);
	} finally {
		await s.stop();
	}
}

main().catch((e) => {
	process.stderr.write(`demo failed: ${(e as Error).message}\n`);
	process.exit(1);
});
