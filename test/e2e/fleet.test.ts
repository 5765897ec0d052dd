/**
 * The job service as a fleet (REDIS_URL), with real processes as a user starts them: `upscale serve` instances
 * holding no job state and `upscale worker` processes running the jobs, on a real redis-server (append-only file
 * on) and the strict Clipdrop fake at its documented limit (scaled: 60 requests per 6 s). Every job delivered,
 * 0 × 429, exactly one submit per job — also when a worker and an API instance are SIGKILLed mid-run, and when
 * Redis restarts mid-run. (Wall time against the limit's floor is the bench's fleet row: no timed assertions here.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { ClipdropFake } from '../fakes/clipdrop';
import { tempDir } from '../helpers/cli';
import { startRedis, type RedisServer } from '../helpers/redis';
import { Webhook } from 'standardwebhooks';
import { call, createKey, form, Receiver, startService, startWorker, type Service } from '../helpers/service';

jest.setTimeout(300_000);

const KEY = 'cd-fleet-key-0123456789abcdef';
const CLIENT = 'fleet-client-key-0123456789';
const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
let redis: RedisServer;
let fake: ClipdropFake;
const started: Array<{ kill(signal?: NodeJS.Signals): Promise<number | null> }> = [];

beforeAll(async () => {
	redis = await startRedis({ aof: true });
	fake = new ClipdropFake({ keys: { [KEY]: 1_000_000 }, rateLimit: { requests: 60, windowMs: 6000 }, taskDurationMs: 1500, workers: 64 });
	await fake.start();
});
afterAll(async () => {
	await fake?.stop();
	await redis?.stop();
});
beforeEach(async () => {
	fake.reset();
	const r = new Redis(redis.url);
	await r.flushall();
	r.disconnect();
});
afterEach(async () => {
	await Promise.all(started.splice(0).map((p) => p.kill('SIGKILL')));
});

const env = {
	CLIPDROP_API_KEY: KEY,
	CLIPDROP_RATE_LIMIT: '60/6s',
	UPSCALE_API_KEYS: CLIENT,
	UPSCALE_ALLOW_PRIVATE_URLS: '1',
	UPSCALE_WORKER_LOCK: '3s',
	UPSCALE_WEBHOOK_RETRY: '1s',
	UPSCALE_LOG_LEVEL: 'info',
};

async function fleet(apis: number, workers: number, dataDir = tempDir()) {
	const e = { ...env, CLIPDROP_BASE_URL: fake.url, REDIS_URL: redis.url };
	const a: Service[] = await Promise.all(Array.from({ length: apis }, () => startService(e, dataDir)));
	const w = await Promise.all(Array.from({ length: workers }, () => startWorker(e, dataDir)));
	started.push(...a, ...w);
	return { apis: a, workers: w };
}

async function submit(apis: Service[], n: number): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < n; i++) {
		const r = await call(apis[i % apis.length].url, CLIENT, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect(r.status).toBe(202);
		ids.push(r.body.id);
	}
	return ids;
}

/** Polls every job through the given instances until all have finished; their final views. */
async function allFinished(apis: () => Service[], ids: string[], timeoutMs = 240_000): Promise<Array<Record<string, any>>> {
	const until = Date.now() + timeoutMs;
	const done = new Map<string, Record<string, any>>();
	let turn = 0;
	while (done.size < ids.length) {
		if (Date.now() > until) throw new Error(`${ids.length - done.size} jobs did not finish`);
		for (const id of ids.filter((x) => !done.has(x))) {
			const live = apis();
			const r = await call(live[turn++ % live.length].url, CLIENT, 'GET', `/v1/jobs/${id}`);
			if (['succeeded', 'failed', 'canceled'].includes(r.body.status)) done.set(id, r.body);
		}
		await new Promise((r) => setTimeout(r, 300));
	}
	return ids.map((id) => done.get(id)!);
}

const submits = () => fake.requests.filter((q) => q.route === 'async' && q.status === 200).length;
const throttled = () => fake.requests.filter((q) => q.status === 429).length;

test('2 API instances + 3 workers, 120 jobs on one key at its limit: every job delivered, from any instance; 0 × 429; one submit per job', async () => {
	const f = await fleet(2, 3);
	expect(f.apis[0].output()).toMatch(/one of a fleet: jobs on Redis at 127\.0\.0\.1:\d+, run by `upscale worker` processes/);
	const ids = await submit(f.apis, 120);
	// Any instance answers for any job, while it runs too.
	const early = await call(f.apis[1].url, CLIENT, 'GET', `/v1/jobs/${ids[0]}`);
	expect(early.body.id).toBe(ids[0]);
	const jobs = await allFinished(() => f.apis, ids);
	expect(jobs.map((j) => j.status)).toEqual(Array(120).fill('succeeded'));
	expect(throttled()).toBe(0);
	expect(submits()).toBe(120);
	// The result is on the shared volume: either instance serves it.
	for (const api of f.apis) {
		const r = await call(api.url, CLIENT, 'GET', `/v1/jobs/${ids[5]}/result`);
		expect([r.status, r.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
	}
	const list = await call(f.apis[0].url, CLIENT, 'GET', '/v1/jobs?limit=100&status=succeeded');
	expect(list.body.data).toHaveLength(100);
	expect(f.workers.map((w) => w.output()).join('')).not.toContain(KEY);
});

test('a worker and an API instance SIGKILLed mid-run: every job delivered, one submit per job, the killed worker\'s tasks resumed', async () => {
	const f = await fleet(2, 3);
	const ids = await submit(f.apis, 60);
	// Kill once every job is with the vendor (the first window takes all 60 submits) and most are still running: the
	// killed worker's jobs must be resumed by the others from their stored task ids, never submitted again. (A job
	// whose submit is in flight at the kill has no task id yet; it fails saying the vendor may have charged: the
	// service tests cover that message.)
	for (;;) {
		const page = await call(f.apis[1].url, CLIENT, 'GET', '/v1/jobs?limit=100');
		if (page.body.data.filter((j: { vendor_task_id: string | null }) => j.vendor_task_id).length === 60) break;
		await new Promise((r) => setTimeout(r, 20));
	}
	await f.workers[0].kill('SIGKILL');
	await f.apis[0].kill('SIGKILL');
	const jobs = await allFinished(() => [f.apis[1]], ids);
	expect(jobs.map((j) => j.status)).toEqual(Array(60).fill('succeeded'));
	expect(submits()).toBe(60);
	expect(throttled()).toBe(0);
	// The surviving workers resumed the killed one's tasks.
	expect(f.workers.slice(1).map((w) => w.output()).join('')).toMatch(/"msg":"took over a job".*"outcome":"resumed"/);
});

test('Redis restarted mid-run (append-only file on): every job delivered, one submit per job', async () => {
	const f = await fleet(1, 2);
	const ids = await submit(f.apis, 40);
	while (submits() < 10) await new Promise((r) => setTimeout(r, 100));
	await redis.restart(1000);
	const jobs = await allFinished(() => f.apis, ids);
	expect(jobs.map((j) => j.status)).toEqual(Array(40).fill('succeeded'));
	expect(submits()).toBe(40);
});

test('a cancel is final (its worker stops, no result overwrites it); a worker without REDIS_URL says what it is for', async () => {
	const f = await fleet(1, 1);
	const [id] = await submit(f.apis, 1);
	const c = await call(f.apis[0].url, CLIENT, 'DELETE', `/v1/jobs/${id}`);
	expect(c.body).toMatchObject({ status: 'canceled', cancel: { message: expect.stringMatching(/^Canceled/) } });
	await new Promise((r) => setTimeout(r, 3000));
	expect((await call(f.apis[0].url, CLIENT, 'GET', `/v1/jobs/${id}`)).body.status).toBe('canceled');
	expect(f.workers[0].output()).not.toMatch(new RegExp(`"msg":"job succeeded".*"job":"${id}"`));
	await expect(startWorker({ ...env, CLIPDROP_BASE_URL: fake.url }, tempDir())).rejects.toThrow(/REDIS_URL is not set\. A worker runs the jobs of a fleet/);
});

test('a run whose job another run took over writes nothing more (fencing): its result is not written over the other run', async () => {
	const f = await fleet(1, 1);
	fake.opts.taskDurationMs = 3000;
	try {
		const [id] = await submit(f.apis, 1);
		for (;;) {
			if ((await call(f.apis[0].url, CLIENT, 'GET', `/v1/jobs/${id}`)).body.vendor_task_id) break;
			await new Promise((r) => setTimeout(r, 20));
		}
		// What a second worker does when it takes over a job whose claim lapsed (a Redis outage longer than the lock).
		const r = new Redis(redis.url);
		await r.hset(`upscale:job:${id}`, 'holder', 'run_other');
		r.disconnect();
		for (let i = 0; i < 200 && !/job taken over by another run/.test(f.workers[0].output()); i++) await new Promise((res) => setTimeout(res, 50));
		expect(f.workers[0].output()).toMatch(new RegExp(`"msg":"job taken over by another run: this one stopped".*"job":"${id}"`));
		expect((await call(f.apis[0].url, CLIENT, 'GET', `/v1/jobs/${id}`)).body.status).toBe('running');
	} finally {
		fake.opts.taskDurationMs = 1500;
	}
});

test("webhooks: sent by a worker, signed with the key's secret, retried by any worker after a failure, delivered once; its download_url works on the API instances", async () => {
	const dataDir = tempDir();
	const key = await createKey(dataDir, 'fleet-hooks');
	const receiver = await new Receiver().start();
	receiver.statuses = [500];
	try {
		const f = await fleet(1, 2, dataDir);
		const r = await call(f.apis[0].url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, webhook_url: receiver.url }, { bytes: SAMPLE }));
		expect(r.status).toBe(202);
		const got = await receiver.waitFor(2, 60_000);
		await new Promise((res) => setTimeout(res, 2500));
		expect(receiver.received).toHaveLength(2);
		expect(got[0].headers['webhook-id']).toBe(got[1].headers['webhook-id']);
		const payload = new Webhook(key.webhook_secret).verify(got[1].body, got[1].headers as Record<string, string>) as { type: string; data: { id: string; status: string; download_url: string } };
		expect(payload).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id, status: 'succeeded' } });
		const view = await call(f.apis[0].url, key.key, 'GET', `/v1/jobs/${r.body.id}`);
		expect(view.body.webhook).toMatchObject({ status: 'delivered', attempts: [{ status_code: 500 }, { status_code: 200 }] });
		// The worker signed the webhook's download_url with the data directory's secret: an API instance serves it,
		// with no header, and it is the link the API's own view gives.
		const signed = new URL(payload.data.download_url);
		expect(signed.pathname + signed.search).toBe(new URL(view.body.download_url).pathname + new URL(view.body.download_url).search);
		const bare = await fetch(`${f.apis[0].url}${signed.pathname}${signed.search}`);
		expect([bare.status, bare.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
	} finally {
		await receiver.stop();
	}
});
