/**
 * `npm run demo`: the quickest proof that everything works, with no keys and no network.
 * First a real AI upscale of the shipped photo with the local engine (no configuration at all), then the
 * Clipdrop and Ximilar fakes on free local ports and the real CLI against each (sync and async), then the HTTP job
 * service (`upscale serve`) with one job through it. Results go to ./demo-output/.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from '../test/fakes/sandbox';

async function main() {
	const root = resolve(__dirname, '..');
	const outDir = join(root, 'demo-output');
	mkdirSync(outDir, { recursive: true });
	const s = await startSandbox({ clipdrop: 0, ximilar: 0 });
	const env = { ...process.env, ...s.env };
	const sample = join(root, 'test/fixtures/sample.jpg');
	const photo = join(root, 'test/fixtures/chelsea.jpg');
	const noKeys = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in s.env)));
	const runs: Array<[string, string[], NodeJS.ProcessEnv]> = [
		['Local engine (no key, no network): AI model, 4x', [photo, '--scale', '4', '--output', join(outDir, 'local-ai-4x.jpg')], noKeys],
		['Local engine, fast mode (bicubic), 4x', [photo, '--scale', '4', '--fast', '--output', join(outDir, 'local-fast-4x.jpg')], noKeys],
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
		await serviceDemo(root, outDir, env);
		process.stdout.write(`\nDone: the results are in ${outDir}. With real keys, drop the *_BASE_URL variables and run the same commands.\n`);
	} finally {
		await s.stop();
	}
}

/** The job service against the same fakes: a client key, `upscale serve`, one job through it, shown like curl. */
async function serviceDemo(root: string, outDir: string, env: NodeJS.ProcessEnv): Promise<void> {
	const cli = join(root, 'dist/cli/main.js');
	const dataDir = mkdtempSync(join(tmpdir(), 'upscale-demo-serve-'));
	process.stdout.write(`\n== The HTTP job service (upscale serve) against the Clipdrop fake\n$ upscale keys create --name demo\n`);
	const created = JSON.parse(execFileSync(process.execPath, [cli, 'keys', 'create', '--name', 'demo', '--json'], { env: { ...env, UPSCALE_DATA_DIR: dataDir } }).toString()) as { id: string; key: string };
	process.stdout.write(`Created ${created.id} (demo): key usk_… (shown once)\n$ upscale serve\n`);
	const server = spawn(process.execPath, [cli, 'serve'], { env: { ...env, PORT: '0', UPSCALE_DATA_DIR: dataDir, UPSCALE_LOG_LEVEL: 'warn' } });
	let log = '';
	server.stderr.on('data', (d: Buffer) => (log += d.toString()));
	try {
		for (let i = 0; i < 200 && !/listening on http/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
		const base = /listening on (http:\/\/\S+)/.exec(log)?.[1];
		if (!base) throw new Error(`upscale serve did not start: ${log}`);
		process.stdout.write(log);
		const show = (line: string) => process.stdout.write(`${line}\n`);
		show(`$ curl -s ${base}/v1/jobs -H 'Authorization: Bearer usk_…' -F image=@test/fixtures/sample.jpg -F provider=clipdrop -F scale=2 -F wait=20`);
		const body = new FormData();
		body.append('provider', 'clipdrop');
		body.append('scale', '2');
		body.append('wait', '20');
		body.append('image', new Blob([readFileSync(join(root, 'test/fixtures/sample.jpg'))], { type: 'image/jpeg' }), 'sample.jpg');
		const auth = { authorization: `Bearer ${created.key}` };
		const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: auth, body });
		const job = (await res.json()) as { id: string; status: string; execution: string; vendor_task_id: string; credits: unknown; output: { width: number; height: number }; result_url: string };
		show(`< HTTP ${res.status}`);
		show(JSON.stringify({ id: job.id, status: job.status, execution: job.execution, vendor_task_id: job.vendor_task_id, credits: job.credits, output: job.output, result_url: job.result_url }, null, 2));
		const out = join(outDir, 'service-clipdrop-2x.jpg');
		show(`$ curl -s ${job.result_url} -H 'Authorization: Bearer usk_…' -o ${out.replace(root + '/', '')}`);
		const img = await fetch(job.result_url, { headers: auth });
		writeFileSync(out, Buffer.from(await img.arrayBuffer()));
		show(`< HTTP ${img.status} ${img.headers.get('content-type')}, ${img.headers.get('content-length')} bytes`);
	} finally {
		server.kill('SIGTERM');
		await new Promise((r) => server.once('exit', r));
	}
}

main().catch((e) => {
	process.stderr.write(`demo failed: ${(e as Error).message}\n`);
	process.exit(1);
});
