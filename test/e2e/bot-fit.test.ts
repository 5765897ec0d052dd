/**
 * Results that do not fit on Discord, through the real discord.js client against the local Discord (which refuses an
 * upload over the limit with 413 / 40005 "Request entity too large", as Discord does) and the vendor fakes:
 *   a. a result under the bot's limit goes as it is;
 *   b. over the bot's own 10 MiB (a user with Nitro: the interaction allows 500 MiB): re-encoded as WebP, said so;
 *   c. too large even re-encoded: the vendor's link with its expiry (Clipdrop, which gives none: why there is none);
 *   d. BOT_PUBLIC_URL: the bot's own signed link, fetched over HTTP: the exact bytes, its type and name, HEAD; the
 *      file kept after the delivery and removed once expired; changed, expired, unknown and other paths refused;
 *   e. a server with boost tier 2: a 20 MB result posted as it is; a private job's late DM held to 10 MiB there.
 * The big results are upscaled noise (it does not compress): 1024² RGBA → a 17.6 MB PNG whose WebP is about 7 MB;
 * 1400² → 33 MB, whose WebP is over 10 MiB too.
 */
import { createServer } from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { linkSignature } from '../../runtime/signed-links';
import { upscale } from '../fakes/images';
import { BOOLEAN, botWorld, cd, discord, env, finalOf, GUILD, image, last, opt, startedBot, STRING, withBot, withBotEnv } from '../helpers/bot';
import { dims } from '../helpers/images';

botWorld();

const MIB = 1024 * 1024;
const deferred = (id: string) => discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));

/** A square RGBA PNG of noise (a fixed seed: the same bytes every run). */
async function noise(side: number, channels: 3 | 4 = 4): Promise<Buffer> {
	const raw = Buffer.alloc(side * side * channels);
	let x = 0x9e3779b9;
	for (let i = 0; i < raw.length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		raw[i] = x & 0xff;
	}
	return sharp(raw, { raw: { width: side, height: side, channels } }).png({ compressionLevel: 1 }).toBuffer();
}

/** A free port on 127.0.0.1 for the bot's link server (BOT_PUBLIC_URL must name it before the bot starts). */
async function freePort(): Promise<number> {
	const s = createServer();
	await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
	const port = (s.address() as { port: number }).port;
	await new Promise((r) => s.close(r));
	return port;
}

/** The final reply of a job: its text and its one file (if any). */
async function finalReply(id: string) {
	await finalOf(id);
	const edit = last(id, 'edit');
	return { content: edit.body.content as string, file: edit.files[0], status: edit.status };
}

const noisePng = (name: string, bytes: Buffer, side: number) => image(name, bytes, side, side, 'image/png');

describe('a. a result that fits', () => {
	it('goes as it is: the vendor’s bytes, no word of re-encoding', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image() });
			const r = await finalReply(id);
			expect(r.content).toBe('✅ Upscaled 320×240 → 640×480 with Clipdrop. Credits used: 1 · remaining: 999');
			expect(await dims(r.file.data)).toMatchObject({ width: 640, height: 480, format: 'jpeg' });
		});
	}, 30_000);
});

describe("b. over the bot's own 10 MiB, for a user with Nitro", () => {
	it('is re-encoded as WebP (alpha kept), under the limit, and the message says so with the original size', async () => {
		const input = await noise(1024);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('noise.png', input, 1024), attachmentSizeLimit: 500 * MIB });
			const r = await finalReply(id);
			expect(r.status).toBe(200);
			expect(r.content).toMatch(/^✅ Upscaled 1024×1024 → 2048×2048 with Clipdrop\. .*\nRe-encoded as WebP to fit Discord's 10\.0 MB upload limit here; the original is 1\d\.\d MB\.$/);
			expect(r.file.name).toBe('noise-upscaled.webp');
			expect(r.file.contentType).toBe('image/webp');
			expect(r.file.data.length).toBeLessThanOrEqual(10 * MIB);
			const m = await sharp(r.file.data).metadata();
			expect({ format: m.format, width: m.width, height: m.height, hasAlpha: m.hasAlpha }).toEqual({ format: 'webp', width: 2048, height: 2048, hasAlpha: true });
		});
	}, 90_000);

	it('an image without alpha whose WebP does not fit but whose JPEG does: a high-quality JPEG', async () => {
		const input = await noise(512, 3);
		// The limit between the two encodings of the very result (upscaled noise: JPEG is a little smaller).
		const result = await upscale(input, 1024, 1024, 'png');
		const webpSize = (await sharp(result).webp({ quality: 90 }).toBuffer()).length;
		const jpegSize = (await sharp(result).jpeg({ quality: 90 }).toBuffer()).length;
		expect(jpegSize).toBeLessThan(webpSize);
		const limit = Math.floor((jpegSize + webpSize) / 2);
		await withBot({}, async () => {
			// Ximilar asked for a PNG (Clipdrop answers an opaque image with a JPEG already).
			const id = discord.slash({ command: 'upscale', attachment: noisePng('flat.png', input, 512), attachmentSizeLimit: limit, options: [opt('provider', STRING, 'ximilar'), opt('format', STRING, 'png')] });
			const r = await finalReply(id);
			expect(r.content).toMatch(/\nRe-encoded as JPEG to fit Discord's 0\.7 MB upload limit here; the original is 3\.\d MB\.$/);
			expect({ name: r.file.name, type: r.file.contentType }).toEqual({ name: 'flat-upscaled.jpg', type: 'image/jpeg' });
			expect(r.file.data.length).toBeLessThanOrEqual(limit);
			expect(await dims(r.file.data)).toMatchObject({ width: 1024, height: 1024, format: 'jpeg' });
		});
	}, 60_000);

	it('in German too', async () => {
		const input = await noise(1024);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('noise.png', input, 1024), locale: 'de' });
			const r = await finalReply(id);
			expect(r.content).toMatch(/\nAls WebP neu kodiert, um unter Discords Upload-Limit von 10,0 MB hier zu passen; das Original ist 1\d,\d MB groß\.$/);
		});
	}, 90_000);
});

describe('c. too large even re-encoded', () => {
	it("Ximilar: the vendor's link with its expiry, the exact result behind it", async () => {
		const input = await noise(1400);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('big.png', input, 1400), options: [opt('provider', STRING, 'ximilar')] });
			const r = await finalReply(id);
			expect(r.file).toBeUndefined();
			const link = /\nThe file is 3\d\.\d MB, over this server's 10\.0 MB upload limit, so here is a link instead \(it expires <t:\d+:R>\): (http:\/\/127\.0\.0\.1:\d+\/upscale\/[\w-]+\.png)$/.exec(r.content);
			expect(link).not.toBeNull();
			const url = link![1];
			const res = await fetch(url);
			expect(Buffer.from(await res.arrayBuffer()).equals(await upscale(input, 2800, 2800, 'png'))).toBe(true);
		});
	}, 120_000);

	it('an interaction that allows less than the bot (attachment_size_limit 2000): held to it; a result with no vendor link says why', async () => {
		const w = await sharp(await noise(320, 3)).webp({ quality: 90 }).toBuffer();
		await withBot({}, async () => {
			// A WebP goes to Clipdrop's sync endpoint, which answers with the bytes and no link.
			const id = discord.slash({ command: 'upscale', attachment: image('p.webp', w, 320, 320, 'image/webp'), attachmentSizeLimit: 2000 });
			const r = await finalReply(id);
			expect(r.file).toBeUndefined();
			expect(r.content).toMatch(/^✅ Upscaled 320×320 → 640×640 with Clipdrop\. Credits used: 1 · remaining: 999\nBut the file is 0\.\d MB, over this server's 0\.0 MB upload limit, and Clipdrop gave no link for it\. Try a smaller scale\.$/);
		});
	}, 30_000);
});

describe("d. BOT_PUBLIC_URL: the bot's own signed link", () => {
	it('serves the exact bytes with their type and name (HEAD too), kept after delivery and a restart until it expires; refuses changed, expired and unknown links', async () => {
		const input = await noise(1400);
		const port = await freePort();
		const base = `http://127.0.0.1:${port}`;
		const e = env({ BOT_PUBLIC_URL: `${base}/`, BOT_PUBLIC_HOST: '127.0.0.1', BOT_PUBLIC_PORT: String(port), BOT_PUBLIC_LINK_HOURS: '2' });
		let links: { url: string; id: string; exp: string } | undefined;
		await withBotEnv(e, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('фото.png', input, 1400) });
			const r = await finalReply(id);
			expect(r.file).toBeUndefined();
			const m = /\nThe file is 3\d\.\d MB, over Discord's 10\.0 MB upload limit here, so here is a link instead \(it expires <t:(\d+):R>\): (\S+)$/.exec(r.content);
			expect(m).not.toBeNull();
			const url = new URL(m![2]);
			expect(url.origin + url.pathname).toBe(`${base}/r/${id}`);
			expect(Number(url.searchParams.get('exp'))).toBe(Number(m![1]));
			// Two hours from now (BOT_PUBLIC_LINK_HOURS), within the minute the test took.
			expect(Math.abs(Number(m![1]) * 1000 - (Date.now() + 2 * 3_600_000))).toBeLessThan(60_000);

			const res = await fetch(url);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('image/png');
			expect(res.headers.get('content-disposition')).toBe(`inline; filename="____-upscaled.png"; filename*=UTF-8''${encodeURIComponent('фото')}-upscaled.png`);
			expect(res.headers.get('x-content-type-options')).toBe('nosniff');
			const body = Buffer.from(await res.arrayBuffer());
			expect(body.equals(await upscale(input, 2800, 2800, 'png'))).toBe(true);
			expect(Number(res.headers.get('content-length'))).toBe(body.length);
			const head = await fetch(url, { method: 'HEAD' });
			expect({ status: head.status, type: head.headers.get('content-type'), length: head.headers.get('content-length'), body: (await head.arrayBuffer()).byteLength }).toEqual({ status: 200, type: 'image/png', length: String(body.length), body: 0 });

			// The outbox removed the job's own result once delivered; the link's copy stays.
			expect(readdirSync(join(e.BOT_DATA_DIR!, 'results'))).toEqual([]);

			const text = async (u: string, method = 'GET') => {
				const x = await fetch(u, { method });
				return `${x.status} ${(await x.text()).trim()}`;
			};
			const exp = url.searchParams.get('exp')!;
			const sig = url.searchParams.get('sig')!;
			const other = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
			const invalid = '403 This link is not valid: it was changed, or this bot did not make it.';
			expect(await text(`${base}/r/${id}?exp=${exp}&sig=${other(sig)}`)).toBe(invalid);
			expect(await text(`${base}/r/${id}?exp=${Number(exp) + 3600}&sig=${sig}`)).toBe(invalid);
			expect(await text(`${base}/r/${id}?exp=${exp}`)).toBe(invalid);
			expect(await text(`${base}/r/${id}?exp=${exp}&sig=${sig}&sig=${sig}`)).toBe(invalid);
			expect(await text(`${base}/r/${id.slice(0, -1)}0?exp=${exp}&sig=${sig}`)).toBe(invalid);

			// A link this bot signed that has expired: 410, whatever is on disk.
			const secret = Buffer.from(readFileSync(join(e.BOT_DATA_DIR!, 'link-secret'), 'utf8').trim(), 'base64url');
			const past = Math.floor(Date.now() / 1000) - 60;
			expect(await text(`${base}/r/${id}?exp=${past}&sig=${linkSignature(secret, 'bot-result:v1', id, past)}`)).toBe(`410 This link expired at ${new Date(past * 1000).toISOString()} and the result was deleted.`);
			// Signed, but for a job whose result is not here.
			expect(await text(`${base}/r/123?exp=${exp}&sig=${linkSignature(secret, 'bot-result:v1', '123', Number(exp))}`)).toBe('404 This result is no longer here.');
			// Signed for a name that climbs out of the folder: never a route.
			for (const path of ['..%2Flink-secret', '..%2F..%2Fbot.db', '%2E%2E', 'link-secret', `${id}.json`]) {
				const sub = decodeURIComponent(path);
				expect(await text(`${base}/r/${path}?exp=${exp}&sig=${linkSignature(secret, 'bot-result:v1', sub, Number(exp))}`)).toMatch(/^(404 Not found\.|403 This link is not valid|404 This result is no longer here\.)/);
			}
			expect(await text(`${base}/r/../link-secret`)).toBe('404 Not found.');
			expect(await text(`${base}/link-secret`)).toBe('404 Not found.');
			expect(await text(`${base}/r/${id}?exp=${exp}&sig=${sig}`, 'POST')).toBe('405 Only GET and HEAD are allowed here.');

			links = { url: url.href, id, exp };
		});
		// A restart on the same data directory: the same secret, the file still kept.
		await withBotEnv(e, async (bot) => {
			const { url, id, exp } = links!;
			const text = async (u: string) => {
				const x = await fetch(u);
				return `${x.status} ${x.status === 200 ? (await x.arrayBuffer()).byteLength : (await x.text()).trim()}`;
			};
			expect(await text(url)).toBe(`200 ${(await upscale(input, 2800, 2800, 'png')).length}`);
			// Once the link has expired, its file goes (the hourly sweep; here run as at that moment).
			const kept = join(e.BOT_DATA_DIR!, 'public', id);
			expect(existsSync(kept)).toBe(true);
			expect(await bot.ctx.publicLinks!.sweep(Date.now() + 1000)).toBe(0);
			expect(await bot.ctx.publicLinks!.sweep(Number(exp) * 1000 + 1)).toBe(1);
			expect(existsSync(kept)).toBe(false);
			expect(await text(url)).toBe('404 This result is no longer here.');
		});
	}, 120_000);

	it("a late message the channel refuses as too large (40005): the bot's link instead, in the channel", async () => {
		const port = await freePort();
		const base = `http://127.0.0.1:${port}`;
		const user = '472000000000000001';
		discord.opts.botUploadLimit = 5000; // the channel's real limit, lower than the bot knows of (the fake's result is about 15 KB)
		cd.opts.taskDurationMs = 1500;
		await withBotEnv(env({ BOT_PUBLIC_URL: base, BOT_PUBLIC_HOST: '127.0.0.1', BOT_PUBLIC_PORT: String(port) }), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), userId: user, options: [opt('strategy', STRING, 'smooth')] });
			await deferred(id);
			discord.expireToken(id);
			const all = await discord.waitFor((r) => r.some((x) => x.kind === 'channel-message' && x.status === 200), 30_000);
			const posts = all.filter((x) => x.kind === 'channel-message');
			expect(posts.map((p) => ({ status: p.status, files: p.files.length }))).toEqual([
				{ status: 413, files: 1 },
				{ status: 200, files: 0 },
			]);
			const m = /over the channel's upload limit, so here is a link instead \(it expires <t:\d+:R>\): (\S+)$/.exec(posts[1].body.content);
			expect(posts[1].body.content).toContain(`<@${user}>`);
			const res = await fetch(m![1]);
			expect({ status: res.status, type: res.headers.get('content-type'), bytes: posts[0].files[0].data.equals(Buffer.from(await res.arrayBuffer())) }).toEqual({ status: 200, type: 'image/jpeg', bytes: true });
		});
	}, 60_000);

	it('a link server port already in use: the bot does not start, and says which setting to change', async () => {
		const taken = createServer();
		await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
		const port = (taken.address() as { port: number }).port;
		const bot = startedBot(env({ BOT_PUBLIC_URL: 'https://bot.example', BOT_PUBLIC_HOST: '127.0.0.1', BOT_PUBLIC_PORT: String(port) }));
		try {
			await expect(bot.start()).rejects.toThrow(`the bot's link server (BOT_PUBLIC_URL) cannot listen on 127.0.0.1:${port}: the port is in use (another server?): choose another BOT_PUBLIC_PORT`);
		} finally {
			await bot.ctx.close();
			await new Promise((r) => taken.close(r));
		}
	});

	it('a bad BOT_PUBLIC_URL is refused at start, saying what it must be', async () => {
		await expect(withBot({ BOT_PUBLIC_URL: 'ftp://x' }, async () => undefined)).rejects.toThrow('BOT_PUBLIC_URL must be an http(s) URL');
		await expect(withBot({ BOT_PUBLIC_URL: 'https://bot.example/?a=1' }, async () => undefined)).rejects.toThrow('BOT_PUBLIC_URL must have no ?query or #fragment (the paths are added after it)');
		const withPassword = withBot({ BOT_PUBLIC_URL: 'https://me:s3cret-pw@bot.example' }, async () => undefined);
		await expect(withPassword).rejects.toThrow('BOT_PUBLIC_URL must not hold a user name or password (it would travel in every link and log line)');
		await expect(withPassword).rejects.not.toThrow('s3cret-pw');
		await expect(withBot({ BOT_PUBLIC_URL: 'https://bot.example', BOT_PUBLIC_LINK_HOURS: '200' }, async () => undefined)).rejects.toThrow('BOT_PUBLIC_LINK_HOURS must be a whole number from 1 to 168');
	});
});

describe('e. a server with boost tier 2 (50 MB)', () => {
	it('posts a 20 MB result as it is', async () => {
		const input = await noise(1100);
		discord.boostGuild(GUILD, 2);
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('boosted.png', input, 1100), attachmentSizeLimit: 50 * MIB });
			const r = await finalReply(id);
			expect(r.content).toMatch(/^✅ Upscaled 1100×1100 → 2200×2200 with Clipdrop\. Credits used: 1 · remaining: \d+$/);
			expect(r.file.data.length).toBeGreaterThan(10 * MIB);
			expect(r.file.data.equals(await upscale(input, 2200, 2200, 'png'))).toBe(true);
		});
	}, 90_000);

	it("a private job's late answer goes to the user's DM, where the limit is 10 MiB: re-encoded there", async () => {
		const input = await noise(1024);
		const user = '471000000000000001';
		discord.boostGuild(GUILD, 2);
		cd.opts.taskDurationMs = 1500;
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: noisePng('noise.png', input, 1024), userId: user, attachmentSizeLimit: 50 * MIB, options: [opt('strategy', STRING, 'smooth'), opt('private', BOOLEAN, true)] });
			await deferred(id);
			discord.expireToken(id);
			const dms = await discord.waitFor((r) => r.some((x) => x.kind === 'dm-message' && x.status === 200), 60_000);
			const dm = dms.find((x) => x.kind === 'dm-message' && x.status === 200)!;
			expect(dms.filter((x) => x.kind === 'dm-message' && x.status === 413)).toEqual([]);
			expect(dm.body.content).toMatch(/\nRe-encoded as WebP to fit Discord's 10\.0 MB upload limit here; the original is 1\d\.\d MB\.$/);
			expect(dm.files[0].data.length).toBeLessThanOrEqual(10 * MIB);
			expect(discord.recorded.filter((x) => x.kind === 'channel-message')).toEqual([]);
		});
	}, 90_000);
});
