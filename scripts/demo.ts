/**
 * `npm run demo`: the quickest proof that everything works, with no keys and no network.
 * Starts the Clipdrop and Ximilar fakes on free local ports, upscales the sample image through the real CLI
 * with each vendor (sync and async), and writes the results to ./demo-output/.
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
	const runs: Array<[string, string[]]> = [
		['Clipdrop, sync, 2x', ['--provider', 'clipdrop', '--scale', '2', '--output', join(outDir, 'clipdrop-sync-2x.jpg')]],
		['Clipdrop, async, detailed, 1600 px wide', ['--provider', 'clipdrop', '--strategy', 'detailed', '--width', '1600', '--output', join(outDir, 'clipdrop-async-1600.jpg')]],
		['Ximilar, async, 4x, PNG', ['--provider', 'ximilar', '--scale', '4', '--format', 'png', '--output', join(outDir, 'ximilar-async-4x.png')]],
	];
	try {
		for (const [label, args] of runs) {
			process.stdout.write(`\n== ${label}\n$ upscale test/fixtures/sample.jpg ${args.join(' ').replaceAll(root + '/', '')} --force\n`);
			// The CLI runs asynchronously in a child so the fakes (in this process) keep answering.
			await new Promise<void>((ok, fail) => {
				const child = execFile(process.execPath, [join(root, 'dist/cli/main.js'), sample, ...args, '--force'], { env }, (err) => (err ? fail(err) : ok()));
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
