/**
 * The bad-input corpus (test/fixtures/bad/) through the CLI and the Discord bot: each file gets the core's clear
 * message, the CLI exits 2 / the bot answers without crashing, and neither vendor receives a single request.
 * (The n8n node runs the same corpus in n8n.test.ts, inside n8n.) The fakes, sent a bad file directly, refuse it
 * as the vendors would.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../../bot/app';
import { loadConfig } from '../../bot/config';
import { createLogger } from '../../runtime/log';
import { ClipdropFake } from '../fakes/clipdrop';
import { DiscordFake } from '../fakes/discord';
import { XimilarFake } from '../fakes/ximilar';
import { BAD_DIR, CASES, bigBadFiles } from '../fixtures/bad/make';
import { cliOutputs, runCli } from '../helpers/cli';

const CD_KEY = 'corpus-clipdrop-key-000111';
const XM_TOKEN = 'corpus-ximilar-token-000111';
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.fake.corpus-bot-token-0123456789';
let dir: string;
let cd: ClipdropFake;
let xm: XimilarFake;

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'bad-corpus-'));
	for (const f of readdirSync(BAD_DIR)) if (!f.endsWith('.ts')) copyFileSync(join(BAD_DIR, f), join(dir, f));
	await bigBadFiles(dir);
	cd = new ClipdropFake({ keys: { [CD_KEY]: 100 } });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 1000 } } });
	await cd.start();
	await xm.start();
});

afterAll(async () => {
	await cd.stop();
	await xm.stop();
});

describe('through the CLI: exit 2, the message, no request', () => {
	const env = () => ({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, XIMILAR_BASE_URL: xm.url, XIMILAR_API_TOKEN: XM_TOKEN });
	it.each(CASES.map((c) => [c.file, c] as const))('%s', async (_f, c) => {
		const providers = c.clipdropArgs ? [['clipdrop', ...c.clipdropArgs]] : [['clipdrop'], ['ximilar']];
		for (const [provider, ...args] of providers) {
			const r = await runCli([join(dir, c.file), '--provider', provider, ...args], env());
			expect({ provider, code: r.code }).toEqual({ provider, code: 2 });
			expect(r.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^upscale: .*${c.message.source}`));
		}
		expect(cd.count() + xm.count()).toBe(0);
	});
});

describe('through the Discord bot: a clear answer, no request, no crash', () => {
	it('every corpus file, then a good image still works', async () => {
		const discord = new DiscordFake({ botToken: TOKEN, applicationId: '500000000000000002' });
		await discord.start();
		const config = loadConfig({
			DISCORD_TOKEN: TOKEN,
			DISCORD_APPLICATION_ID: '500000000000000002',
			DISCORD_API_URL: discord.api,
			DISCORD_CDN_HOSTS: new URL(discord.url).host,
			CLIPDROP_API_KEY: CD_KEY,
			CLIPDROP_BASE_URL: cd.url,
			BOT_USER_COOLDOWN_SECONDS: '0',
			BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'bot-data-')),
		});
		const logs: string[] = [];
		const bot = createBot(config, createLogger('debug', [TOKEN, CD_KEY], (l) => logs.push(l)));
		await bot.start();
		try {
			// The 17 MP JPEG is bad only for Clipdrop's sync endpoint; the bot uses the async one where it can.
			for (const c of CASES.filter((x) => !x.clipdropArgs)) {
				const bytes = readFileSync(join(dir, c.file));
				const url = discord.addCdnFile(c.file, bytes, c.discord.contentType);
				const id = discord.slash({ command: 'upscale', attachment: { filename: c.file, contentType: c.discord.contentType, size: bytes.length, width: c.discord.width, height: c.discord.height, url }, userId: `48${String(CASES.indexOf(c)).padStart(2, '0')}00000000000001` });
				// Either an ephemeral answer at once, or (when only the bytes tell) a deferred reply ending in ❌.
				await discord.waitFor((r) => r.some((x) => x.interactionId === id && (x.kind === 'callback' && x.body.type === 4 || (x.kind === 'edit' && /^❌/.test(x.body.content ?? '')))));
				const answer = discord.of(id).find((x) => x.body.type === 4)?.body.data.content ?? discord.of(id).filter((x) => x.kind === 'edit').pop()!.body.content;
				expect({ file: c.file, answer }).toEqual({ file: c.file, answer: expect.stringMatching(c.message) });
			}
			const good = readFileSync(join(__dirname, '../fixtures/sample.jpg'));
			const id = discord.slash({ command: 'upscale', attachment: { filename: 'ok.jpg', contentType: 'image/jpeg', size: good.length, width: 320, height: 240, url: discord.addCdnFile('ok.jpg', good, 'image/jpeg') }, userId: '489900000000000001' });
			await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^✅/.test(x.body.content ?? '')));
			const secrets = [TOKEN, CD_KEY];
			for (const s of secrets) {
				expect(logs.join('')).not.toContain(s);
				expect(JSON.stringify(discord.recorded.map((r) => r.body))).not.toContain(s);
			}
		} finally {
			await bot.stop();
			await discord.stop();
		}
		// Only the good image reached Clipdrop.
		expect(cd.requests.filter((q) => q.route === 'async')).toHaveLength(1);
		cd.reset();
	});
});

describe('the fakes are as strict as the vendors: the metadata bomb, sent past the core, gets a 400', () => {
	it('Clipdrop (sync and async) and Ximilar (sync and async) refuse it, and take the same image without it', async () => {
		const bomb = readFileSync(join(BAD_DIR, 'ztxt-bomb.png'));
		const zTXtEnd = 33 + 12 + bomb.readUInt32BE(33);
		expect(bomb.toString('latin1', 37, 41)).toBe('zTXt');
		const clean = Buffer.concat([bomb.subarray(0, 33), bomb.subarray(zTXtEnd)]);
		const ownCd = new ClipdropFake({ keys: { 'strict-cd-key': 10 }, taskDurationMs: 10 });
		const ownXm = new XimilarFake({ tokens: { 'strict-xm-token': { limit: 1000 } }, taskDurationMs: 10 });
		await ownCd.start();
		await ownXm.start();
		try {
			const clipdrop = (path: string, file: Buffer, async: boolean) => {
				const form = new FormData();
				form.append('image_file', new Blob([file], { type: 'image/png' }), 'image.png');
				form.append('target_width', '128');
				form.append('target_height', '96');
				if (async) form.append('strategy', 'smooth');
				return fetch(`${ownCd.url}/image-upscaling/v1/${path}`, { method: 'POST', headers: { 'x-api-key': 'strict-cd-key' }, body: form });
			};
			const ximilar = (path: string, file: Buffer, extra: Record<string, unknown>) =>
				fetch(`${ownXm.url}${path}`, { method: 'POST', headers: { authorization: 'Token strict-xm-token', 'content-type': 'application/json' }, body: JSON.stringify({ ...extra, records: [{ _base64: file.toString('base64') }] }) });
			for (const [path, async] of [['upscale', false], ['async-upscale', true]] as const) {
				const refused = await clipdrop(path, bomb, async);
				expect({ path, status: refused.status, body: await refused.json() }).toEqual({ path, status: 400, body: { error: 'Input image format is not valid' } });
				expect({ path, status: (await clipdrop(path, clean, async)).status }).toEqual({ path, status: 200 });
			}
			expect(ownCd.credits.get('strict-cd-key')).toBe(8);
			const xmRefusal = { status: { code: 400, text: 'Bad Request', error_description: 'Invalid image: Decompressed Data Too Large' } };
			for (const [path, extra, ok] of [['/upscaler/2x/upscale', {}, 200], ['/account/v2/request', { type: 'upscaler', endpoint: 'upscale_2x' }, 201]] as const) {
				const refused = await ximilar(path, bomb, extra);
				expect({ path, status: refused.status, body: await refused.json() }).toEqual({ path, status: 400, body: xmRefusal });
				expect({ path, status: (await ximilar(path, clean, extra)).status }).toEqual({ path, status: ok });
			}
		} finally {
			await ownCd.stop();
			await ownXm.stop();
		}
	});
});

// Last in this file: what every case above must leave behind.
it('no case reached a vendor, and no output carried a key', () => {
	expect(cd.count() + xm.count()).toBe(0);
	for (const s of [CD_KEY, XM_TOKEN]) expect(cliOutputs.join('\n')).not.toContain(s);
});
