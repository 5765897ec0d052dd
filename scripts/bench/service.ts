/**
 * `npm run bench`, the job service's section: `upscale serve` (the built CLI, as a user starts it) against the
 * Clipdrop fake. (1) 120 jobs through the API at the vendor's limit (scaled 10×: 60 requests per 6 s): wall time ÷
 * the floor the limit allows, and 429s. (2) p99 latency of POST /v1/jobs answered 202 under 50 concurrent clients,
 * 1 MB uploads. (3) the server's peak RSS while 20 clients upload 30 MB each at once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { ClipdropFake } from '../../test/fakes/clipdrop';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const KEY = 'bench-clipdrop-key-000000';
const CLIENT = 'bench-client-key-0123456789';

export interface Row {
	measure: string;
	ours: string;
	naive: string;
	goal: string;
	met: boolean | null;
}

const pct = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function serve(env: Record<string, string>) {
	const dataDir = mkdtempSync(join(tmpdir(), 'bench-serve-'));
	const proc = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH, PORT: '0', UPSCALE_DATA_DIR: dataDir, UPSCALE_API_KEYS: CLIENT, UPSCALE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
	let err = '';
	proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
	for (let i = 0; i < 300 && !/listening on http/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
	const url = /listening on (http:\/\/\S+)/.exec(err)?.[1];
	if (!url) throw new Error(`upscale serve did not start: ${err}`);
	const memory = (field: 'VmHWM' | 'VmRSS') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
	return {
		url,
		memory,
		stop: () => new Promise<void>((r) => (proc.kill('SIGTERM'), proc.once('exit', () => r()))),
	};
}

async function post(url: string, image: Buffer, fields: Record<string, string>): Promise<{ status: number; ms: number; id?: string }> {
	const body = new FormData();
	for (const [k, v] of Object.entries(fields)) body.append(k, v);
	body.append('image', new Blob([image], { type: 'image/jpeg' }), 'photo.jpg');
	const t0 = performance.now();
	const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT}` }, body });
	const json = (await res.json()) as { id?: string };
	return { status: res.status, ms: performance.now() - t0, id: json.id };
}

async function waitAll(url: string, ids: string[]): Promise<void> {
	for (const id of ids) {
		for (;;) {
			const r = await request(`${url}/v1/jobs/${id}?wait=20`, { headers: { authorization: `Bearer ${CLIENT}` } });
			const job = (await r.body.json()) as { status: string };
			if (['succeeded', 'failed', 'canceled'].includes(job.status)) {
				if (job.status !== 'succeeded') throw new Error(`job ${id} ${job.status}`);
				break;
			}
		}
	}
}

/** 120 jobs at the vendor's limit. */
async function atTheLimit(push: (r: Row) => void, raw: Record<string, unknown>) {
	const jobs = 120;
	const limit = { requests: 60, windowMs: 6000 };
	const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: limit, taskDurationMs: 100, workers: 32 });
	await fake.start();
	const s = await serve({ CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: fake.url, CLIPDROP_RATE_LIMIT: '60/6s' });
	const image = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
	const t0 = Date.now();
	const answers = await Promise.all(Array.from({ length: jobs }, () => post(s.url, image, { provider: 'clipdrop', scale: '2' })));
	await waitAll(s.url, answers.map((a) => a.id!));
	const ms = Date.now() - t0;
	const api = fake.requests.filter((r) => r.route !== 'download');
	const r429 = api.filter((r) => r.status === 429).length;
	// Async (as the service prefers): submit + one status + result per job; the first 60 fit in the first window.
	const minRequests = jobs * 3;
	const floor = ((minRequests - limit.requests) / limit.requests) * limit.windowMs;
	await s.stop();
	await fake.stop();
	raw.serviceBatch = { jobs, ms, requests: api.length, r429, floorMs: floor, accepted: answers.filter((a) => a.status === 202).length };
	push({
		measure: `job service: 120 Clipdrop jobs through POST /v1/jobs at 60 req/6 s: wall time ÷ floor, 429s`,
		ours: `${(ms / floor).toFixed(2)}× (${(ms / 1000).toFixed(1)} s / ${(floor / 1000).toFixed(1)} s, ${api.length} requests), ${r429} × 429`,
		naive: '—',
		goal: '≤ 1.10×, 0 × 429',
		met: ms / floor <= 1.1 && r429 === 0,
	});
}

/** POST latency under 50 concurrent clients, 1 MB uploads. */
async function postLatency(push: (r: Row) => void, raw: Record<string, unknown>) {
	const fake = new ClipdropFake({ keys: { [KEY]: 1_000_000 }, rateLimit: false, taskDurationMs: 100, workers: 32 });
	await fake.start();
	const s = await serve({ CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: fake.url, UPSCALE_MAX_JOBS_PER_KEY: '100000', UPSCALE_MAX_JOBS: '100000' });
	// About 1 MB: a noisy photo-sized JPEG.
	const w = 1000;
	const h = 800;
	const image = await sharp(randomBytes(w * h * 3), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
	const clients = 50;
	const each = 8;
	const latencies: number[] = [];
	const statuses: Record<number, number> = {};
	await Promise.all(Array.from({ length: 3 }, () => post(s.url, image, { provider: 'clipdrop', scale: '2' }))); // warm-up
	await Promise.all(
		Array.from({ length: clients }, async () => {
			for (let i = 0; i < each; i++) {
				const a = await post(s.url, image, { provider: 'clipdrop', scale: '2' });
				statuses[a.status] = (statuses[a.status] ?? 0) + 1;
				if (a.status === 202) latencies.push(a.ms);
			}
		}),
	);
	await s.stop();
	await fake.stop();
	const p50 = pct(latencies, 50);
	const p99 = pct(latencies, 99);
	raw.servicePost = { clients, requests: clients * each, bytes: image.length, statuses, p50, p99 };
	push({
		measure: `job service: POST /v1/jobs answered 202, ${clients} concurrent clients, ${(image.length / 1e6).toFixed(2)} MB uploads: p50 / p99`,
		ours: `${p50.toFixed(1)} ms / ${p99.toFixed(1)} ms (${latencies.length} × 202)`,
		naive: '—',
		goal: 'p99 < 50 ms',
		met: p99 < 50 && latencies.length === clients * each,
	});
}

/** Peak RSS while 20 clients upload 30 MB each. */
async function bigUploads(push: (r: Row) => void, raw: Record<string, unknown>) {
	const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: false, taskDurationMs: 100, workers: 32 });
	await fake.start();
	// Jobs are accepted and checked, then canceled: this measures the uploads, not the vendor.
	const s = await serve({ CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: fake.url, UPSCALE_CONCURRENCY: '1' });
	// Random pixels barely compress: about 28 MB of JPEG, just under the 30 MB cap.
	let side = 4500;
	let image = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
	while (image.length > 30 * 1024 * 1024) {
		side -= 200;
		image = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
	}
	const uploads = 20;
	const baseline = s.memory('VmRSS');
	const answers = await Promise.all(Array.from({ length: uploads }, () => post(s.url, image, { provider: 'clipdrop', width: String(side + 100) })));
	const peak = s.memory('VmHWM');
	await s.stop();
	await fake.stop();
	const inFlight = uploads * image.length;
	raw.serviceUploads = { uploads, bytes: image.length, statuses: answers.map((a) => a.status), baseline, peak };
	push({
		measure: `job service: ${uploads} concurrent ${(image.length / 1048576).toFixed(1)} MB uploads (${(inFlight / 1e6).toFixed(0)} MB in flight): peak RSS of the server`,
		ours: `${(peak / 1e6).toFixed(0)} MB (${(peak / inFlight).toFixed(2)}× the bytes in flight; ${(baseline / 1e6).toFixed(0)} MB before; ${answers.filter((a) => a.status === 202).length} × 202)`,
		naive: '—',
		goal: '≤ 2× the bytes in flight',
		met: peak <= 2 * inFlight && answers.every((a) => a.status === 202),
	});
}

export async function serviceBench(push: (r: Row) => void, raw: Record<string, unknown>): Promise<void> {
	await atTheLimit(push, raw);
	await postLatency(push, raw);
	await bigUploads(push, raw);
}
