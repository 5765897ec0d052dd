/**
 * The world the bot's end-to-end suites run in: a local Discord (gateway, REST, CDN) and both vendor fakes, started
 * once per file (botWorld()), reset before each test, and the helpers every bot test uses: the bot's environment,
 * a bot's life on it, an attachment on the fake CDN, slash-command options, waiting for a reply.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createBot, type Bot } from '../../bot/app';
import { loadConfig } from '../../bot/config';
import { createLogger } from '../../runtime/log';
import { ClipdropFake } from '../fakes/clipdrop';
import { DiscordFake, type Recorded } from '../fakes/discord';
import { XimilarFake } from '../fakes/ximilar';
import { CLI } from './cli';

export const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
export const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.fake.discord-bot-token-0123456789';
export const APP = '500000000000000001';
export const GUILD = '200000000000000001';
export const CD_KEY = 'bot-e2e-clipdrop-key-0123';
export const XM_TOKEN = 'bot-e2e-ximilar-token-0123';

/** The fakes of the file's suite (live bindings: set by botWorld()'s beforeAll). */
export let discord: DiscordFake;
export let cd: ClipdropFake;
export let xm: XimilarFake;
/** Every line the suite's bots logged (checked for secrets at the end). */
export const logs: string[] = [];

/** Starts the fakes for the file, stops them after it, resets them before each test. */
export function botWorld(): void {
	beforeAll(async () => {
		discord = new DiscordFake({ botToken: TOKEN, applicationId: APP });
		cd = new ClipdropFake({ keys: { [CD_KEY]: 1000 }, taskDurationMs: 300 });
		xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 100_000 } }, taskDurationMs: 300 });
		await Promise.all([discord.start(), cd.start(), xm.start()]);
	});
	afterAll(async () => {
		await Promise.all([discord.stop(), cd.stop(), xm.stop()]);
	});
	beforeEach(() => {
		cd.reset();
		xm.reset();
		cd.opts.taskDurationMs = 300;
		xm.opts.taskDurationMs = 300;
		discord.recorded.length = 0;
		discord.resetPolicies();
	});
}

/** The bot's environment against the fakes, with a fresh BOT_DATA_DIR. */
export function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	return {
		DISCORD_TOKEN: TOKEN,
		DISCORD_APPLICATION_ID: APP,
		DISCORD_GUILD_ID: GUILD,
		DISCORD_API_URL: discord.api,
		DISCORD_CDN_HOSTS: new URL(discord.url).host,
		CLIPDROP_API_KEY: CD_KEY,
		CLIPDROP_BASE_URL: cd.url,
		XIMILAR_API_TOKEN: XM_TOKEN,
		XIMILAR_BASE_URL: xm.url,
		BOT_USER_COOLDOWN_SECONDS: '0',
		BOT_LOG_LEVEL: 'debug',
		BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'bot-data-')),
		...extra,
	};
}

/** One bot's life on this environment (the same environment twice: a restart on the same BOT_DATA_DIR). */
export async function withBotEnv(e: NodeJS.ProcessEnv, fn: (bot: Bot) => Promise<void>): Promise<void> {
	const bot = startedBot(e);
	await bot.start();
	try {
		await fn(bot);
	} finally {
		await bot.stop();
	}
}

/** A bot on this environment, logging into `logs` (not started). */
export function startedBot(e: NodeJS.ProcessEnv): Bot {
	const config = loadConfig(e);
	return createBot(config, createLogger('debug', [config.token, CD_KEY, XM_TOKEN], (l) => logs.push(l)));
}

export const withBot = (extra: Record<string, string>, fn: (bot: Bot) => Promise<void>) => withBotEnv(env(extra), fn);

/** An attachment served by the fake CDN, as Discord describes it in an interaction. */
export const image = (name = 'photo.jpg', bytes: Buffer = SAMPLE, width = 320, height = 240, contentType = 'image/jpeg') => ({
	filename: name,
	contentType,
	size: bytes.length,
	width,
	height,
	url: discord.addCdnFile(name, bytes, contentType),
});

/** A slash-command option as Discord sends it; its types. */
export const opt = (name: string, type: number, value: unknown) => ({ name, type, value });
export const STRING = 3;
export const INTEGER = 4;
export const BOOLEAN = 5;
export const NUMBER = 10;
export const CHANNEL_TYPE = 7;
export const ROLE_TYPE = 8;
/** Manage Server, the permission /upscale-settings asks for. */
export const MANAGE_GUILD = '32';
type Option = ReturnType<typeof opt>;

/** /upscale-settings <sub> [options] (or <group> <sub>), as Discord sends it; by a member with Manage Server unless `where` says otherwise. */
export function settings(path: string, options: Option[] = [], where: Record<string, unknown> = {}): string {
	const [a, b] = path.split(' ');
	const sub = { name: b ?? a, type: 1, options };
	const top = b ? { name: a, type: 2, options: [sub] } : sub;
	return discord.slash({ command: 'upscale-settings', options: [top as never], permissions: MANAGE_GUILD, ...where });
}

/** An answer given at once (type 4) and only to the user: its text. */
export async function answer(id: string): Promise<string> {
	await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));
	const c = discord.of(id).find((x) => x.kind === 'callback')!;
	expect({ type: c.body.type, ephemeral: (c.body.data?.flags ?? 0) & 64 }).toEqual({ type: 4, ephemeral: 64 });
	return c.body.data.content;
}

/** The reply's final edit (✅ or ❌). */
export const finalOf = (id: string) => discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^(✅|❌)/.test(x.body.content ?? '')));
export const last = (id: string, kind: Recorded['kind']) => discord.of(id).filter((r) => r.kind === kind).pop()!;

/** `upscale-bot worker` processes as a user starts them (the built dist), with the bot's environment; started when they say so. */
export async function botWorkers(n: number, e: NodeJS.ProcessEnv): Promise<Array<{ proc: ChildProcess; output: () => string }>> {
	const bin = join(CLI, '..', '..', 'bot', 'main.js');
	return Promise.all(
		Array.from({ length: n }, async () => {
			const proc = spawn(process.execPath, [bin, 'worker'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e }, stdio: ['ignore', 'pipe', 'pipe'] });
			let out = '';
			proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
			proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
			await new Promise<void>((res, rej) => {
				const t = setTimeout(() => rej(new Error(`bot worker did not start:\n${out}`)), 20_000);
				proc.stderr!.on('data', () => /taking jobs from Redis/.test(out) && (clearTimeout(t), res()));
				proc.once('exit', (code) => (clearTimeout(t), rej(new Error(`bot worker exited ${code}:\n${out}`))));
			});
			return { proc, output: () => out };
		}),
	);
}

/** Stops worker processes (SIGTERM) and waits for them. */
export async function stopWorkers(workers: Array<{ proc: ChildProcess }>): Promise<void> {
	for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) await new Promise((r) => (w.proc.once('exit', r), w.proc.kill('SIGTERM')));
}
