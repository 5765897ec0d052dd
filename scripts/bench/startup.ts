/**
 * `npm run bench`, the start-up section: how much of a short command is starting up. Bare `node -e 0`, `upscale
 * --help`, and a 32×32 image ×4 on the local engine (ONNX Runtime; the graph cache warm, and once without it),
 * each run as a user runs them (a new process, the built CLI), interleaved, 15 times; medians, and the ratio of each
 * to `node -e 0` measured in the same run (the machine's speed cancels out). Goals: --help ≤ 1.5×, the job ≤ 3×.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Row } from './service';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const RUNS = 15;

function wallMs(args: string[], env: NodeJS.ProcessEnv = process.env): number {
	const t = process.hrtime.bigint();
	const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
	const ms = Number(process.hrtime.bigint() - t) / 1e6;
	if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(0, 300)}`);
	return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function startupBench(push: (r: Row) => void, raw: Record<string, unknown>): Promise<void> {
	const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
	const image = join(dir, 'in.png');
	await sharp({ create: { width: 32, height: 32, channels: 3, background: '#48a' } }).png().toFile(image);
	const job = (env?: NodeJS.ProcessEnv) => wallMs([CLI, image, '--provider', 'local', '--scale', '4', '--output', join(dir, 'out.png'), '--force', '--quiet'], env);
	const cache = join(dir, 'cache');
	const warmEnv = { ...process.env, UPSCALE_CACHE_DIR: cache, UPSCALE_LOCAL_BACKEND: 'onnx' };
	const coldEnv = { ...process.env, UPSCALE_CACHE_DIR: 'off', UPSCALE_LOCAL_BACKEND: 'onnx' };
	job(warmEnv); // fills the graph cache, and the OS's file cache for every run below
	const t = { node: [] as number[], help: [] as number[], job: [] as number[], nocache: [] as number[] };
	for (let i = 0; i < RUNS; i++) {
		t.node.push(wallMs(['-e', '0']));
		t.help.push(wallMs([CLI, '--help']));
		t.job.push(job(warmEnv));
		t.nocache.push(job(coldEnv));
	}
	const m = { node: median(t.node), help: median(t.help), job: median(t.job), nocache: median(t.nocache) };
	raw.startup = { runs: RUNS, ...t, medians: m };
	const ratio = (x: number) => x / m.node;
	push({
		measure: `start-up: \`upscale --help\`, median of ${RUNS} runs, ÷ bare \`node -e 0\` (${m.node.toFixed(0)} ms) in the same run`,
		ours: `${ratio(m.help).toFixed(2)}× (${m.help.toFixed(0)} ms)`,
		naive: '3.2× before (everything loaded for every command)',
		goal: '≤ 1.5×',
		met: ratio(m.help) <= 1.5,
	});
	push({
		measure: `start-up: a 32×32 image ×4 on the local engine (ONNX Runtime), the whole CLI run, median of ${RUNS}, ÷ \`node -e 0\``,
		ours: `${ratio(m.job).toFixed(2)}× (${m.job.toFixed(0)} ms); without the graph cache ${ratio(m.nocache).toFixed(2)}× (${m.nocache.toFixed(0)} ms)`,
		naive: '8.5× before (the graph converted and a worker started for every run)',
		goal: '≤ 3×',
		met: ratio(m.job) <= 3,
	});
}
