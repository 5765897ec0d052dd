/** The bot's configuration from the environment: defaults, the vendors from the registry, one line per problem. */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, offeredProviders } from '../../bot/config';

const TOKEN = 'bot-token-'.padEnd(60, 'x');
const base = { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: '100000000000000001' };

function problems(env: NodeJS.ProcessEnv): string[] {
	try {
		loadConfig(env);
	} catch (e) {
		if (e instanceof ConfigError) return e.problems;
		throw e;
	}
	throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
	it('defaults: two jobs at once, 30 s cooldown, no cap, 30 min jobs, 10 min grace, ./data, Discord CDN hosts', () => {
		const c = loadConfig({ ...base, CLIPDROP_API_KEY: ' cd-key ' });
		expect(c).toMatchObject({
			token: TOKEN,
			providers: { clipdrop: { key: 'cd-key' } },
			local: null,
			defaultProvider: 'clipdrop',
			maxConcurrentJobs: 2,
			cooldownMs: 30_000,
			dailyCreditCap: 0,
			jobTimeoutMs: 1_800_000,
			shutdownGraceMs: 600_000,
			dataDir: resolve('data'),
			logLevel: 'info',
			cdnHosts: ['cdn.discordapp.com', 'media.discordapp.net'],
		});
		expect(offeredProviders(c)).toEqual(['clipdrop']);
	});

	it("each vendor's key, host and quota come from its registry names; the first vendor with a key is the default", () => {
		const c = loadConfig({ ...base, XIMILAR_API_TOKEN: 'xm', XIMILAR_BASE_URL: 'http://127.0.0.1:9/', XIMILAR_RATE_LIMIT: '10/s', CLIPDROP_API_KEY: 'cd', CLIPDROP_RATE_LIMIT: '120/min' });
		expect(c.providers).toEqual({
			clipdrop: { key: 'cd', baseUrl: undefined, rateLimit: { requests: 120, windowMs: 60_000 } },
			ximilar: { key: 'xm', baseUrl: 'http://127.0.0.1:9', rateLimit: { requests: 10, windowMs: 1000 } },
		});
		expect(c.defaultProvider).toBe('clipdrop');
		expect(loadConfig({ ...base, XIMILAR_API_TOKEN: 'xm' }).defaultProvider).toBe('ximilar');
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'cd', XIMILAR_API_TOKEN: 'xm', UPSCALE_DEFAULT_PROVIDER: 'ximilar' }).defaultProvider).toBe('ximilar');
	});

	it('the local engine: on/off words, its limit, and it can be the default', () => {
		const c = loadConfig({ ...base, BOT_LOCAL_ENGINE: 'yes', BOT_LOCAL_MAX_MEGAPIXELS: '4', UPSCALE_DEFAULT_PROVIDER: 'local' });
		expect(c.local).toMatchObject({ maxOutputPixels: 4_000_000 });
		expect(c.defaultProvider).toBe('local');
		expect(offeredProviders(c)).toEqual(['local']);
		expect(problems({ ...base, BOT_LOCAL_ENGINE: 'maybe' })).toContain('BOT_LOCAL_ENGINE must be on or off');
	});

	it.each([
		[{ CLIPDROP_API_KEY: 'cd', UPSCALE_DEFAULT_PROVIDER: 'openai' }, 'UPSCALE_DEFAULT_PROVIDER must be clipdrop, ximilar or local'],
		[{ CLIPDROP_API_KEY: 'cd', UPSCALE_DEFAULT_PROVIDER: 'ximilar' }, 'UPSCALE_DEFAULT_PROVIDER is ximilar but XIMILAR_API_TOKEN is not set'],
		[{ XIMILAR_API_TOKEN: 'xm', UPSCALE_DEFAULT_PROVIDER: 'clipdrop' }, 'UPSCALE_DEFAULT_PROVIDER is clipdrop but CLIPDROP_API_KEY is not set'],
		[{ CLIPDROP_API_KEY: 'cd', UPSCALE_DEFAULT_PROVIDER: 'local' }, 'UPSCALE_DEFAULT_PROVIDER is local but BOT_LOCAL_ENGINE is not on'],
		[{}, 'set CLIPDROP_API_KEY and/or XIMILAR_API_TOKEN, or BOT_LOCAL_ENGINE=on: the bot needs at least one provider'],
		[{ CLIPDROP_API_KEY: 'cd', CLIPDROP_RATE_LIMIT: 'fast' }, 'CLIPDROP_RATE_LIMIT must look like "60/min" or "120/60s"'],
		[{ CLIPDROP_API_KEY: 'cd', XIMILAR_BASE_URL: 'api.ximilar.com' }, 'XIMILAR_BASE_URL must be an http(s) URL'],
		[{ CLIPDROP_API_KEY: 'cd', BOT_ALLOWED_GUILDS: '100000000000000001, nope' }, 'BOT_ALLOWED_GUILDS: "nope" is not a Discord id'],
		[{ CLIPDROP_API_KEY: 'cd', BOT_USER_COOLDOWN_SECONDS: '-1' }, 'BOT_USER_COOLDOWN_SECONDS must be a whole number from 0 to 86400'],
		[{ CLIPDROP_API_KEY: 'cd', BOT_WORKER_LOCK_SECONDS: 'abc' }, 'BOT_WORKER_LOCK_SECONDS must be a whole number from 1 to 3600'],
		[{ CLIPDROP_API_KEY: 'cd', BOT_WORKER_LOCK_SECONDS: '0' }, 'BOT_WORKER_LOCK_SECONDS must be a whole number from 1 to 3600'],
		[{ CLIPDROP_API_KEY: 'cd', BOT_LOG_LEVEL: 'loud' }, 'BOT_LOG_LEVEL must be debug, info, warn or error'],
	])('%j → "%s"', (env, problem) => {
		expect(problems({ ...base, ...env })).toEqual([problem]);
	});

	it('REDIS_URL: shares the request budgets when set; anything but a redis:// URL is refused without repeating it', () => {
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'k' }).redisUrl).toBeUndefined();
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'k', REDIS_URL: ' redis://:pw@10.0.0.5:6379/2 ' }).redisUrl).toBe('redis://:pw@10.0.0.5:6379/2');
		const lines = problems({ ...base, CLIPDROP_API_KEY: 'k', REDIS_URL: 'http://user:hunter2@redis.internal' });
		expect(lines).toEqual(['REDIS_URL must be a redis:// or rediss:// URL (redis://[:password@]host:port[/db])']);
	});

	it('every problem at once, one line each, and never the value of a secret', () => {
		const e = (() => {
			try {
				loadConfig({ DISCORD_TOKEN: 'short-secret', CLIPDROP_API_KEY: 'cd' });
			} catch (err) {
				return err as ConfigError;
			}
		})()!;
		expect(e.message).toBe("The bot's configuration has 2 problems:\n  - DISCORD_TOKEN looks too short to be a bot token\n  - DISCORD_APPLICATION_ID is required: the application id (Developer Portal → your app → General Information)");
		expect(e.message).not.toContain('short-secret');
	});
});

describe('blank variables', () => {
	it("one set to nothing (X=, or compose's ${X} of an unset X) counts as not set, never as a bad value", () => {
		const c = loadConfig({ ...base, CLIPDROP_API_KEY: 'cd-key', XIMILAR_API_TOKEN: '', XIMILAR_BASE_URL: ' ', DISCORD_GUILD_ID: '', BOT_PUBLIC_URL: '', BOT_DATA_DIR: '', BOT_LOG_LEVEL: '', REDIS_URL: '' });
		expect(Object.keys(c.providers)).toEqual(['clipdrop']);
		expect(c).toMatchObject({ guildId: undefined, publicLinks: undefined, logLevel: 'info', redisUrl: undefined });
		expect(c.dataDir).toMatch(/data$/);
		expect(problems({ ...base, DISCORD_TOKEN: '  ', CLIPDROP_API_KEY: 'cd-key' })).toEqual(['DISCORD_TOKEN is required: the bot token (Developer Portal → your app → Bot → Reset Token)']);
	});
});

describe('base URLs', () => {
	it('refuse a user name or password (never repeated) and a query or fragment; trailing slashes go', () => {
		const p = problems({ ...base, CLIPDROP_API_KEY: 'cd', CLIPDROP_BASE_URL: 'https://u:pw-secret-1@proxy.example', XIMILAR_BASE_URL: 'https://api.ximilar.com/?x=1', DISCORD_API_URL: 'http://127.0.0.1:9/api#x' });
		expect([...p].sort()).toEqual([
			'CLIPDROP_BASE_URL must not hold a user name or password (it would travel in every link and log line)',
			'DISCORD_API_URL must have no ?query or #fragment (the paths are added after it)',
			'XIMILAR_BASE_URL must have no ?query or #fragment (the paths are added after it)',
		]);
		expect(p.join('\n')).not.toContain('pw-secret-1');
		const c = loadConfig({ ...base, CLIPDROP_API_KEY: 'cd', CLIPDROP_BASE_URL: 'http://127.0.0.1:9/v1//', DISCORD_API_URL: 'http://127.0.0.1:9/api/' });
		expect([c.providers.clipdrop?.baseUrl, c.apiUrl]).toEqual(['http://127.0.0.1:9/v1', 'http://127.0.0.1:9/api']);
	});
});

describe('folder settings', () => {
	it('a leading ~ is the home folder (compose files and .env files do not expand it); the path is made absolute', () => {
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'cd', BOT_DATA_DIR: '~/upscale-bot' }).dataDir).toBe(`${homedir()}/upscale-bot`);
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'cd', BOT_DATA_DIR: 'rel/dir' }).dataDir).toBe(resolve('rel/dir'));
		expect(loadConfig({ ...base, CLIPDROP_API_KEY: 'cd', BOT_DATA_DIR: 'a~b' }).dataDir).toBe(resolve('a~b'));
	});
});
