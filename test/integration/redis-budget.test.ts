/**
 * The request budget shared through a real Redis (runtime/redis-budget.ts): budgets of different processes on one
 * key share one window, a request holds its place until its answer and for a window after it, a process that dies
 * mid-request gives its place back when its lease ends, a 429 seen by one pauses all, and no key is written to
 * Redis. Then through the core against the strict Clipdrop fake: two clients on one key each with its own budget
 * are refused with 429; the same two sharing the Redis budget are not.
 */
import Redis from 'ioredis';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { memoryState, UpscaleClient, type Grant } from '../../core';
import { nodePorts, nodeSleep, systemClock } from '../../runtime';
import { RedisBudget } from '../../runtime/redis-budget';
import { redisState } from '../../runtime/redis-state';
import { ClipdropFake } from '../fakes/clipdrop';
import { redisForSuite } from '../helpers/redis';

jest.setTimeout(60_000);

const redis = redisForSuite({ maxRetriesPerRequest: 1 }, 60_000);
/** One connection per simulated process: nothing is shared between them but Redis. */
const connect = () => redis.connect();
let scopeN = 0;
const scope = () => `clipdrop|http://vendor.test|key-${++scopeN}-${Date.now()}`;

/** How many times Redis ran EVAL and EVALSHA since its last CONFIG RESETSTAT (INFO commandstats). */
async function commandCalls(r: Redis): Promise<{ eval: number; evalsha: number }> {
	const info = await r.info('commandstats');
	const calls = (name: string) => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
	return { eval: calls('eval'), evalsha: calls('evalsha') };
}

/** Grants from several budgets, answered at once; returns when each was granted (ms since start) and by whom. */
async function grantTimes(budgets: RedisBudget[], each: number): Promise<Array<{ at: number; by: number }>> {
	const t0 = Date.now();
	const times: Array<{ at: number; by: number }> = [];
	await Promise.all(
		budgets.map(async (b, by) => {
			await Promise.all(
				Array.from({ length: each }, async () => {
					const g = await b.acquire(systemClock, nodeSleep);
					times.push({ at: Date.now() - t0, by });
					g.done();
				}),
			);
		}),
	);
	return times.sort((a, b) => a.at - b.at);
}

describe('RedisBudget', () => {
	test('budgets of three processes on one key share one window: never more than N in any window', async () => {
		const s = scope();
		const limits = { requests: 4, windowMs: 400 };
		const budgets = [0, 1, 2].map(() => new RedisBudget(connect(), s, limits));
		const times = await grantTimes(budgets, 6);
		expect(times).toHaveLength(18);
		for (let i = limits.requests; i < times.length; i++) expect(times[i].at - times[i - limits.requests].at).toBeGreaterThanOrEqual(limits.windowMs - 2);
		// All three processes got places (no one starves).
		expect(new Set(times.map((t) => t.by)).size).toBe(3);
		// Without sharing, each process alone would have let 4 go at once: 12 in the first window.
		expect(times.filter((t) => t.at < limits.windowMs - 50)).toHaveLength(4);
	});

	test('a request holds its place until its answer comes back, then for a full window', async () => {
		const s = scope();
		const limits = { requests: 2, windowMs: 300 };
		const a = new RedisBudget(connect(), s, limits);
		const b = new RedisBudget(connect(), s, limits);
		const t0 = Date.now();
		const held: Grant[] = [await a.acquire(systemClock, nodeSleep), await a.acquire(systemClock, nodeSleep)];
		let grantedAt = -1;
		const waiting = b.acquire(systemClock, nodeSleep).then((g) => {
			grantedAt = Date.now() - t0;
			g.done();
		});
		await nodeSleep(500); // both still in flight (a slow upload)
		expect(grantedAt).toBe(-1);
		const answeredAt = Date.now() - t0;
		held.forEach((g) => g.done());
		await waiting;
		expect(grantedAt).toBeGreaterThanOrEqual(answeredAt + limits.windowMs - 2);
	});

	test('a process that dies with a request in flight gives its place back when its lease ends', async () => {
		const s = scope();
		const limits = { requests: 1, windowMs: 200 };
		const doomed = connect();
		const a = new RedisBudget(doomed, s, limits, { leaseMs: 700 });
		await a.acquire(systemClock, nodeSleep); // never answered
		const t0 = Date.now();
		doomed.disconnect(); // the process is gone: no renewal, no done()
		const b = new RedisBudget(connect(), s, limits);
		await b.acquire(systemClock, nodeSleep);
		const waited = Date.now() - t0;
		// The lease (700 ms from the grant), then a full window: the vendor may have counted it as late as that.
		expect(waited).toBeGreaterThanOrEqual(700 + limits.windowMs - 50);
	});

	test('a request in flight longer than its lease keeps its place (the lease is renewed)', async () => {
		const s = scope();
		const limits = { requests: 1, windowMs: 100 };
		const a = new RedisBudget(connect(), s, limits, { leaseMs: 1500 });
		const g = await a.acquire(systemClock, nodeSleep);
		const b = new RedisBudget(connect(), s, limits);
		let got = false;
		const waiting = b.acquire(systemClock, nodeSleep).then((x) => ((got = true), x.done()));
		await nodeSleep(2500); // past the lease: renewed every 500 ms
		expect(got).toBe(false);
		g.done();
		await waiting;
		expect(got).toBe(true);
	});

	test("after a 429 one process's block holds every process on the key", async () => {
		const s = scope();
		const limits = { requests: 10, windowMs: 1000 };
		const a = new RedisBudget(connect(), s, limits);
		const b = new RedisBudget(connect(), s, limits);
		const t0 = Date.now();
		await a.blockUntil(Date.now() + 600);
		expect(await b.delayFor()).toBeGreaterThan(450);
		(await b.acquire(systemClock, nodeSleep)).done();
		expect(Date.now() - t0).toBeGreaterThanOrEqual(590);
	});

	test('the scripts go to Redis once per connection, then by their SHA; a SCRIPT FLUSH between two calls (the script cache emptied under an open connection) is survived', async () => {
		const r = connect();
		const b = new RedisBudget(r, scope(), { requests: 10, windowMs: 60_000 }, { prefix: 'sha-test' });
		// done() does not wait for its script: the PING after it does (Redis answers in order).
		const grant = async () => ((await b.acquire(systemClock, nodeSleep)).done(), await r.ping());
		await grant();
		await r.config('RESETSTAT');
		await grant();
		await grant();
		expect(await commandCalls(r)).toMatchObject({ eval: 0, evalsha: 4 });
		await r.script('FLUSH');
		await grant();
		expect((await commandCalls(r)).eval).toBe(2); // take and done, each refused once (NOSCRIPT) and sent again whole
		await grant();
		expect((await commandCalls(r)).eval).toBe(2);
		const [finished] = await r.keys('sha-test:*:finished');
		expect(await r.zcard(finished)).toBe(5);
	});

	test('no API key is written to Redis: keys are named by a hash of the scope', async () => {
		const r = connect();
		const secret = 'sk-live-SECRET-0123456789';
		const b = new RedisBudget(r, `clipdrop|https://clipdrop-api.co|${secret}`, { requests: 5, windowMs: 1000 });
		(await b.acquire(systemClock, nodeSleep)).done();
		await b.blockUntil(Date.now() + 100);
		const keys = await r.keys('*');
		expect(keys.length).toBeGreaterThan(0);
		for (const k of keys) {
			expect(k).not.toContain(secret);
			const type = await r.type(k);
			const dump = type === 'zset' ? (await r.zrange(k, 0, -1)).join(' ') : type === 'string' ? String(await r.get(k)) : '';
			expect(dump).not.toContain(secret);
		}
	});
});

describe('through the core, against the Clipdrop fake', () => {
	const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
	const KEY = 'cd-fleet-key-0123456789';
	let fake: ClipdropFake;

	beforeAll(async () => {
		fake = new ClipdropFake({ keys: { [KEY]: 10_000 }, rateLimit: { requests: 6, windowMs: 1000 } });
		await fake.start();
	});
	afterAll(() => fake.stop());
	beforeEach(() => fake.reset());

	/** Two processes' clients on one key, 12 sync upscales each way at once. */
	async function run(states: [Parameters<typeof redisState>[0] | null, Parameters<typeof redisState>[0] | null]) {
		const clients = states.map(
			(r) =>
				new UpscaleClient({
					provider: 'clipdrop',
					apiKey: KEY,
					baseUrl: fake.url,
					rateLimit: { requests: 6, windowMs: 1000 },
					retry: { rateLimitRetries: 0 },
					state: r ? redisState(r) : memoryState(),
					ports: nodePorts(),
				}),
		);
		const results = await Promise.allSettled(clients.flatMap((c) => Array.from({ length: 6 }, () => c.upscale({ bytes: SAMPLE }, { scale: 2, execution: 'sync' }))));
		return { ok: results.filter((r) => r.status === 'fulfilled').length, r429: fake.requests.filter((q) => q.status === 429).length };
	}

	test('each process with its own budget: the vendor refuses with 429', async () => {
		const { r429 } = await run([null, null]);
		expect(r429).toBeGreaterThan(0);
	});

	test('the two sharing the Redis budget: every job done, 0 × 429', async () => {
		const { ok, r429 } = await run([connect(), connect()]);
		expect([ok, r429]).toEqual([12, 0]);
		expect(fake.requests.filter((q) => q.route === 'sync')).toHaveLength(12);
	});

	test('Redis unreachable: the job fails before anything is sent, saying why', async () => {
		const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
		dead.on('error', () => undefined);
		const client = new UpscaleClient({ provider: 'clipdrop', apiKey: KEY, baseUrl: fake.url, state: redisState(dead), ports: nodePorts() });
		const e = await client.upscale({ bytes: SAMPLE }, { scale: 2 }).catch((x: Error & { code?: string }) => x);
		expect(e).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/^Clipdrop: the shared request budget could not be reached \(Redis at 127\.0\.0\.1:1 is unreachable: start it, or unset REDIS_URL/) });
		expect(fake.requests).toHaveLength(0);
		expect((e as Error).message).not.toContain(KEY);
	});
});
