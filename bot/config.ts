/** The bot's configuration, from the environment, validated with zod: one readable line per bad value. */
import { z } from 'zod';
import { listWords, PROVIDER_IDS, UpscaleError, VENDOR_IDS, VENDOR_REGISTRY, type ProviderId, type VendorId } from '../core';
import { defaultThreads, defaultTile, requireLocalPackages } from '../runtime';
import { settingPath } from '../runtime/make-dirs';
import { ConfigError, configuredVendors, envInt, envList, envProblems, envRedisUrl, envSwitch, setVariables, envUrl, vendorSettings, type VendorSettings } from '../runtime/env-schema';

const snowflake = (name: string, whenMissing?: string) => z.string({ required_error: whenMissing }).regex(/^\d{17,20}$/, `${name} must be a Discord id (17 to 20 digits)`);
const url = envUrl;
const int = envInt;
const list = envList;

const keyName = (id: VendorId) => VENDOR_REGISTRY[id].env.key;

export const configSchema = z
	.object({
		DISCORD_TOKEN: z.string({ required_error: 'DISCORD_TOKEN is required: the bot token (Developer Portal → your app → Bot → Reset Token)' }).trim().min(30, 'DISCORD_TOKEN looks too short to be a bot token'),
		DISCORD_APPLICATION_ID: snowflake('DISCORD_APPLICATION_ID', 'DISCORD_APPLICATION_ID is required: the application id (Developer Portal → your app → General Information)'),
		DISCORD_GUILD_ID: snowflake('DISCORD_GUILD_ID').optional(),
		DISCORD_API_URL: url('DISCORD_API_URL').optional(),
		DISCORD_CDN_HOSTS: list('DISCORD_CDN_HOSTS', z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, 'is not a host name')),
		...vendorSettings,
		UPSCALE_DEFAULT_PROVIDER: z
			.string()
			.optional()
			.refine((v) => v === undefined || (PROVIDER_IDS as string[]).includes(v), { message: `UPSCALE_DEFAULT_PROVIDER must be ${listWords(PROVIDER_IDS)}` })
			.transform((v) => v as ProviderId | undefined),
		BOT_LOCAL_ENGINE: envSwitch('BOT_LOCAL_ENGINE'),
		BOT_LOCAL_MAX_MEGAPIXELS: int('BOT_LOCAL_MAX_MEGAPIXELS', 1, 268, 16),
		UPSCALE_LOCAL_THREADS: z.string().optional(),
		UPSCALE_LOCAL_TILE: z.string().optional(),
		BOT_MAX_CONCURRENT_JOBS: int('BOT_MAX_CONCURRENT_JOBS', 1, 50, 2),
		BOT_USER_COOLDOWN_SECONDS: int('BOT_USER_COOLDOWN_SECONDS', 0, 86_400, 30),
		BOT_USER_DAILY_CREDITS: int('BOT_USER_DAILY_CREDITS', 0, 1_000_000, 0),
		BOT_ALLOWED_GUILDS: list('BOT_ALLOWED_GUILDS', z.string().regex(/^\d{17,20}$/, 'is not a Discord id')),
		BOT_JOB_TIMEOUT_SECONDS: int('BOT_JOB_TIMEOUT_SECONDS', 10, 86_400, 1800),
		BOT_SHUTDOWN_GRACE_SECONDS: int('BOT_SHUTDOWN_GRACE_SECONDS', 0, 3600, 600),
		BOT_WORKER_LOCK_SECONDS: int('BOT_WORKER_LOCK_SECONDS', 1, 3600, 30),
		BOT_DELIVERY_RETRY_SECONDS: int('BOT_DELIVERY_RETRY_SECONDS', 1, 86_400, 300),
		// bot-settings (/upscale-settings): the operator's ceiling on a server's daily credits; a user install's own daily credits.
		BOT_GUILD_DAILY_CREDITS: int('BOT_GUILD_DAILY_CREDITS', 0, 1_000_000, 0),
		BOT_USER_INSTALL_DAILY_CREDITS: int('BOT_USER_INSTALL_DAILY_CREDITS', 0, 1_000_000, 10),
		// bot-fit: the bot's own links to results too large for Discord (bot/public-links.ts).
		BOT_PUBLIC_URL: url('BOT_PUBLIC_URL').optional(),
		BOT_PUBLIC_HOST: z.string().trim().min(1).default('0.0.0.0'),
		BOT_PUBLIC_PORT: int('BOT_PUBLIC_PORT', 1, 65_535, 8080),
		BOT_PUBLIC_LINK_HOURS: int('BOT_PUBLIC_LINK_HOURS', 1, 168, 24),
		BOT_DATA_DIR: z.string().trim().min(1).default('./data'),
		BOT_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { errorMap: () => ({ message: 'BOT_LOG_LEVEL must be debug, info, warn or error' }) }).default('info'),
		REDIS_URL: envRedisUrl,
	})
	.superRefine((c, ctx) => {
		const keys = c as Record<string, unknown>;
		if (!VENDOR_IDS.some((id) => keys[keyName(id)]) && !c.BOT_LOCAL_ENGINE) {
			const names = VENDOR_IDS.map(keyName);
			ctx.addIssue({ code: 'custom', path: [names[0]], message: `set ${listWords(names, 'and/or')}, or BOT_LOCAL_ENGINE=on: the bot needs at least one provider` });
		}
		if (c.UPSCALE_DEFAULT_PROVIDER === 'local' && !c.BOT_LOCAL_ENGINE) ctx.addIssue({ code: 'custom', path: ['UPSCALE_DEFAULT_PROVIDER'], message: 'UPSCALE_DEFAULT_PROVIDER is local but BOT_LOCAL_ENGINE is not on' });
		if (c.BOT_LOCAL_ENGINE) {
			try {
				requireLocalPackages('slim');
				defaultThreads({ UPSCALE_LOCAL_THREADS: c.UPSCALE_LOCAL_THREADS });
				defaultTile({ UPSCALE_LOCAL_TILE: c.UPSCALE_LOCAL_TILE });
			} catch (e) {
				ctx.addIssue({ code: 'custom', path: ['BOT_LOCAL_ENGINE'], message: (e as UpscaleError).message });
			}
		}
		const preferred = c.UPSCALE_DEFAULT_PROVIDER;
		if (preferred && preferred !== 'local' && !keys[keyName(preferred)]) {
			ctx.addIssue({ code: 'custom', path: ['UPSCALE_DEFAULT_PROVIDER'], message: `UPSCALE_DEFAULT_PROVIDER is ${preferred} but ${keyName(preferred)} is not set` });
		}
	});

export interface BotConfig {
	token: string;
	applicationId: string;
	guildId?: string;
	apiUrl?: string;
	cdnHosts: string[];
	providers: VendorSettings;
	/** The keyless local engine is offered (BOT_LOCAL_ENGINE=on), with this many model threads. */
	local: { threads: number; tileSize?: number; maxOutputPixels: number } | null;
	defaultProvider: ProviderId;
	maxConcurrentJobs: number;
	cooldownMs: number;
	dailyCreditCap: number;
	allowedGuilds: string[];
	jobTimeoutMs: number;
	shutdownGraceMs: number;
	/** A fleet's (REDIS_URL): how long a worker's claim on a job lasts unrenewed. */
	workerLockMs: number;
	/** How often a result nothing on Discord took (a permission, closed DMs, an outage) is tried again, for a day. */
	deliveryRetryMs: number;
	/** bot-settings: BOT_GUILD_DAILY_CREDITS, the most a server may use a day (0: no ceiling); a server's own cap stays under it. */
	guildDailyCreditCap: number;
	/** bot-settings: BOT_USER_INSTALL_DAILY_CREDITS, a user's daily credits where only the user installed the app, and in DMs (0: no cap). */
	userInstallDailyCreditCap: number;
	/** bot-fit: BOT_PUBLIC_URL set: the bot serves links to results too large for Discord, signed, for ttlMs. */
	publicLinks?: { baseUrl: string; host: string; port: number; ttlMs: number };
	dataDir: string;
	/** REDIS_URL: each key's request budget is shared with every other process on the key (other bots, the CLI, servers). */
	redisUrl?: string;
	logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export { ConfigError };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
	const r = configSchema.safeParse(setVariables(env));
	if (!r.success) {
		throw new ConfigError(envProblems(r.error));
	}
	const c = r.data;
	const providers = configuredVendors(c as Record<string, unknown>);
	return {
		token: c.DISCORD_TOKEN,
		applicationId: c.DISCORD_APPLICATION_ID,
		guildId: c.DISCORD_GUILD_ID,
		apiUrl: c.DISCORD_API_URL,
		cdnHosts: c.DISCORD_CDN_HOSTS.length ? c.DISCORD_CDN_HOSTS : ['cdn.discordapp.com', 'media.discordapp.net'],
		providers,
		local: c.BOT_LOCAL_ENGINE
			? { threads: defaultThreads({ UPSCALE_LOCAL_THREADS: c.UPSCALE_LOCAL_THREADS }), tileSize: defaultTile({ UPSCALE_LOCAL_TILE: c.UPSCALE_LOCAL_TILE }), maxOutputPixels: c.BOT_LOCAL_MAX_MEGAPIXELS * 1_000_000 }
			: null,
		defaultProvider: c.UPSCALE_DEFAULT_PROVIDER ?? VENDOR_IDS.find((id) => providers[id]) ?? 'local',
		maxConcurrentJobs: c.BOT_MAX_CONCURRENT_JOBS,
		cooldownMs: c.BOT_USER_COOLDOWN_SECONDS * 1000,
		dailyCreditCap: c.BOT_USER_DAILY_CREDITS,
		allowedGuilds: c.BOT_ALLOWED_GUILDS,
		jobTimeoutMs: c.BOT_JOB_TIMEOUT_SECONDS * 1000,
		shutdownGraceMs: c.BOT_SHUTDOWN_GRACE_SECONDS * 1000,
		workerLockMs: c.BOT_WORKER_LOCK_SECONDS * 1000,
		deliveryRetryMs: c.BOT_DELIVERY_RETRY_SECONDS * 1000,
		guildDailyCreditCap: c.BOT_GUILD_DAILY_CREDITS,
		userInstallDailyCreditCap: c.BOT_USER_INSTALL_DAILY_CREDITS,
		publicLinks: c.BOT_PUBLIC_URL ? { baseUrl: c.BOT_PUBLIC_URL, host: c.BOT_PUBLIC_HOST, port: c.BOT_PUBLIC_PORT, ttlMs: c.BOT_PUBLIC_LINK_HOURS * 3_600_000 } : undefined,
		dataDir: settingPath(c.BOT_DATA_DIR),
		logLevel: c.BOT_LOG_LEVEL,
		redisUrl: c.REDIS_URL,
	};
}

/** The providers /upscale offers, in the order of its choices. */
export function offeredProviders(config: BotConfig): ProviderId[] {
	return [...(Object.keys(config.providers) as VendorId[]), ...(config.local ? (['local'] as const) : [])];
}

/** For the entry points: the configuration, or the list of problems on stderr and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): BotConfig {
	try {
		return loadConfig(env);
	} catch (e) {
		if (e instanceof ConfigError) {
			process.stderr.write(`${e.message}\n`);
			process.exit(2);
		}
		throw e;
	}
}
