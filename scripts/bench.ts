/**
 * `npm run bench`: one run, one table (also written to .bench/results.json). Compares this project with the
 * naive approach on the same local fakes, in the same run. Clocks are scaled where the vendor's are slow:
 * Clipdrop's 60 requests/minute becomes 60 per 6 s, and "poll every 5 s" becomes every 0.5 s.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { request } from 'undici';
import { encodeMultipart, UpscaleClient } from '../core';
import { nodePorts } from '../runtime';
import { ClipdropFake } from '../test/fakes/clipdrop';
import { DiscordFake } from '../test/fakes/discord';
import { createBot } from '../bot/app';
import { loadConfig } from '../bot/config';
import { createLogger } from '../runtime/log';
import { serviceBench } from './bench/service';
import { startupBench } from './bench/startup';
import type { RedisServer } from '../test/helpers/redis';
import { fleetBench } from './bench/fleet';
import { redisBytesBench } from './bench/redis-bytes';
import { localBench } from './bench/local';
import { rssOf, type Mem } from './bench/rss';
import { pct } from './bench/stats';

const ROOT = resolve(__dirname, '..');
const SCALE = 10; // vendor clock scaled 10x
const KEY = 'bench-clipdrop-key-000000';
const rows: Array<{ measure: string; ours: string; naive: string; goal: string; met: boolean | null }> = [];
const raw: Record<string, unknown> = {};
const localRows: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

async function jpegOf(width: number, height: number): Promise<Buffer> {
	return sharp({ create: { width, height, channels: 3, background: '#3a6' } }).jpeg({ quality: 80 }).toBuffer();
}

/** A naive client: no shared budget, fixed polling, retries a 429 after a fixed pause. */
async function naive(url: string, path: string, init: { method: string; body?: Buffer; headers?: Record<string, string> }, stats: { r429: number; requests: number }) {
	for (;;) {
		stats.requests++;
		const res = await request(`${url}${path}`, { method: init.method as 'GET', body: init.body, headers: { 'x-api-key': KEY, ...(init.headers ?? {}) } });
		const body = Buffer.from(await res.body.arrayBuffer());
		if (res.statusCode === 429) {
			stats.r429++;
			await sleep(1000);
			continue;
		}
		return { status: res.statusCode, body };
	}
}

// ---- A. a batch at the rate limit

async function batchAtLimit() {
	const jobs = 120;
	const limit = { requests: 60, windowMs: 60_000 / SCALE };
	const input = await jpegOf(200, 150);
	const floorFor = (requests: number) => (Math.max(0, requests - limit.requests) / limit.requests) * limit.windowMs;
	const minRequests = jobs / 2 + (jobs / 2) * 3; // sync: 1; async: submit + one status + result

	// ours
	const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: limit, taskDurationMs: 100, workers: 32 });
	await fake.start();
	const client = new UpscaleClient({ provider: 'clipdrop', apiKey: KEY, baseUrl: fake.url, rateLimit: limit, ports: nodePorts() });
	let t0 = Date.now();
	await Promise.all(
		Array.from({ length: jobs }, (_, i) => client.upscale({ bytes: input }, { execution: i % 2 ? 'async' : 'sync', pollMinMs: 1000 / SCALE, pollMaxMs: 10_000 / SCALE })),
	);
	const oursMs = Date.now() - t0;
	const oursApi = fake.requests.filter((r) => r.route !== 'download');
	const ours429 = oursApi.filter((r) => r.status === 429).length;
	const oursFloor = floorFor(oursApi.length - ours429);
	const idealFloor = floorFor(minRequests);
	await fake.stop();

	// naive
	const fake2 = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: limit, taskDurationMs: 100, workers: 32 });
	await fake2.start();
	const stats = { r429: 0, requests: 0 };
	t0 = Date.now();
	await Promise.all(
		Array.from({ length: jobs }, async (_, i) => {
			const form = encodeMultipart(
				[
					{ name: 'image_file', fileName: 'a.jpg', contentType: 'image/jpeg', data: input },
					{ name: 'target_width', value: '400' },
					{ name: 'target_height', value: '300' },
					...(i % 2 ? [{ name: 'strategy', value: 'smooth' }] : []),
				],
				`b${i}`,
			);
			const body = Buffer.concat(form.chunks);
			const headers = { 'content-type': form.contentType };
			if (!(i % 2)) return naive(fake2.url, '/image-upscaling/v1/upscale', { method: 'POST', body, headers }, stats);
			const sub = await naive(fake2.url, '/image-upscaling/v1/async-upscale', { method: 'POST', body, headers }, stats);
			const id = JSON.parse(sub.body.toString()).taskId;
			for (;;) {
				await sleep(5000 / SCALE);
				const s = await naive(fake2.url, `/async-tasks/v1/task-status/${id}`, { method: 'GET' }, stats);
				if (JSON.parse(s.body.toString()).status === 'completed') break;
			}
			const r = await naive(fake2.url, `/async-tasks/v1/result/${id}`, { method: 'GET' }, stats);
			await request(JSON.parse(r.body.toString()).downloadUrl).then((x) => x.body.arrayBuffer());
		}),
	);
	const naiveMs = Date.now() - t0;
	await fake2.stop();
	raw.batch = { jobs, limit, oursMs, oursRequests: oursApi.length, ours429, idealFloorMs: idealFloor, oursFloorMs: oursFloor, naiveMs, naiveRequests: stats.requests, naive429: stats.r429 };
	const ratio = oursMs / idealFloor;
	rows.push({
		measure: `120 Clipdrop jobs (60 sync + 60 async) at 60 req/${limit.windowMs / 1000} s: wall time ÷ floor, 429s`,
		ours: `${ratio.toFixed(2)}× (${(oursMs / 1000).toFixed(1)} s / ${(idealFloor / 1000).toFixed(1)} s), ${ours429} × 429`,
		naive: `${(naiveMs / idealFloor).toFixed(2)}× (${(naiveMs / 1000).toFixed(1)} s), ${stats.r429} × 429`,
		goal: '≤ 1.10×, 0 × 429',
		met: ratio <= 1.1 && ours429 === 0,
	});
}

// ---- B. completion lag

async function completionLag() {
	// 0.5–3 s (scaled 5–30 s), seeded pseudo-random so no duration lines up with a poller's period.
	let seed = 20261123;
	const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
	const durations = Array.from({ length: 24 }, () => 500 + Math.round(rand() * 2500));
	const input = await jpegOf(200, 150);
	const measure = async (poller: 'ours' | 'fixed') => {
		const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: false, taskDurationMs: (i) => durations[i], workers: 64 });
		await fake.start();
		const client = new UpscaleClient({ provider: 'clipdrop', apiKey: KEY, baseUrl: fake.url, rateLimit: false, ports: nodePorts() });
		const ids: string[] = [];
		for (let i = 0; i < durations.length; i++) ids.push((await client.submit({ bytes: input }, {})).taskId);
		await Promise.all(
			ids.map(async (id) => {
				if (poller === 'ours') return client.waitForTask(id, { pollMinMs: 1000 / SCALE, pollMaxMs: 10_000 / SCALE });
				for (;;) {
					await sleep(5000 / SCALE);
					const t = await client.getTask(id);
					if (t.status === 'completed') return client.getTask(id, { download: true });
				}
			}),
		);
		const lags: number[] = [];
		const polls: number[] = [];
		const rel: number[] = [];
		for (const id of ids) {
			const task = fake.queue.tasks.get(id)!;
			const fetched = fake.requests.find((r) => r.route === 'result' && r.path.endsWith(id))!;
			lags.push(fetched.at - task.doneAt);
			rel.push((fetched.at - task.doneAt) / (task.doneAt - task.startAt));
			polls.push(fake.requests.filter((r) => r.route === 'status' && r.path.endsWith(id)).length);
		}
		await fake.stop();
		return { meanLag: mean(lags), p95Lag: pct(lags, 95), meanRel: mean(rel), polls: mean(polls) };
	};
	const ours = await measure('ours');
	const fixed = await measure('fixed');
	raw.lag = { durationsMs: durations, ours, fixed };
	rows.push({
		measure: 'async tasks of 5–30 s (scaled): lag from done to fetched (mean, p95), status polls per task',
		ours: `${ours.meanLag.toFixed(0)} ms / ${ours.p95Lag.toFixed(0)} ms (${(ours.meanRel * 100).toFixed(1)}% of duration), ${ours.polls.toFixed(1)} polls`,
		naive: `${fixed.meanLag.toFixed(0)} ms / ${fixed.p95Lag.toFixed(0)} ms (${(fixed.meanRel * 100).toFixed(1)}%), ${fixed.polls.toFixed(1)} polls`,
		goal: 'mean ≤ 5% of duration, polls ≤ fixed poller',
		met: ours.meanRel <= 0.05 && ours.polls <= fixed.polls,
	});
}

// ---- C. big images: peak memory of the CLI and the bot

async function bigImages() {
	const dir = mkdtempSync(join(tmpdir(), 'bench-big-'));
	// A noisy photo-sized JPEG just under 30 MB, within Clipdrop's async input limit (8192 px).
	let w = 3800;
	let h = 2850;
	let input: Buffer;
	for (;;) {
		const noise = Buffer.alloc(w * h * 3);
		for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
		input = await sharp(noise, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
		if (input.length <= 29.5 * 1048576) break;
		w = Math.round(w * 0.95);
		h = Math.round(h * 0.95);
	}
	const inputPath = join(dir, 'big.jpg');
	writeFileSync(inputPath, input);
	const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: false, taskDurationMs: 100 });
	await fake.start();
	const base = await rssOf([join(ROOT, 'dist/cli/main.js'), '--help'], process.env);
	const out = join(dir, 'out.jpg');
	const cli = await rssOf([join(ROOT, 'dist/cli/main.js'), inputPath, '--provider', 'clipdrop', '--width', '12288', '--height', '12288', '--output', out, '--quiet'], {
		...process.env,
		CLIPDROP_API_KEY: KEY,
		CLIPDROP_BASE_URL: fake.url,
	});
	if (cli.code !== 0) throw new Error(`CLI failed: ${cli.out}`);
	const outBytes = statSync(out).size;
	const cliRatio = (cli.mem.hwm - base.mem.rss) / (input.length + outBytes);

	// The bot: the same job through /upscale (download from the CDN, upscale, upload the result).
	const discord = new DiscordFake({ botToken: 'MTAwMDAw.bench.discord-token-0123456789abc', applicationId: '500000000000000009', attachmentSizeLimit: 500 * 1024 * 1024 });
	await discord.start();
	const botEnv = {
		...process.env,
		DISCORD_TOKEN: 'MTAwMDAw.bench.discord-token-0123456789abc',
		DISCORD_APPLICATION_ID: '500000000000000009',
		DISCORD_API_URL: discord.api,
		DISCORD_CDN_HOSTS: new URL(discord.url).host,
		CLIPDROP_API_KEY: KEY,
		CLIPDROP_BASE_URL: fake.url,
		BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-bot-')),
		BOT_LOG_LEVEL: 'warn',
	};
	const botBase = await new Promise<Mem>((res) => {
		const file = join(mkdtempSync(join(tmpdir(), 'rss-')), 'rss');
		const child = spawn(process.execPath, ['-r', join(__dirname, 'bench/rss-preload.js'), join(ROOT, 'dist/bot/main.js')], { env: { ...botEnv, BENCH_RSS_FILE: file, BOT_LOG_LEVEL: 'info' } });
		child.stdout.on('data', (d) => {
			if (String(d).includes('bot ready')) setTimeout(() => child.kill('SIGTERM'), 200);
		});
		child.on('exit', () => res(JSON.parse(readFileSync(file, 'utf8')) as Mem));
	});
	const botRun = await new Promise<Mem>((res) => {
		const file = join(mkdtempSync(join(tmpdir(), 'rss-')), 'rss');
		const child = spawn(process.execPath, ['-r', join(__dirname, 'bench/rss-preload.js'), join(ROOT, 'dist/bot/main.js')], { env: { ...botEnv, BENCH_RSS_FILE: file, BOT_LOG_LEVEL: 'info' } });
		let started = false;
		child.stdout.on('data', async (d) => {
			if (started || !String(d).includes('bot ready')) return;
			started = true;
			const id = discord.slash({ command: 'upscale', attachment: { filename: 'big.jpg', contentType: 'image/jpeg', size: input.length, width: w, height: h, url: discord.addCdnFile('big.jpg', input, 'image/jpeg') }, options: [{ name: 'width', type: 4, value: 12288 }, { name: 'height', type: 4, value: 12288 }] });
			await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^(✅|❌)/.test(x.body.content ?? '')), 300_000);
			child.kill('SIGTERM');
		});
		child.on('exit', () => res(JSON.parse(readFileSync(file, 'utf8')) as Mem));
	});
	const botFinal = discord.recorded.filter((r) => r.kind === 'edit').pop();
	const botOut = botFinal?.files[0]?.data.length ?? 0;
	const botRatio = (botRun.hwm - botBase.rss) / (input.length + botOut);
	await discord.stop();
	await fake.stop();
	const MB = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
	raw.big = { inputBytes: input.length, outputBytes: outBytes, cliIdle: base.mem, cliJob: cli.mem, cliRatio, botIdle: botBase, botJob: botRun, botOutputBytes: botOut, botRatio, botFinal: botFinal?.body.content };
	rows.push({
		measure: `${MB(input.length)} JPEG in → 12288×12288 out (${MB(outBytes)}): peak RSS − idle RSS ÷ (in + out)`,
		ours: `CLI ${cliRatio.toFixed(2)}× (${MB(cli.mem.hwm - base.mem.rss)}), bot ${botRatio.toFixed(2)}× (${MB(botRun.hwm - botBase.rss)})`,
		naive: '—',
		goal: '≤ 2×',
		met: cliRatio <= 2 && botRatio <= 2,
	});
}

// ---- D. client overhead against an instant server

async function overhead() {
	const reply = await jpegOf(64, 48);
	const server = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': reply.length, 'x-credits-consumed': '1', 'x-remaining-credits': '9' });
			res.end(reply);
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const input = await jpegOf(320, 240);
	const client = new UpscaleClient({ provider: 'clipdrop', apiKey: KEY, baseUrl: url, rateLimit: false, ports: nodePorts() });
	const form = encodeMultipart(
		[
			{ name: 'image_file', fileName: 'a.jpg', contentType: 'image/jpeg', data: input },
			{ name: 'target_width', value: '640' },
			{ name: 'target_height', value: '480' },
		],
		'----bench',
	);
	const body = Buffer.concat(form.chunks);
	const bare = async () => {
		const res = await request(`${url}/image-upscaling/v1/upscale`, { method: 'POST', body, headers: { 'content-type': form.contentType, 'x-api-key': KEY } });
		await res.body.arrayBuffer();
	};
	const core = () => client.upscale({ bytes: input }, { execution: 'sync' });
	const n = 400;
	for (let i = 0; i < 50; i++) {
		await bare();
		await core();
	}
	// Interleaved rounds, so drift on a noisy machine hits both alike.
	let tBare = 0;
	let tCore = 0;
	for (let round = 0; round < 4; round++) {
		let t = process.hrtime.bigint();
		for (let i = 0; i < n / 4; i++) await bare();
		tBare += Number(process.hrtime.bigint() - t);
		t = process.hrtime.bigint();
		for (let i = 0; i < n / 4; i++) await core();
		tCore += Number(process.hrtime.bigint() - t);
	}
	server.close();
	const ratio = tCore / tBare;
	raw.overhead = { requests: n, bareMsPerRequest: tBare / n / 1e6, coreMsPerRequest: tCore / n / 1e6, ratio };
	rows.push({
		measure: `core sync upscale vs bare undici, same multipart, instant server (${n} requests each)`,
		ours: `${ratio.toFixed(3)}× (${(tCore / n / 1e6).toFixed(2)} vs ${(tBare / n / 1e6).toFixed(2)} ms)`,
		naive: '1.000× (bare undici)',
		goal: '≤ 1.05×',
		met: ratio <= 1.05,
	});
}

// ---- E. bot responsiveness

async function botResponsiveness() {
	const fake = new ClipdropFake({ keys: { [KEY]: 100_000 }, rateLimit: false, taskDurationMs: 300, workers: 8 });
	await fake.start();
	const token = 'MTAwMDAw.bench.discord-token-0123456789xyz';
	const discord = new DiscordFake({ botToken: token, applicationId: '500000000000000008' });
	await discord.start();
	const config = loadConfig({
		DISCORD_TOKEN: token,
		DISCORD_APPLICATION_ID: '500000000000000008',
		DISCORD_API_URL: discord.api,
		DISCORD_CDN_HOSTS: new URL(discord.url).host,
		CLIPDROP_API_KEY: KEY,
		CLIPDROP_BASE_URL: fake.url,
		CLIPDROP_RATE_LIMIT: '6000/min',
		BOT_MAX_CONCURRENT_JOBS: '8',
		BOT_USER_COOLDOWN_SECONDS: '0',
		BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-bot-')),
	});
	const bot = createBot(config, createLogger((process.env.BENCH_BOT_LOG as 'warn') ?? 'error', [token, KEY]));
	await bot.start();
	const input = await jpegOf(320, 240);
	const url = discord.addCdnFile('a.jpg', input, 'image/jpeg');
	const sent = new Map<string, number>();
	for (let u = 0; u < 50; u++) {
		const id = discord.slash({ command: 'upscale', attachment: { filename: 'a.jpg', contentType: 'image/jpeg', size: input.length, width: 320, height: 240, url }, userId: `49${String(u).padStart(2, '0')}00000000000001` });
		sent.set(id, Date.now());
	}
	await discord.waitFor((r) => [...sent.keys()].every((id) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^✅/.test(x.body.content ?? ''))), 300_000);
	const toDefer = [...sent].map(([id, at]) => discord.recorded.find((r) => r.interactionId === id && r.kind === 'callback')!.at - at);
	await bot.stop();
	await discord.stop();
	await fake.stop();
	raw.bot = { users: 50, p50: pct(toDefer, 50), p99: pct(toDefer, 99), delivered: sent.size };
	rows.push({
		measure: '50 users run /upscale at once: time to the deferred response (p50 / p99), results delivered',
		ours: `${pct(toDefer, 50)} ms / ${pct(toDefer, 99)} ms, ${sent.size}/50 delivered`,
		naive: '—',
		goal: 'p99 < 500 ms, 50/50',
		met: pct(toDefer, 99) < 500,
	});
}

/** A real redis-server for a section, or undefined (the section is skipped, saying why) where there is none. */
async function redisFor(section: string) {
	const { startRedis } = await import('../test/helpers/redis');
	try {
		return await startRedis();
	} catch (e) {
		log(`${section} skipped: ${(e as Error).message}`);
		return undefined;
	}
}

/** Runs a section on a redis-server of its own, stopped afterwards (skipped where there is none). */
async function withRedis(section: string, run: (redis: RedisServer) => Promise<void>): Promise<void> {
	const redis = await redisFor(section);
	if (!redis) return;
	try {
		await run(redis);
	} finally {
		await redis.stop();
	}
}

/** The job service as a fleet of processes on one Redis (bench/fleet.ts). */
const fleet = () => withRedis('fleet', (redis) => fleetBench((r) => rows.push(r), raw, redis));

/** What a fleet sends to Redis per vendor request and per job in the store (bench/redis-bytes.ts). */
const redisBytes = () => withRedis('redis bytes', (redis) => redisBytesBench((r) => rows.push(r), raw, redis));

/**
 * The request budget shared through Redis (REDIS_URL): 3 processes × 40 sync Clipdrop jobs on one key at 60 req/6 s,
 * started together. Each process alone keeps to the limit; together they would triple it unless they share.
 */
async function sharedBudget() {
	const redis = await redisFor('shared budget');
	if (!redis) return;
	const key = 'bench-fleet-key-0123456789';
	const rate = { requests: 60, windowMs: 6000 };
	const fake = new ClipdropFake({ keys: { [key]: 1_000_000 }, rateLimit: rate, retryAfterSeconds: 1 });
	await fake.start();
	const processes = 3;
	const jobs = 40;
	const run = async (redisUrl?: string) => {
		fake.reset();
		const outs = await Promise.all(
			Array.from(
				{ length: processes },
				() =>
					new Promise<{ start: number; end: number; ok: number }>((done, fail) =>
						execFile(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'bench/fleet-client.ts'), JSON.stringify({ url: fake.url, key, jobs, rate, redisUrl })], { maxBuffer: 1 << 20 }, (err, stdout) =>
							err ? fail(err) : done(JSON.parse(stdout) as { start: number; end: number; ok: number }),
						),
					),
			),
		);
		const ms = Math.max(...outs.map((o) => o.end)) - Math.min(...outs.map((o) => o.start));
		return { ms, ok: outs.reduce((n, o) => n + o.ok, 0), r429: fake.requests.filter((q) => q.status === 429).length };
	};
	const shared = await run(redis.url);
	const alone = await run();
	await fake.stop();
	await redis.stop();
	// 120 requests, the first 60 in the first window: the limit allows them in 6 s at the earliest. Wall time: from
	// the first process's first request to the last answer (the processes' start-up is not the budget's).
	const floor = ((processes * jobs - rate.requests) / rate.requests) * rate.windowMs;
	raw.sharedBudget = { processes, jobs, floor, shared, alone };
	rows.push({
		measure: `${processes} processes × ${jobs} Clipdrop jobs on one key at 60 req/6 s, budget shared through Redis (REDIS_URL): wall time ÷ floor, 429s, jobs done`,
		ours: `${(shared.ms / floor).toFixed(2)}× (${(shared.ms / 1000).toFixed(1)} s / ${(floor / 1000).toFixed(1)} s), ${shared.r429} × 429, ${shared.ok}/${processes * jobs}`,
		naive: `each its own budget: ${(alone.ms / floor).toFixed(2)}×, ${alone.r429} × 429, ${alone.ok}/${processes * jobs}`,
		goal: '≤ 1.10×, 0 × 429',
		met: shared.ms / floor <= 1.1 && shared.r429 === 0 && shared.ok === processes * jobs,
	});
}

/**
 * Why the vendor budget is a port and not BullMQ's limiter: a queue's limiter counts job *starts*, while a vendor
 * counts requests, and an async job makes a varying number of them (submit, one status check or more, the result).
 * 60 async Clipdrop jobs on one key (60 req/6 s) through a BullMQ queue on a real Redis, tasks of 0.1–4 s: with the
 * limiter set to the vendor's number (60 starts per 6 s), with it set to a third (20, guessing 3 requests per job),
 * and with no limiter but the Redis budget.
 */
async function queueLimiter() {
	const redis = await redisFor('queue limiter');
	if (!redis) return;
	const { Queue, Worker } = await import('bullmq');
	const { connectRedis } = await import('../runtime/redis-connection');
	const { redisState } = await import('../runtime/redis-state');
	const key = 'bench-queue-key-0123456789';
	const rate = { requests: 60, windowMs: 6000 };
	const fake = new ClipdropFake({ keys: { [key]: 1_000_000 }, rateLimit: rate, retryAfterSeconds: 1, workers: 64, taskDurationMs: (i) => 100 + ((i * 1237) % 3900) });
	await fake.start();
	const image = await jpegOf(400, 300);
	const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
	const jobs = 60;
	const run = async (name: string, limiter: { max: number; duration: number } | undefined, shared: boolean) => {
		fake.reset();
		const budgetRedis = shared ? connectRedis(redis.url) : undefined;
		const client = new UpscaleClient({ provider: 'clipdrop', apiKey: key, baseUrl: fake.url, rateLimit: shared ? rate : false, retry: { rateLimitRetries: 20 }, state: budgetRedis ? redisState(budgetRedis) : undefined, ports: nodePorts() });
		const queue = new Queue(name, { connection });
		let done = 0;
		const t0 = Date.now();
		const finished = new Promise<void>((resolveAll) => {
			const worker = new Worker(
				name,
				async () => {
					await client.upscale({ bytes: image }, { scale: 2, execution: 'async', timeoutMs: 600_000 });
				},
				{ connection, concurrency: 60, ...(limiter ? { limiter } : {}) },
			);
			worker.on('completed', () => {
				if (++done === jobs) void worker.close().then(() => resolveAll());
			});
		});
		await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'upscale', data: { i } })));
		await finished;
		const ms = Date.now() - t0;
		await queue.obliterate({ force: true });
		await queue.close();
		await budgetRedis?.quit();
		const api = fake.requests.filter((q) => q.route !== 'download');
		return { ms, requests: api.filter((q) => q.status !== 429).length, r429: api.filter((q) => q.status === 429).length };
	};
	const atVendor = await run('limiter-60', { max: 60, duration: 6000 }, false);
	const third = await run('limiter-20', { max: 20, duration: 6000 }, false);
	const budget = await run('budget', undefined, true);
	await fake.stop();
	await redis.stop();
	// The floor: the requests the jobs really made (at least 3 each), at the limit, the first 60 in the first window.
	const floor = (r: { requests: number }) => ((r.requests - rate.requests) / rate.requests) * rate.windowMs;
	raw.queueLimiter = { jobs, atVendor, third, budget };
	const cell = (r: { ms: number; requests: number; r429: number }) => `${(r.ms / 1000).toFixed(1)} s = ${(r.ms / floor(r)).toFixed(2)}× its floor, ${r.requests} requests, ${r.r429} × 429`;
	rows.push({
		measure: `${jobs} async Clipdrop jobs on a BullMQ queue (real Redis), one key at 60 req/6 s, tasks of 0.1–4 s: BullMQ's limiter vs the vendor budget shared through Redis`,
		ours: `budget: ${cell(budget)}`,
		naive: `limiter 60/6 s: ${cell(atVendor)}; limiter 20/6 s: ${cell(third)}`,
		goal: '0 × 429',
		met: budget.r429 === 0,
	});
}

async function main() {
	const started = Date.now();
	for (const [name, fn] of [
		['start-up', () => startupBench((r) => rows.push(r), raw)],
		['client overhead', overhead],
		['completion lag', completionLag],
		['batch at the rate limit', batchAtLimit],
		['bot responsiveness', botResponsiveness],
		['big images', bigImages],
		['local engine', () => localBench((r) => rows.push(r), raw, localRows)],
		['job service', () => serviceBench((r) => rows.push(r), raw)],
		['shared budget', sharedBudget],
		['queue limiter', queueLimiter],
		['fleet', fleet],
		['redis bytes', redisBytes],
	] as const) {
		if (process.env.BENCH_ONLY && !name.includes(process.env.BENCH_ONLY)) continue;
		log(`${name}…`);
		await fn();
	}
	const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
	const date = new Date().toISOString().slice(0, 10);
	const lines = [
		`Benchmark, ${date}, ${machine}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
		'',
		'| measure | this project | naive | goal | met |',
		'| --- | --- | --- | --- | --- |',
		...rows.map((r) => `| ${r.measure} | ${r.ours} | ${r.naive} | ${r.goal} | ${r.met === null ? '—' : r.met ? 'yes' : 'NO'} |`),
		...(localRows.length ? ['', ...localRows] : []),
	];
	process.stdout.write(`${lines.join('\n')}\n`);
	mkdirSync(join(ROOT, '.bench'), { recursive: true });
	writeFileSync(join(ROOT, '.bench/results.json'), JSON.stringify({ date, machine, rows, raw }, null, 2));
	process.exit(0);
}

main().catch((e) => {
	process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
	process.exit(1);
});
