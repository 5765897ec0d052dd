/**
 * `npm run docs:discord-message`: the picture of a result message in docs/discord.md (docs/discord-result.png). A
 * real /upscale through the bot (discord.js) against the local Discord and Clipdrop; the message the bot made (its
 * text, its file, its buttons as JSON) drawn the way Discord's dark theme draws one, in Debian's headless Chromium.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createBot } from '../bot/app';
import { loadConfig } from '../bot/config';
import { createLogger } from '../runtime/log';
import { ClipdropFake } from '../test/fakes/clipdrop';
import { DiscordFake } from '../test/fakes/discord';

const ROOT = resolve(__dirname, '..');
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.docs.discord-bot-token-0123456789';
const APP = '500000000000000001';
const KEY = 'docs-clipdrop-key-0123456789';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
/** The parts of a message this picture draws (Discord's message JSON). */
interface Part {
	type: number;
	style?: number;
	label?: string;
	placeholder?: string;
}
interface Drawn {
	content: string;
	components?: Array<{ components: Part[] }>;
}

const STYLES: Record<number, string> = { 1: '#5865f2', 2: '#4e5058', 3: '#248046', 4: '#da373c' };

/** A component as Discord draws it: a button, or a select menu's closed box. */
function component(c: Part): string {
	if (c.type === 2) return `<span class="button" style="background:${STYLES[c.style ?? 2] ?? STYLES[2]}">${esc(c.label ?? '')}</span>`;
	return `<span class="select">${esc(c.placeholder ?? '')}<span class="chevron">⌄</span></span>`;
}

/** The message: avatar, name, text, the image, the rows of components. */
function html(m: Drawn, image: Buffer, type: string): string {
	const rows = (m.components ?? []).map((r) => `<div class="row">${r.components.map(component).join('')}</div>`).join('');
	// Debian's Chromium has no colour emoji font: ✅ drawn as Discord's green check.
	const text = esc(m.content).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/✅/g, '<span class="ok">✓</span>');
	return `<!doctype html><meta charset="utf-8"><style>
		body { margin: 0; background: #313338; font: 16px/1.375 "gg sans", "Noto Sans", "DejaVu Sans", sans-serif; color: #dbdee1; }
		.msg { display: flex; gap: 16px; padding: 16px 24px 20px; width: 640px; }
		.avatar { width: 40px; height: 40px; border-radius: 50%; background: #5865f2; flex: none; }
		.name { color: #f2f3f5; font-weight: 600; } .app { background: #5865f2; color: #fff; font-size: 10px; padding: 1px 5px; border-radius: 3px; margin-left: 4px; vertical-align: 2px; }
		.time { color: #949ba4; font-size: 12px; margin-left: 6px; }
		img { display: block; max-width: 400px; border-radius: 8px; margin-top: 8px; }
		.row { display: flex; gap: 8px; margin-top: 8px; }
		.button { color: #fff; font-size: 14px; font-weight: 500; padding: 0 16px; height: 32px; line-height: 32px; border-radius: 3px; }
		.select { display: flex; justify-content: space-between; width: 400px; background: #1e1f22; color: #949ba4; font-size: 15px; padding: 8px 12px; border-radius: 4px; }
		.chevron { color: #dbdee1; }
		.ok { display: inline-block; background: #248046; color: #fff; font-size: 13px; font-weight: 700; width: 18px; height: 18px; line-height: 18px; text-align: center; border-radius: 3px; vertical-align: 1px; }
	</style><div class="msg" id="msg"><div class="avatar"></div><div>
		<div><span class="name">Upscaler</span><span class="app">APP</span><span class="time">Today at 14:02</span></div>
		<div>${text}</div><img src="data:${type};base64,${image.toString('base64')}">${rows}</div></div>`;
}

async function main() {
	const discord = new DiscordFake({ botToken: TOKEN, applicationId: APP });
	const cd = new ClipdropFake({ keys: { [KEY]: 1000 }, taskDurationMs: 300 });
	await Promise.all([discord.start(), cd.start()]);
	const env = {
		DISCORD_TOKEN: TOKEN,
		DISCORD_APPLICATION_ID: APP,
		DISCORD_API_URL: discord.api,
		DISCORD_CDN_HOSTS: new URL(discord.url).host,
		CLIPDROP_API_KEY: KEY,
		CLIPDROP_BASE_URL: cd.url,
		BOT_LOCAL_ENGINE: 'on',
		BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'docs-bot-')),
		BOT_LOG_LEVEL: 'error',
	};
	const config = loadConfig(env);
	const bot = createBot(config, createLogger('error', [TOKEN, KEY], () => undefined));
	await bot.start();
	const photo = readFileSync(resolve(ROOT, 'test/fixtures/chelsea.jpg'));
	const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
	try {
		const url = discord.addCdnFile('chelsea.jpg', photo, 'image/jpeg');
		const id = discord.slash({ command: 'upscale', attachment: { filename: 'chelsea.jpg', contentType: 'image/jpeg', size: photo.length, width: 451, height: 300, url } });
		await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^✅/.test(x.body.content ?? '')), 30_000);
		const final = discord.of(id).filter((r) => r.kind === 'edit' && r.files.length).pop()!;
		const page = await browser.newPage({ viewport: { width: 700, height: 600 } });
		await page.setContent(html(discord.replyOf(id), final.files[0].data, final.files[0].contentType));
		await page.locator('#msg').screenshot({ path: resolve(ROOT, 'docs/discord-result.png') });
		process.stdout.write('wrote docs/discord-result.png\n');
	} finally {
		await browser.close();
		await bot.stop();
		await Promise.all([discord.stop(), cd.stop()]);
	}
}

main().catch((e) => {
	process.stderr.write(`docs:discord-message failed: ${(e as Error).message}\n`);
	process.exit(1);
});
