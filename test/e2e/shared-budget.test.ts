/**
 * REDIS_URL as a user sets it: several `upscale` processes on one Clipdrop key, started at once. Each alone keeps
 * to the key's limit, so together they exceed it and the vendor answers 429; with REDIS_URL they share one budget
 * and it never does. Then what a user sees when REDIS_URL is malformed or Redis is down: a clear refusal, nothing
 * sent, no password repeated.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClipdropFake } from '../fakes/clipdrop';
import { runCli, tempDir } from '../helpers/cli';
import { startRedis, type RedisServer } from '../helpers/redis';
import { call, finished, form, startService, startWorker } from '../helpers/service';

jest.setTimeout(120_000);

const KEY = 'cd-shared-budget-key-0123456789';
const SAMPLE = resolve(__dirname, '../fixtures/sample.jpg');
let redis: RedisServer;
let fake: ClipdropFake;

beforeAll(async () => {
	redis = await startRedis();
	fake = new ClipdropFake({ keys: { [KEY]: 10_000 }, rateLimit: { requests: 4, windowMs: 1000 } });
	await fake.start();
});
afterAll(async () => {
	await fake.stop();
	await redis.stop();
});
beforeEach(() => fake.reset());

const env = (extra: Record<string, string> = {}) => ({ CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: fake.url, CLIPDROP_RATE_LIMIT: '4/1s', ...extra });

/** Eight processes at once, one sync upscale each. */
async function eightAtOnce(extra: Record<string, string> = {}) {
	const dir = tempDir();
	const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runCli([SAMPLE, '--provider', 'clipdrop', '--scale', '2', '--sync', '-o', join(dir, `out-${i}.jpg`), '--quiet'], env(extra))));
	return { codes: runs.map((r) => r.code), r429: fake.requests.filter((q) => q.status === 429).length, sent: fake.requests.filter((q) => q.route === 'sync' && q.status === 200).length };
}

test('without REDIS_URL each process keeps its own budget: together they exceed the key\'s limit (429s)', async () => {
	const r = await eightAtOnce();
	expect(r.r429).toBeGreaterThan(0);
});

test('with REDIS_URL the processes share one budget: every job done, 0 × 429', async () => {
	const r = await eightAtOnce({ REDIS_URL: redis.url });
	expect(r).toEqual({ codes: Array(8).fill(0), r429: 0, sent: 8 });
});

test('the job service (a fleet: its API and a worker) and CLI runs on one key share the budget through REDIS_URL: 0 × 429', async () => {
	const client = 'shared-budget-client-key-0123';
	const s = await startService({ ...env({ REDIS_URL: redis.url }), UPSCALE_API_KEYS: client, UPSCALE_ALLOW_PRIVATE_URLS: '1' });
	const w = await startWorker({ ...env({ REDIS_URL: redis.url }), UPSCALE_API_KEYS: client, UPSCALE_ALLOW_PRIVATE_URLS: '1' }, s.dataDir);
	try {
		expect(s.output()).toMatch(/one of a fleet: jobs on Redis at 127\.0\.0\.1:\d+/);
		const sample = readFileSync(SAMPLE);
		const dir = tempDir();
		const [posted, runs] = await Promise.all([
			Promise.all(Array.from({ length: 6 }, () => call(s.url, client, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: sample })))),
			Promise.all(Array.from({ length: 4 }, (_, i) => runCli([SAMPLE, '--provider', 'clipdrop', '--scale', '2', '--sync', '-o', join(dir, `cli-${i}.jpg`), '--quiet'], env({ REDIS_URL: redis.url })))),
		]);
		const jobs = await Promise.all(posted.map((p) => finished(s.url, client, p.body.id)));
		expect(jobs.map((j) => j.status)).toEqual(Array(6).fill('succeeded'));
		expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
		expect(fake.requests.filter((q) => q.status === 429)).toHaveLength(0);
		expect(s.output() + w.output()).not.toContain('redis://');
	} finally {
		await Promise.all([s.kill(), w.kill()]);
	}
});

test('a malformed REDIS_URL is refused before anything is sent', async () => {
	const r = await runCli([SAMPLE, '--provider', 'clipdrop'], env({ REDIS_URL: 'http://user:hunter2@redis.internal' }));
	expect(r.code).toBe(2);
	expect(r.stderr).toContain('REDIS_URL must be a redis:// or rediss:// URL');
	expect(r.stderr).not.toContain('hunter2');
	expect(fake.requests).toHaveLength(0);
});

test('Redis down: the job fails saying so, nothing sent, no password repeated', async () => {
	const r = await runCli([SAMPLE, '--provider', 'clipdrop', '-o', join(tempDir(), 'x.jpg')], env({ REDIS_URL: 'redis://:hunter2@127.0.0.1:1' }));
	expect(r.code).toBe(2);
	expect(r.stderr).toContain('Clipdrop: the shared request budget could not be reached (Redis at 127.0.0.1:1 is unreachable: start it, or unset REDIS_URL to let this process keep its own budget); nothing was sent');
	expect(r.stderr).not.toContain('hunter2');
	expect(fake.requests).toHaveLength(0);
});
