/**
 * The Discord bot through the real discord.js client, connected to a local Discord (gateway + REST + CDN) and
 * the vendor fakes: full /upscale for both providers, every validation error, vendor failure, oversize results,
 * queueing, cooldown, daily cap, token expiry, /upscale-credits, command registration and graceful shutdown.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createBot } from '../../bot/app';
import { loadConfig } from '../../bot/config';
import { createLogger } from '../../runtime/log';
import { ClipdropFake } from '../fakes/clipdrop';
import { APP, BOOLEAN, botWorkers, botWorld, cd, CD_KEY, discord, env, finalOf, GUILD, image, INTEGER, last, logs, NUMBER, opt, SAMPLE, STRING, TOKEN, withBot, XM_TOKEN, xm } from '../helpers/bot';
import { CLI } from '../helpers/cli';
import { dims, jpeg, motionPhoto, webp } from '../helpers/images';
import { startRedis } from '../helpers/redis';

const MANAGE_GUILD = String(1 << 5);

botWorld();

/** An ephemeral answer without a deferral, and nothing sent to either vendor. */
async function expectRejected(id: string, content: string | RegExp) {
	await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));
	const calls = discord.of(id);
	expect(calls).toHaveLength(1);
	expect(calls[0].body.type).toBe(4);
	expect(calls[0].body.data.flags & 64).toBe(64);
	if (typeof content === 'string') expect(calls[0].body.data.content).toBe(content);
	else expect(calls[0].body.data.content).toMatch(content);
}

describe('/upscale, end to end', () => {
	it('Clipdrop: defers, shows progress, replies with the image and the credits', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(id);
			const calls = discord.of(id);
			expect(calls[0]).toMatchObject({ kind: 'callback', body: { type: 5 } });
			expect(calls[0].body.data?.flags ?? 0).toBe(0);
			expect(calls.some((c) => c.kind === 'edit' && c.body.content?.startsWith('⏳'))).toBe(true);
			const final = last(id, 'edit');
			expect(final.body.content).toBe('✅ Upscaled 320×240 → 640×480 with Clipdrop. Credits used: 1 · remaining: 999');
			expect(final.files).toHaveLength(1);
			expect(final.files[0].name).toBe('photo-upscaled.jpg');
			expect(await dims(final.files[0].data)).toEqual({ width: 640, height: 480, format: 'jpeg' });
			// The async endpoint (same price) so that the task survives a restart.
			expect(cd.count('async')).toBe(1);
		});
	});

	it('Ximilar: async with its options, progress, image and credits; private makes it ephemeral', async () => {
		await withBot({}, async () => {
			const id = discord.slash({
				command: 'upscale',
				attachment: image('pic.jpg'),
				options: [opt('provider', STRING, 'ximilar'), opt('scale', NUMBER, 4), opt('format', STRING, 'png'), opt('quality', INTEGER, 80), opt('tune_colors', BOOLEAN, false), opt('private', BOOLEAN, true)],
			});
			await finalOf(id);
			const calls = discord.of(id);
			expect(calls[0].body).toMatchObject({ type: 5, data: { flags: 64 } });
			const final = last(id, 'edit');
			expect(final.body.content).toMatch(/^✅ Upscaled 320×240 → 1280×960 with Ximilar\. Credits used: 50 · remaining: 99950$/);
			expect(final.files[0].name).toBe('pic-upscaled.png');
			expect(xm.jobs[0].params).toEqual({ mode: 'artifact_removal', image_format: 'png', image_quality: 80, tune_colors: false });
		});
	});

	it('async progress shows the vendor queue', async () => {
		cd.opts.taskDurationMs = 2500;
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('strategy', STRING, 'detailed')] });
			await finalOf(id);
			const texts = discord.of(id).map((c) => c.body.content).filter(Boolean);
			expect(texts.some((t: string) => /^⏳ Clipdrop: queued, ready <t:\d+:R> · elapsed \d+ s$/.test(t))).toBe(true);
			expect(last(id, 'edit').body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\. Credits used: 1/);
		});
	});
});

describe('rejected at once: ephemeral, no deferral, no vendor request', () => {
	it.each([
		['a GIF', { attachment: { name: 'a.gif', type: 'image/gif' } }, 'That file is `image/gif`. Send a PNG, JPEG or WebP image.'],
		['a text file', { attachment: { name: 'a.txt', type: 'text/plain', noSize: true } }, 'That file is `text/plain`. Send a PNG, JPEG or WebP image.'],
		['a PNG Discord could not read', { attachment: { name: 'a.png', type: 'image/png', noSize: true } }, 'Discord could not read that image: it looks empty or damaged. Send a PNG, JPEG or WebP image.'],
		['Ximilar scale 3', { options: [opt('provider', STRING, 'ximilar'), opt('scale', NUMBER, 3)] }, '❌ Ximilar upscales by 2, 4 or 8; 3 is not one of them.'],
		['a width for Ximilar', { options: [opt('provider', STRING, 'ximilar'), opt('width', INTEGER, 1000)] }, /^❌ width\/height: Ximilar upscales by a factor of 2, 4 or 8/],
		['quality without format', { options: [opt('provider', STRING, 'ximilar'), opt('quality', INTEGER, 50)] }, '❌ quality needs a format: Ximilar applies the output quality only when the output format is chosen.'],
		['a Ximilar option for Clipdrop', { options: [opt('mode', STRING, 'ironed_out')] }, /^❌ mode is a Ximilar option/],
		['an output too big for Clipdrop', { options: [opt('scale', NUMBER, 16)], attachment: { width: 1000, height: 1000 } }, /^❌ Clipdrop cannot upscale this image as asked: .*12288x12288 \(asked: 16000x16000\)/],
		['a 31 MB attachment', { attachment: { size: 31 * 1024 * 1024 } }, '❌ The image is 31.0 MB; Clipdrop accepts at most 30 MB.'],
	])('%s', async (_label, o: any, expected) => {
		const cdnBefore = discord.cdnRequests.length;
		await withBot({}, async () => {
			const a = image(o.attachment?.name ?? 'photo.jpg', SAMPLE, o.attachment?.width ?? 320, o.attachment?.height ?? 240, o.attachment?.type ?? 'image/jpeg');
			if (o.attachment?.size) a.size = o.attachment.size;
			if (o.attachment?.noSize) Object.assign(a, { width: undefined, height: undefined });
			const id = discord.slash({ command: 'upscale', attachment: a, options: o.options });
			await expectRejected(id, expected);
		});
		expect(cd.count() + xm.count()).toBe(0);
		expect(discord.cdnRequests.length).toBe(cdnBefore);
	});

	it('a server not on the allow-list', async () => {
		await withBot({ BOT_ALLOWED_GUILDS: '299999999999999999' }, async () => {
			await expectRejected(discord.slash({ command: 'upscale', attachment: image() }), 'This bot is not enabled on this server.');
		});
	});
});

describe('failures after the deferral', () => {
	it('a vendor failure ends with a clear message', async () => {
		cd.inject({ route: 'async', kind: 'status', status: 500, body: '{"error":"GPU on fire"}' });
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toBe('❌ Clipdrop had a server error (500) while submitting the async upscale. This is on Clipdrop\'s side: try again later. Clipdrop said: "GPU on fire".');
		});
	});

	it('a stalled result download ends at the job time limit and frees the slot for the next user', async () => {
		xm.inject({ route: 'download', kind: 'trickle', delayMs: 2000, times: 10 });
		await withBot({ BOT_MAX_CONCURRENT_JOBS: '1', BOT_JOB_TIMEOUT_SECONDS: '10' }, async () => {
			const stalled = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'ximilar')], userId: '431000000000000001' });
			const next = discord.slash({ command: 'upscale', attachment: image(), userId: '432000000000000001' });
			await finalOf(stalled);
			expect(last(stalled, 'edit').body.content).toMatch(/^❌ Ximilar: the time limit ran out while downloading the result\. \(task [\w-]+: resume it with Get Task\)$/);
			await finalOf(next);
			expect(last(next, 'edit').body.content).toMatch(/^✅/);
		});
	}, 40_000);

	it('a phone\'s motion photo (a video after the JPEG) is upscaled, not refused as damaged', async () => {
		const motion = await motionPhoto(320, 240);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image('PXL_MP.jpg', motion) });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toMatch(/^✅/);
			expect(await dims(last(id, 'edit').files[0].data)).toMatchObject({ width: 640, height: 480 });
		});
	});

	it('an attachment whose bytes are not what its type says', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image('fake.png', Buffer.from('not really a png'), 100, 100, 'image/png') });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toBe('❌ The file is not a PNG, JPEG or WebP image (its first bytes match none of them). Nothing was charged.');
			expect(cd.count()).toBe(0);
		});
	});

	it('an attachment that is not on the CDN is never downloaded', async () => {
		await withBot({ DISCORD_CDN_HOSTS: 'cdn.discordapp.com' }, async () => {
			const before = discord.cdnRequests.length;
			const id = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toBe("❌ The attachment is not on Discord's CDN (127.0.0.1); it was not downloaded. Nothing was charged.");
			expect(discord.cdnRequests.length).toBe(before);
		});
	});
});

describe('results over the upload limit', () => {
	it('Ximilar: a link to the result with its expiry instead of the file', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'ximilar')], attachmentSizeLimit: 2000 });
			await finalOf(id);
			const final = last(id, 'edit');
			expect(final.files).toHaveLength(0);
			expect(final.body.content).toMatch(/\nThe file is 0\.\d MB, over this server's 0\.0 MB upload limit, so here is a link instead \(it expires <t:\d+:R>\): http:\/\/127\.0\.0\.1:\d+\/upscale\/[\w-]+\.jpg$/);
		});
	});

	it('Clipdrop sync (WebP input) gives no link: says so and suggests a smaller scale', async () => {
		const w = await webp(320, 240);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image('p.webp', w, 320, 240, 'image/webp'), attachmentSizeLimit: 200 });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toMatch(/\nBut the file is 0\.\d MB, over this server's 0\.0 MB upload limit, and Clipdrop gave no link for it\. Try a smaller scale\.$/);
		});
	});
});

describe("protecting the owner's credits", () => {
	it('queues beyond the concurrency limit, tells waiting users their place, and delivers everything', async () => {
		cd.opts.taskDurationMs = 700;
		await withBot({ BOT_MAX_CONCURRENT_JOBS: '1' }, async () => {
			const ids = ['401', '402', '403'].map((u) => discord.slash({ command: 'upscale', attachment: image(), userId: `${u}000000000000001`, options: [opt('strategy', STRING, 'smooth')] }));
			await discord.waitFor((r) => ids.every((id) => r.some((x) => x.interactionId === id && x.kind === 'edit' && x.body.content?.startsWith('✅'))), 30_000);
			const texts = (id: string) => discord.of(id).map((c) => c.body.content).filter(Boolean);
			expect(texts(ids[1])).toContain('⏳ Waiting for a free slot: you are #1 in line.');
			expect(texts(ids[2])).toContain('⏳ Waiting for a free slot: you are #2 in line.');
			expect(cd.count('async')).toBe(3);
		});
	});

	it('one job per user at a time', async () => {
		cd.opts.taskDurationMs = 1500;
		await withBot({}, async () => {
			const first = discord.slash({ command: 'upscale', attachment: image(), options: [opt('strategy', STRING, 'smooth')] });
			await discord.waitFor((r) => r.some((x) => x.interactionId === first && x.kind === 'callback'));
			const second = discord.slash({ command: 'upscale', attachment: image() });
			await expectRejected(second, 'You already have an upscale in progress. Wait for it to finish, then try again.');
			await finalOf(first);
		});
	});

	it('a cooldown after each job', async () => {
		await withBot({ BOT_USER_COOLDOWN_SECONDS: '60' }, async () => {
			await finalOf(discord.slash({ command: 'upscale', attachment: image() }));
			await expectRejected(discord.slash({ command: 'upscale', attachment: image() }), /^Slow down a little: you can upscale again <t:\d+:R>\.$/);
		});
	});

	it('with REDIS_URL: the bot checks, defers and enqueues; 2 worker processes run 20 users\' jobs at once and deliver them all; per-user limits hold across processes', async () => {
		const redis = await startRedis();
		const other = new Redis(redis.url);
		// Its own Clipdrop, its clock scaled 10× (60 requests per 6 s) like the bench's: 20 jobs need ~60 requests.
		const vendor = new ClipdropFake({ keys: { [CD_KEY]: 1000 }, rateLimit: { requests: 60, windowMs: 6000 }, taskDurationMs: 700, workers: 8 });
		await vendor.start();
		const e = env({ REDIS_URL: redis.url, CLIPDROP_BASE_URL: vendor.url, CLIPDROP_RATE_LIMIT: '60/6s', BOT_USER_COOLDOWN_SECONDS: '60', BOT_USER_DAILY_CREDITS: '5', BOT_MAX_CONCURRENT_JOBS: '8' });
		const workers = await botWorkers(2, e);
		try {
			const config = loadConfig(e);
			const bot = createBot(config, createLogger('debug', [config.token, CD_KEY, XM_TOKEN], (l) => logs.push(l)));
			await bot.start();
			try {
				const users = Array.from({ length: 20 }, (_, k) => `41${String(k).padStart(2, '0')}00000000000001`);
				const ids = users.map((u) => discord.slash({ command: 'upscale', attachment: image(), userId: u, options: [opt('strategy', STRING, 'smooth')] }));
				// A second command of a user whose job a worker holds: refused by the bot.
				await discord.waitFor((r) => r.some((x) => x.interactionId === ids[0] && x.kind === 'callback'));
				await expectRejected(discord.slash({ command: 'upscale', attachment: image(), userId: users[0] }), 'You already have an upscale in progress. Wait for it to finish, then try again.');
				await discord.waitFor((r) => ids.every((id) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^✅/.test(x.body.content ?? ''))), 60_000).catch((err: Error) => {
					throw new Error(`${err.message}\n${workers.map((w) => w.output().slice(-3000)).join('\n---\n')}`);
				});
				expect(vendor.count('async')).toBe(20);
				expect(vendor.requests.filter((q) => q.status === 429)).toHaveLength(0);
				// Both workers ran jobs, and delivered them through the interactions' tokens.
				for (const w of workers) expect(w.output()).toMatch(/"msg":"job done"/);
				// Each job left its user's cooldown and credit in Redis, for every bot process.
				expect(await other.pttl(`upscale:bot:cool:${users[3]}`)).toBeGreaterThan(30_000);
				expect(Number(await other.get(`upscale:bot:used:${new Date().toISOString().slice(0, 10)}:${users[3]}`))).toBe(1);
				await expectRejected(discord.slash({ command: 'upscale', attachment: image(), userId: users[3] }), /^Slow down a little: you can upscale again <t:\d+:R>\.$/);
				// A user whose job another process holds (a shard): refused here.
				await other.set('upscale:bot:busy:419900000000000001', '1', 'PX', 60_000);
				await expectRejected(discord.slash({ command: 'upscale', attachment: image(), userId: '419900000000000001' }), 'You already have an upscale in progress. Wait for it to finish, then try again.');
			} finally {
				await bot.stop();
			}
		} finally {
			await Promise.all(workers.map((w) => new Promise((r) => (w.proc.once('exit', r), w.proc.kill('SIGTERM')))));
			other.disconnect();
			await vendor.stop();
			await redis.stop();
		}
	}, 120_000);

	it('with REDIS_URL: a bot worker killed mid-job (SIGKILL): another worker resumes the stored task and delivers it, one submit', async () => {
		const redis = await startRedis();
		const vendor = new ClipdropFake({ keys: { [CD_KEY]: 1000 }, rateLimit: { requests: 60, windowMs: 6000 }, taskDurationMs: 4000, workers: 8 });
		await vendor.start();
		const e = env({ REDIS_URL: redis.url, CLIPDROP_BASE_URL: vendor.url, CLIPDROP_RATE_LIMIT: '60/6s', BOT_WORKER_LOCK_SECONDS: '2' });
		const [first] = await botWorkers(1, e);
		const later: Array<{ proc: ReturnType<typeof spawn> }> = [];
		try {
			const config = loadConfig(e);
			const bot = createBot(config, createLogger('debug', [config.token, CD_KEY, XM_TOKEN], (l) => logs.push(l)));
			await bot.start();
			try {
				const id = discord.slash({ command: 'upscale', attachment: image(), userId: '420000000000000001', options: [opt('strategy', STRING, 'smooth')] });
				// The task exists (its queue position is shown): the worker dies.
				await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /Clipdrop: (queued|upscaling)/.test(x.body.content ?? '')), 20_000);
				first.proc.kill('SIGKILL');
				later.push(...(await botWorkers(1, e)));
				await finalOf(id);
				expect(last(id, 'edit').body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
				expect(vendor.count('async')).toBe(1);
			} finally {
				await bot.stop();
			}
		} finally {
			for (const w of [first, ...later]) if (w.proc.exitCode === null && w.proc.signalCode === null) await new Promise((r) => (w.proc.once('exit', r), w.proc.kill('SIGTERM')));
			await vendor.stop();
			await redis.stop();
		}
	}, 120_000);

	it('a daily credit cap per user', async () => {
		await withBot({ BOT_USER_DAILY_CREDITS: '1' }, async () => {
			await finalOf(discord.slash({ command: 'upscale', attachment: image() }));
			await expectRejected(discord.slash({ command: 'upscale', attachment: image() }), /^You have used your 1 credit for today\. The limit resets <t:\d+:R>\.$/);
		});
	});
});

describe('a job that outlives the interaction token', () => {
	it('is delivered in the channel, mentioning the user', async () => {
		cd.opts.taskDurationMs = 1500;
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('strategy', STRING, 'smooth')], userId: '455000000000000001' });
			await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));
			discord.expireToken(id);
			const recorded = await discord.waitFor((r) => r.some((x) => x.kind === 'channel-message'), 20_000);
			const msg = recorded.find((x) => x.kind === 'channel-message')!;
			expect(msg.channelId).toBe('300000000000000001');
			expect(msg.body.content).toMatch(/^<@455000000000000001> your upscale took longer than Discord keeps a reply open, so here it is:\n✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
			expect(msg.body.allowed_mentions).toEqual({ users: ['455000000000000001'] });
			expect(await dims(msg.files[0].data)).toMatchObject({ width: 640, height: 480 });
			expect(discord.of(id).some((x) => x.kind === 'edit' && x.status === 401)).toBe(true);
		});
	});
});

describe('/upscale-credits', () => {
	it('needs Manage Server', async () => {
		await withBot({}, async () => {
			await expectRejected(discord.slash({ command: 'upscale-credits', permissions: '0' }), 'Only members with the Manage Server permission can see the credits.');
		});
	});

	it('answers only in the servers of BOT_ALLOWED_GUILDS, like /upscale', async () => {
		await withBot({ BOT_ALLOWED_GUILDS: '299999999999999999' }, async () => {
			await expectRejected(discord.slash({ command: 'upscale-credits', permissions: MANAGE_GUILD }), 'This bot is not enabled on this server.');
		});
		expect(xm.count()).toBe(0);
	});

	it('shows the balances to a manager, privately', async () => {
		await withBot({}, async () => {
			await finalOf(discord.slash({ command: 'upscale', attachment: image() }));
			const id = discord.slash({ command: 'upscale-credits', permissions: MANAGE_GUILD });
			await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit'));
			expect(discord.of(id)[0].body).toEqual({ type: 5, data: { flags: 64 } });
			expect(last(id, 'edit').body.content).toMatch(/^\*\*Upscaling credits\*\*\nClipdrop: 999 credits left \(as of <t:\d+:R>\)\nXimilar: 100000 credits left\nJobs: 0 running, 0 waiting\.$/);
		});
	});
});

describe('the local engine (BOT_LOCAL_ENGINE=on)', () => {
	const PHOTO = readFileSync(resolve(__dirname, '../fixtures/chelsea.jpg'));
	/** Only the local engine: no vendor key at all. */
	const localOnly = (extra: Record<string, string> = {}) => {
		const e = env({ BOT_LOCAL_ENGINE: 'on', ...extra });
		delete e.CLIPDROP_API_KEY;
		delete e.XIMILAR_API_TOKEN;
		return e;
	};
	async function withLocalBot(e: NodeJS.ProcessEnv, fn: () => Promise<void>) {
		const config = loadConfig(e);
		const bot = createBot(config, createLogger('debug', [config.token], (l) => logs.push(l)));
		await bot.start();
		try {
			await fn();
		} finally {
			await bot.stop();
		}
	}

	it('with no vendor key it is the default: progress in percent, the image, and no credits', async () => {
		// On ONNX Runtime this photo is done before the first progress edit is due; the slower TF.js engine shows it.
		process.env.UPSCALE_LOCAL_BACKEND = 'tfjs';
		await withLocalBot(localOnly(), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image('cat.jpg', PHOTO, 451, 300) });
			await finalOf(id);
			expect(discord.of(id)[0]).toMatchObject({ kind: 'callback', body: { type: 5 } });
			const texts = discord.of(id).map((c) => c.body.content).filter(Boolean);
			expect(texts.some((t: string) => /^⏳ Upscaling with the local engine: \d+% · elapsed \d+ s$/.test(t))).toBe(true);
			const final = last(id, 'edit');
			expect(final.body.content).toBe('✅ Upscaled 451×300 → 902×600 with the local engine. Free: no credits used.');
			expect(final.files[0].name).toBe('cat-upscaled.jpg');
			expect(await dims(final.files[0].data)).toEqual({ width: 902, height: 600, format: 'jpeg' });
		}).finally(() => delete process.env.UPSCALE_LOCAL_BACKEND);
		expect(cd.count() + xm.count()).toBe(0);
	});

	it('is a provider choice next to the vendors, with its own options', async () => {
		await withLocalBot(env({ BOT_LOCAL_ENGINE: 'on' }), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'local'), opt('scale', NUMBER, 3), opt('format', STRING, 'png')] });
			await finalOf(id);
			const final = last(id, 'edit');
			expect(final.body.content).toBe('✅ Upscaled 320×240 → 960×720 with the local engine. Free: no credits used.');
			expect(await dims(final.files[0].data)).toEqual({ width: 960, height: 720, format: 'png' });
			// The default stays the vendor when a key is set.
			const v = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(v);
			expect(last(v, 'edit').body.content).toMatch(/with Clipdrop\. Credits used: 1/);
		});
	});

	it.each([
		['over the bot\'s size cap', { BOT_LOCAL_MAX_MEGAPIXELS: '1' }, [opt('scale', NUMBER, 8)], '❌ That would be 2560×1920 (4.9 MP); the local engine on this bot makes images up to 1 MP. Use a smaller scale.'],
		['a Ximilar option', {}, [opt('mode', STRING, 'ironed_out')], '❌ The local engine does not take mode (a Ximilar option): drop it, or use that vendor.'],
		['more than 8x with the AI model', {}, [opt('scale', NUMBER, 10)], '❌ The AI model upscales at most 8x (asked: 10.00x); fast mode goes up to 16x.'],
	])('rejected at once: %s', async (_label, extra, options, expected) => {
		await withLocalBot(localOnly(extra), async () => {
			await expectRejected(discord.slash({ command: 'upscale', attachment: image(), options }), expected);
		});
	});

	it('fast mode (bicubic) is an option too', async () => {
		await withLocalBot(localOnly(), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('scale', NUMBER, 10), opt('fast', BOOLEAN, true)] });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toBe('✅ Upscaled 320×240 → 3200×2400 with the local engine. Free: no credits used.');
		});
	});

	it('best quality (ESRGAN-thick x4) is an option, refused with fast mode', async () => {
		await withLocalBot(localOnly(), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image('small.jpg', await jpeg(64, 48), 64, 48), options: [opt('scale', NUMBER, 3), opt('best', BOOLEAN, true)] });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toBe('✅ Upscaled 64×48 → 192×144 with the local engine. Free: no credits used.');
			await expectRejected(discord.slash({ command: 'upscale', attachment: image(), options: [opt('best', BOOLEAN, true), opt('fast', BOOLEAN, true)] }), '❌ Choose fast mode or best quality, not both.');
		});
	});

	it('is not offered unless enabled', async () => {
		await withBot({}, async () => {
			await expectRejected(discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'local')] }), 'The local engine is not set up on this bot.');
		});
	});

	it('goes through the same queue and limits: one job per user at a time', async () => {
		await withLocalBot(localOnly(), async () => {
			const first = discord.slash({ command: 'upscale', attachment: image('cat.jpg', PHOTO, 451, 300), options: [opt('scale', NUMBER, 4)] });
			await discord.waitFor((r) => r.some((x) => x.interactionId === first && x.kind === 'callback'));
			await expectRejected(discord.slash({ command: 'upscale', attachment: image() }), 'You already have an upscale in progress. Wait for it to finish, then try again.');
			await finalOf(first);
			expect(last(first, 'edit').body.content).toBe('✅ Upscaled 451×300 → 1804×1200 with the local engine. Free: no credits used.');
			// The log says which engine ran the model.
			const localDone = () => logs.flatMap((l) => l.trim().split('\n')).map((l) => JSON.parse(l)).find((l) => l.msg === 'job succeeded' && l.job === first);
			for (let i = 0; i < 40 && !localDone(); i++) await new Promise((r) => setTimeout(r, 50));
			expect(localDone()).toMatchObject({ provider: 'local', backend: 'onnx' });
		});
	});

	it('/upscale-credits lists it as free', async () => {
		await withLocalBot(env({ BOT_LOCAL_ENGINE: 'on' }), async () => {
			const id = discord.slash({ command: 'upscale-credits', permissions: MANAGE_GUILD });
			await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit'));
			expect(last(id, 'edit').body.content).toMatch(/\nLocal engine: free \(runs on this bot\)\nJobs: 0 running, 0 waiting\.$/);
		});
	});

	it('configuration: the default provider must be enabled, and the switch must be on or off', () => {
		expect(() => loadConfig(env({ BOT_LOCAL_ENGINE: 'maybe' }))).toThrow("The bot's configuration has 1 problem:\n  - BOT_LOCAL_ENGINE must be on or off");
		expect(() => loadConfig(env({ UPSCALE_DEFAULT_PROVIDER: 'local' }))).toThrow("The bot's configuration has 1 problem:\n  - UPSCALE_DEFAULT_PROVIDER is local but BOT_LOCAL_ENGINE is not on");
		expect(loadConfig(localOnly()).defaultProvider).toBe('local');
		expect(() => loadConfig(localOnly({ UPSCALE_LOCAL_THREADS: '0' }))).toThrow(`BOT_LOCAL_ENGINE: UPSCALE_LOCAL_THREADS must be a whole number from 1 to ${Math.min(8, availableParallelism())}, this machine's CPUs (got "0").`);
	});
});

describe('operations', () => {
	/** Runs a built bot script; onReady is called once it logged "bot ready", with its stdout so far (a getter). */
	const runNode = (script: string, extra: Record<string, string>, onReady?: (child: ReturnType<typeof spawn>, stdoutSoFar: () => string) => Promise<void>) =>
		new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
			const child = spawn(process.execPath, [resolve(CLI, '../../bot', script)], { env: { PATH: process.env.PATH, ...extra } as NodeJS.ProcessEnv });
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (d) => {
				stdout += d;
				if (onReady && stdout.includes('"msg":"bot ready"')) {
					const cb = onReady;
					onReady = undefined;
					void cb(child, () => stdout);
				}
			});
			child.stderr.on('data', (d) => (stderr += d));
			child.on('exit', (code) => res({ code, stdout, stderr }));
		});

	it('a second bot on the same BOT_DATA_DIR is refused with one line (its databases belong to the first); the first goes on', async () => {
		const e = env() as Record<string, string>;
		let second: { code: number | null; stdout: string; stderr: string } | undefined;
		let firstPid: number | undefined;
		let id = '';
		const first = await runNode('main.js', e, async (child) => {
			firstPid = child.pid;
			second = await runNode('main.js', e);
			id = discord.slash({ command: 'upscale', attachment: image(), userId: '478000000000000001' });
			await finalOf(id);
			child.kill('SIGTERM');
		});
		expect(second!.code).toBe(1);
		expect(second!.stderr).toBe(`upscale-bot: Another bot (pid ${firstPid}) is using the data directory ${e.BOT_DATA_DIR}: stop it, or give this one its own BOT_DATA_DIR.\n`);
		expect(first.code).toBe(0);
		expect(last(id, 'edit').body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
	});

	it('bot:deploy registers the commands Discord expects', async () => {
		const r = await runNode('deploy.js', env({ BOT_LOCAL_ENGINE: 'on' }) as Record<string, string>);
		expect(r.stderr).toBe('');
		expect(r.stdout.trim()).toBe(`Registered /upscale, "Upscale" (message menu), /upscale-credits, /upscale-settings in guild ${GUILD} (available now).`);
		const [upscale, menu, credits] = discord.commands.guild[GUILD] as any[];
		// Installable to a server or a user; usable in a server, the bot's DM and private channels (no deprecated dm_permission).
		expect(upscale).toMatchObject({ name: 'upscale', type: 1, integration_types: [0, 1], contexts: [0, 1, 2] });
		expect(upscale.dm_permission).toBeUndefined();
		expect(menu).toMatchObject({ name: 'Upscale', type: 3, integration_types: [0, 1], contexts: [0, 1, 2], name_localizations: { de: 'Hochskalieren', 'es-ES': 'Ampliar', 'es-419': 'Ampliar' } });
		const o = Object.fromEntries(upscale.options.map((x: any) => [x.name, x]));
		expect(upscale.options[0]).toMatchObject({ name: 'image', type: 11, required: true });
		expect(o.provider.choices).toEqual([
			{ name: 'Clipdrop', value: 'clipdrop' },
			{ name: 'Ximilar', value: 'ximilar' },
			{ name: 'Local (free, runs on this bot)', name_localizations: { de: 'Lokal (kostenlos, läuft auf diesem Bot)', 'es-ES': 'Local (gratis, se ejecuta en este bot)', 'es-419': 'Local (gratis, se ejecuta en este bot)' }, value: 'local' },
		]);
		expect(upscale).toMatchObject({ description_localizations: { de: 'Ein Bild hochskalieren (PNG, JPEG oder WebP)' } });
		expect(upscale.options[0]).toMatchObject({ name_localizations: { de: 'bild', 'es-ES': 'imagen' } });
		expect(o.scale).toMatchObject({ type: 10, min_value: 1.1, max_value: 16 });
		expect(o.width).toMatchObject({ type: 4, min_value: 1, max_value: 12288 });
		expect(o.quality).toMatchObject({ type: 4, min_value: 1, max_value: 100 });
		expect(o.mode.choices.map((c: any) => c.value)).toEqual(['artifact_removal', 'ironed_out', 'high_fidelity']);
		expect(o.private.type).toBe(5);
		expect(credits).toMatchObject({ name: 'upscale-credits', default_member_permissions: MANAGE_GUILD, integration_types: [0], contexts: [0] });
	});

	it('a bad configuration is refused with one readable line per problem, secrets not repeated', async () => {
		const r = await runNode('main.js', { DISCORD_TOKEN: 'short-secret', DISCORD_APPLICATION_ID: 'abc', BOT_MAX_CONCURRENT_JOBS: '0', CLIPDROP_BASE_URL: 'clipdrop-api.co' });
		expect(r.code).toBe(2);
		expect(r.stderr).toBe(
			[
				"The bot's configuration has 5 problems:",
				'  - DISCORD_TOKEN looks too short to be a bot token',
				'  - DISCORD_APPLICATION_ID must be a Discord id (17 to 20 digits)',
				'  - CLIPDROP_BASE_URL must be an http(s) URL',
				'  - BOT_MAX_CONCURRENT_JOBS must be a whole number from 1 to 50',
				'  - set CLIPDROP_API_KEY and/or XIMILAR_API_TOKEN, or BOT_LOCAL_ENGINE=on: the bot needs at least one provider',
				'',
			].join('\n'),
		);
		expect(r.stderr).not.toContain('short-secret');
	});

	it('no lost work: killed with SIGKILL mid-job, the restarted bot resumes the paid task and delivers it', async () => {
		cd.opts.taskDurationMs = 4000;
		const e = env() as Record<string, string>;
		const jobsFile = join(e.BOT_DATA_DIR, 'jobs.json');
		let id = '';
		/** The bot logs "task submitted" (with the task id) the moment the vendor's task id is stored. */
		const submitted = (out: string) => out.split('\n').some((l) => l.includes('"msg":"task submitted"') && l.includes('"taskId"'));
		const first = await runNode('main.js', e, async (child, stdoutSoFar) => {
			id = discord.slash({ command: 'upscale', attachment: image(), userId: '477000000000000001' });
			// Wait until the task id is stored (the credits are spent), then crash hard.
			const deadline = Date.now() + 10_000;
			while (Date.now() < deadline && !submitted(stdoutSoFar())) await new Promise((r) => setTimeout(r, 50));
			child.kill('SIGKILL');
		});
		expect(first.code).toBeNull();
		expect(discord.of(id).some((x) => x.kind === 'edit' && x.body.content?.startsWith('✅'))).toBe(false);
		const second = await runNode('main.js', e, async (child) => {
			await finalOf(id);
			child.kill('SIGTERM');
		});
		expect(second.code).toBe(0);
		const final = last(id, 'edit');
		expect(final.body.content).toMatch(/^✅ Upscaled .*640×480 with Clipdrop\./);
		expect(await dims(final.files[0].data)).toMatchObject({ width: 640, height: 480 });
		expect(discord.of(id).some((x) => x.body.content === '⏳ The bot restarted; picking your upscale up where it was…')).toBe(true);
		expect(cd.count('async')).toBe(1);
		expect(second.stdout).toContain('"msg":"resuming job"');
		expect(existsSync(jobsFile)).toBe(false);
	});

	it.each([
		['a job the crash caught before it was submitted is reported, not silently dropped', 'clipdrop', {}, '❌ The bot stopped before the job was sent to Clipdrop: nothing was charged. Please run /upscale again.'],
		['a local job the crash interrupted is reported too', 'local', { BOT_LOCAL_ENGINE: 'on' }, '❌ The bot stopped while the local engine was working on this job: nothing was charged. Please run /upscale again.'],
	])('%s', async (_label, provider, extra, expected) => {
		const e = env(extra) as Record<string, string>;
		const id = discord.slash({ command: 'upscale', attachment: image() }); // no bot connected: nobody answers
		const it = discord.interactions.get(id)!;
		const { writeFileSync } = await import('node:fs');
		writeFileSync(join(e.BOT_DATA_DIR, 'jobs.json'), JSON.stringify([{ interactionId: id, applicationId: APP, token: it.token, channelId: it.channelId, guildId: GUILD, userId: '400000000000000001', provider, options: {}, fileName: 'photo.jpg', attachmentSizeLimit: 10485760, acceptedAt: Date.now() }]));
		const r = await runNode('main.js', e, async (child) => {
			await discord.waitFor((rec) => rec.some((x) => x.interactionId === id && x.kind === 'edit'));
			child.kill('SIGTERM');
		});
		expect(r.code).toBe(0);
		expect(last(id, 'edit').body.content).toBe(expected);
		expect(cd.count()).toBe(0);
	});

	it('SIGTERM lets the running job finish and deliver, then exits 0', async () => {
		cd.opts.taskDurationMs = 2000;
		const r = await runNode('main.js', env() as Record<string, string>, async (child) => {
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('strategy', STRING, 'smooth')], userId: '466000000000000001' });
			await discord.waitFor((rec) => rec.some((x) => x.interactionId === id && x.kind === 'callback'));
			child.kill('SIGTERM');
		});
		expect(r.code).toBe(0);
		const final = discord.recorded.filter((x) => x.kind === 'edit').pop()!;
		expect(final.body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
		expect(final.files).toHaveLength(1);
		const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
		expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['bot ready', 'job accepted', 'signal received', 'stopping: finishing running and queued jobs', 'job done', 'stopped']));
		expect(lines.find((l) => l.msg === 'stopped').outcome).toBe('drained');
		for (const s of [TOKEN, CD_KEY, XM_TOKEN]) expect(r.stdout + r.stderr).not.toContain(s);
	});
});

// Last in this file: no secret in anything the bot logged during every test above.
it('logged no token or key', () => {
	const all = logs.join('');
	for (const s of [TOKEN, CD_KEY, XM_TOKEN]) expect(all).not.toContain(s);
});
