/**
 * The bench's fleet section: the job service as a fleet (REDIS_URL) of real processes — `upscale serve` instances
 * and `upscale worker` processes, as a user starts them — on a real redis-server.
 * - Vendor jobs: 2 API instances + 3 workers, 120 Clipdrop jobs on one key at 60 requests per 6 s (the strict fake):
 *   wall time ÷ the floor the limit imposes on the requests made, 429s, p50/p99 job latency (created → finished).
 * - The local engine, which is CPU-bound: the same 8 jobs run by 1, 2 and 3 workers (one model thread each), jobs
 *   per second. This machine has 2 cores, so workers past 2 can only share them: the row says so.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClipdropFake } from '../../test/fakes/clipdrop';
import { tempDir } from '../../test/helpers/cli';
import { call, form, startService, startWorker, type Service } from '../../test/helpers/service';
import type { RedisServer } from '../../test/helpers/redis';
import type { Row } from './service';
import { pct } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const CLIENT = 'bench-fleet-client-key-0123456789';

async function runFleet(o: { redis: RedisServer; env: Record<string, string>; apis: number; workers: number; jobs: number; fields: Record<string, string | number | boolean>; image: Buffer }) {
	const dataDir = tempDir();
	const env = { ...o.env, REDIS_URL: o.redis.url, UPSCALE_API_KEYS: CLIENT, UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_LOG_LEVEL: 'warn' };
	const apis: Service[] = await Promise.all(Array.from({ length: o.apis }, () => startService(env, dataDir)));
	const workers = await Promise.all(Array.from({ length: o.workers }, () => startWorker(env, dataDir)));
	try {
		const started = Date.now();
		const ids: string[] = [];
		await Promise.all(
			Array.from({ length: o.jobs }, async (_, i) => {
				const r = await call(apis[i % apis.length].url, CLIENT, 'POST', '/v1/jobs', form(o.fields, { bytes: o.image }));
				if (r.status !== 202) throw new Error(`POST /v1/jobs answered ${r.status}: ${JSON.stringify(r.body)}`);
				ids.push(r.body.id);
			}),
		);
		const done = new Map<string, { status: string; created_at: string; finished_at: string }>();
		let turn = 0;
		while (done.size < ids.length) {
			for (const id of ids.filter((x) => !done.has(x))) {
				const r = await call(apis[turn++ % apis.length].url, CLIENT, 'GET', `/v1/jobs/${id}`);
				if (['succeeded', 'failed', 'canceled'].includes(r.body.status)) done.set(id, r.body);
			}
			if (done.size < ids.length) await new Promise((r) => setTimeout(r, 200));
		}
		const jobs = [...done.values()];
		const latencies = jobs.map((j) => Date.parse(j.finished_at) - Date.parse(j.created_at)).sort((a, b) => a - b);
		const ended = Math.max(...jobs.map((j) => Date.parse(j.finished_at)));
		return { started, ended, ms: ended - started, ok: jobs.filter((j) => j.status === 'succeeded').length, p50: pct(latencies, 50), p99: pct(latencies, 99) };
	} finally {
		await Promise.all([...apis, ...workers].map((p) => p.kill('SIGTERM')));
	}
}

export async function fleetBench(push: (r: Row) => void, raw: Record<string, unknown>, redis: RedisServer): Promise<void> {
	const key = 'bench-fleet-vendor-key-0123456789';
	const rate = { requests: 60, windowMs: 6000 };
	const fake = new ClipdropFake({ keys: { [key]: 1_000_000 }, rateLimit: rate, taskDurationMs: 1500, workers: 64 });
	await fake.start();
	const sample = readFileSync(join(ROOT, 'test/fixtures/sample.jpg'));
	const jobs = 120;
	const vendor = await runFleet({ redis, env: { CLIPDROP_API_KEY: key, CLIPDROP_BASE_URL: fake.url, CLIPDROP_RATE_LIMIT: '60/6s' }, apis: 2, workers: 3, jobs, fields: { provider: 'clipdrop', scale: 2 }, image: sample });
	// The requests the key's limit counts: the API's routes (a result's signed download is not one).
	const limited = fake.requests.filter((q) => q.status !== 429 && q.route !== 'download');
	const counted = limited.length;
	// Wall time from the first request the limit counts to the last job's end (the uploads to the API before it are
	// the API's, not the limit's).
	const first = Math.min(...limited.map((q) => q.at));
	const wall = vendor.ended - first;
	const perWindow: number[] = [];
	for (const q of limited) perWindow[Math.floor((q.at - first) / rate.windowMs)] = (perWindow[Math.floor((q.at - first) / rate.windowMs)] ?? 0) + 1;
	log(`fleet: requests per ${rate.windowMs / 1000} s window: ${perWindow.join(' ')}`);
	const r429 = fake.requests.filter((q) => q.status === 429).length;
	const submits = fake.requests.filter((q) => q.route === 'async' && q.status === 200).length;
	await fake.stop();
	// The first window's requests go at once; each later window takes `requests` more.
	const floor = ((counted - rate.requests) / rate.requests) * rate.windowMs;
	log(`fleet: ${jobs} Clipdrop jobs, 2 API + 3 workers: ${wall} ms from the first vendor request (${vendor.ms} ms from the first upload; floor ${floor} ms for ${counted} requests), ${r429} × 429, ${submits} submits, p99 ${vendor.p99} ms`);
	push({
		measure: `job service as a fleet (REDIS_URL): 2 API instances + 3 workers × ${jobs} Clipdrop jobs on one key at 60 req/6 s: wall ÷ floor, 429s, submits, job latency p50 / p99`,
		ours: `${(wall / floor).toFixed(2)}× (${(wall / 1000).toFixed(1)} s / ${(floor / 1000).toFixed(1)} s for ${counted} requests), ${r429} × 429, ${submits} submits for ${vendor.ok}/${jobs} delivered, ${(vendor.p50 / 1000).toFixed(1)} s / ${(vendor.p99 / 1000).toFixed(1)} s`,
		naive: '—',
		goal: '≤ 1.10×, 0 × 429, submits = jobs',
		met: wall / floor <= 1.1 && r429 === 0 && submits === jobs && vendor.ok === jobs,
	});

	const photo = readFileSync(join(ROOT, 'test/fixtures/chelsea.jpg'));
	const local: Record<number, { ms: number; perS: number }> = {};
	for (const workers of [1, 2, 3]) {
		const r = await runFleet({ redis, env: { UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_LOCAL_THREADS: '1' }, apis: 1, workers, jobs: 8, fields: { provider: 'local', scale: 2 }, image: photo });
		local[workers] = { ms: r.ms, perS: 8 / (r.ms / 1000) };
		log(`fleet: 8 local jobs, ${workers} worker(s): ${r.ms} ms`);
	}
	raw.fleet = { vendor: { ...vendor, wall, floor, counted, r429, submits }, local };
	push({
		measure: 'job service as a fleet, the local engine (CPU-bound): 8 jobs (451×300 ×2), workers of one model thread each: jobs/s with 1 / 2 / 3 workers',
		ours: `${[1, 2, 3].map((w) => local[w].perS.toFixed(2)).join(' / ')} (${(local[2].perS / local[1].perS).toFixed(2)}× / ${(local[3].perS / local[1].perS).toFixed(2)}× one worker; this machine has 2 cores)`,
		naive: '—',
		goal: 'grows with workers while there are cores',
		met: local[2].perS / local[1].perS >= 1.5,
	});
}
