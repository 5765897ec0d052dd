/**
 * What a fleet (REDIS_URL) sends to Redis for its scripts: the bytes from client to server, counted by a TCP proxy
 * between them, per vendor request (the shared budget's take, then done, as the core's request path uses them) and
 * per job-store operation. A script called by its SHA (EVALSHA) sends its Lua text once per connection, on the first
 * call; a script sent with EVAL sends it every time, which is exactly what a connection's first call costs, so
 * "first" is the cost of EVAL on every call and "steady" the cost of every call after it.
 *
 * `npm run bench` runs it as a section; alone: `npx tsx scripts/bench/redis-bytes.ts [calls]` (prints JSON).
 */
import net, { type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { nodeSleep, systemClock } from '../../runtime';
import { RedisBudget } from '../../runtime/redis-budget';
import { RedisJobStore } from '../../runtime/jobs/redis-store';
import type { NewJob } from '../../runtime/jobs/job';
import { startRedis, type RedisServer } from '../../test/helpers/redis';
import type { Row } from './service';

/** A TCP proxy in front of Redis that counts what clients send, and keeps it (to look for Lua in it). */
async function countingProxy(target: number) {
	const seen = { bytes: 0, chunks: [] as Buffer[] };
	const server = net.createServer((client) => {
		const upstream = net.connect(target, '127.0.0.1');
		client.on('data', (d: Buffer) => {
			seen.bytes += d.length;
			seen.chunks.push(d);
		});
		client.pipe(upstream).on('error', () => client.destroy());
		upstream.pipe(client).on('error', () => upstream.destroy());
		client.on('close', () => upstream.destroy());
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise((r) => server.close(r)) };
}

type Proxy = Awaited<ReturnType<typeof countingProxy>>;

/**
 * Bytes sent while `work` ran. A PING after it (its reply comes after every reply before it, so the proxy has seen
 * all of it) marks the end, and is not counted; `done()` does not wait for its script, the PING does.
 */
async function bytesOf(redis: Redis, proxy: Proxy, work: () => Promise<unknown>): Promise<{ bytes: number; text: string }> {
	await redis.ping();
	const [from, chunk] = [proxy.seen.bytes, proxy.seen.chunks.length];
	await work();
	await redis.ping();
	const sent = Buffer.concat(proxy.seen.chunks.slice(chunk));
	const ping = '*1\r\n$4\r\nping\r\n'.length;
	return { bytes: proxy.seen.bytes - from - ping, text: sent.toString('latin1') };
}

async function connect(proxy: Proxy): Promise<Redis> {
	const redis = new Redis(`redis://127.0.0.1:${proxy.port}`, { maxRetriesPerRequest: 1 });
	await redis.ping();
	return redis;
}

/** Budget grants: the first on a new connection, then `calls` more; bytes per grant (take + done). */
async function budget(proxy: Proxy, calls: number) {
	const redis = await connect(proxy);
	const b = new RedisBudget(redis, `clipdrop|https://clipdrop-api.co|bench-${Date.now()}`, { requests: calls + 10, windowMs: 60_000 });
	const grant = async () => (await b.acquire(systemClock, nodeSleep)).done();
	const first = await bytesOf(redis, proxy, grant);
	const rest = await bytesOf(redis, proxy, async () => {
		for (let i = 0; i < calls; i++) await grant();
	});
	await redis.quit();
	return { first: first.bytes, steady: rest.bytes / calls, luaAfterFirst: rest.text.includes('redis.call') };
}

const job = (i: number, at: number): NewJob => ({
	id: `job_bench_${String(i).padStart(6, '0')}`,
	client_id: 'bench-client',
	provider: 'clipdrop',
	options: '{"scale":2}',
	request: '{"provider":"clipdrop","scale":2}',
	input_path: '/data/inputs/x.jpg',
	input_name: 'x.jpg',
	image_url: null,
	input_format: 'jpeg',
	input_width: 640,
	input_height: 480,
	input_bytes: 12345,
	webhook_url: null,
	created_at: at,
});

/** A job's life in the store, each step measured: admit, take over, running, succeeded; then a retention sweep. */
const STEPS: Record<string, (s: RedisJobStore, i: number) => Promise<unknown>> = {
	admit: (s, i) => s.admit(job(i, 1_700_000_000_000 + i), { maxPerClient: 1e6, maxAll: 1e6 }),
	takeOver: (s, i) => s.takeOver(job(i, 0).id, 'bench-run'),
	running: (s, i) => s.update(job(i, 0).id, { status: 'running', phase: 'sending', started_at: 1_700_000_000_500 + i }, 'bench-run'),
	succeeded: (s, i) => s.update(job(i, 0).id, { status: 'succeeded', phase: 'done', finished_at: 1_700_000_001_000 + i, output_path: '/data/results/x.png' }, 'bench-run'),
	purge: (s) => s.purge(0),
};

/** Per step, on a new connection (so no step profits from a script another step loaded): its first call, then the mean of `calls` more. */
async function jobStore(proxy: Proxy, calls: number) {
	const steps: Record<string, { first: number; steady: number }> = {};
	let luaAfterFirst = false;
	for (const [name, step] of Object.entries(STEPS)) {
		const redis = await connect(proxy);
		if (name === 'admit') await redis.flushall();
		const store = new RedisJobStore(redis);
		const first = await bytesOf(redis, proxy, () => step(store, 0));
		const rest = await bytesOf(redis, proxy, async () => {
			for (let i = 1; i <= calls; i++) await step(store, i);
		});
		steps[name] = { first: first.bytes, steady: rest.bytes / calls };
		luaAfterFirst ||= rest.text.includes('redis.call');
		await redis.quit();
	}
	return { steps, luaAfterFirst };
}

export async function redisBytes(redis: RedisServer, calls = 1000) {
	const proxy = await countingProxy(redis.port);
	try {
		return { calls, budget: await budget(proxy, calls), jobStore: await jobStore(proxy, calls) };
	} finally {
		await proxy.close();
	}
}

/** The bench's row: ours = every call after a connection's first; naive = the Lua text with every call (EVAL). */
export async function redisBytesBench(push: (r: Row) => void, raw: Record<string, unknown>, redis: RedisServer): Promise<void> {
	const r = await redisBytes(redis);
	raw.redisBytes = r;
	const { admit, takeOver, running, succeeded } = r.jobStore.steps;
	const life = (k: 'first' | 'steady') => Math.round(admit[k] + takeOver[k] + running[k] + succeeded[k]);
	push({
		measure: `bytes sent to Redis (REDIS_URL) per vendor request (budget take + done, ${r.calls} requests) and per job's life in the store (admit, take over, running, succeeded)`,
		ours: `${Math.round(r.budget.steady)} B per request, ${life('steady')} B per job (scripts by SHA: the Lua text only with a connection's first call)`,
		naive: `Lua text with every call (EVAL): ${r.budget.first} B per request, ${life('first')} B per job`,
		goal: "no Lua after a connection's first call",
		met: !r.budget.luaAfterFirst && !r.jobStore.luaAfterFirst,
	});
}

if (require.main === module) {
	void (async () => {
		const server = await startRedis();
		try {
			process.stdout.write(`${JSON.stringify(await redisBytes(server, Number(process.argv[2] ?? 1000)), null, 2)}\n`);
		} finally {
			await server.stop();
		}
	})();
}
