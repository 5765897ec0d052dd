/**
 * Everything the commands and the job engine share in a bot process (or an `upscale-bot worker`): built once from
 * the configuration. Out of the box the jobs, limits and daily credits live under BOT_DATA_DIR (bot.db, limits.db)
 * and this process runs the jobs; with REDIS_URL they live in Redis and the bot fleet's workers run them.
 */
import type { Redis } from 'ioredis';
import type { Client } from 'discord.js';
import { UpscaleClient, type ProviderId, type Upscaler, type VendorId } from '../core';
import { LocalUpscaler, nodePorts } from '../runtime';
import type { Db } from '../runtime/jobs/db';
import { ensureDataDir, lockDataDir, type DirOwner } from '../runtime/jobs/lock';
import type { ExecutorDeps } from '../runtime/jobs/executor';
import { Files } from '../runtime/jobs/files';
import { FleetQueue } from '../runtime/jobs/fleet-queue';
import type { JobQueue } from '../runtime/jobs/queue';
import { Runner } from '../runtime/jobs/runner';
import type { JobStore } from '../runtime/jobs/store';
import type { Logger } from '../runtime/log';
import { connectRedis } from '../runtime/redis-connection';
import { redisState } from '../runtime/redis-state';
import type { BotConfig } from './config';
import { Delivery } from './delivery';
import { Fitter } from './fit';
import { PublicLinks } from './public-links';
import { BOT_FLEET, botJobDeps, botJobStore } from './jobs';
import { LineWatch } from './fleet/line-watch';
import { Outbox } from './outbox';
import { RedisUserLimits } from './redis-user-limits';
import { SqliteUserLimits } from './sqlite-user-limits';
import { RedisGuildSettings } from './settings/redis-settings';
import { SqliteGuildSettings } from './settings/sqlite-settings';
import type { GuildSettingsStore } from './settings/store';
import type { UserLimits } from './user-limits';

/** The bot's claim on BOT_DATA_DIR. */
const BOT_DIR: DirOwner = { file: 'bot.lock', who: 'bot', setting: 'BOT_DATA_DIR' };

export interface BotContext {
	config: BotConfig;
	log: Logger;
	client: Client;
	/** Each user's limits (limits.db, or Redis shared by every bot process). */
	limits: UserLimits;
	/** Each server's /upscale-settings (settings.db, or Redis shared by every bot process). */
	settings: GuildSettingsStore;
	jobs: JobStore;
	/** Where admitted jobs wait: this process's runner, or (REDIS_URL) the bot fleet's queues. */
	queue: JobQueue;
	/** This process's runner, when it runs its own jobs (no REDIS_URL). */
	runner?: Runner;
	/** With workers: the places in the queue of the jobs this process admitted, shown while they wait. */
	line?: LineWatch;
	files: Files;
	outbox: Outbox;
	delivery: Delivery;
	/** bot-fit: the bot's own links to results too large for Discord (BOT_PUBLIC_URL), served by the bot process. */
	publicLinks?: PublicLinks;
	/** The vendors with a key, and every offered provider (the vendors and, when on, the local engine). */
	vendors: Partial<Record<VendorId, UpscaleClient>>;
	local?: LocalUpscaler;
	upscalers: Partial<Record<ProviderId, Upscaler>>;
	/** What the job engine runs this bot's jobs with (a worker of the bot fleet builds its FleetWorker on them). */
	deps: ExecutorDeps;
	/** Closes what the context opened (databases, Redis connections, the local engine's workers). */
	close(): Promise<void>;
}

/** `role`: the bot process (admits jobs; runs them too without Redis), or a worker of the bot fleet. */
export function createContext(config: BotConfig, log: Logger, client: Client, role: 'bot' | 'worker' = 'bot'): BotContext {
	const ports = nodePorts();
	const vendors: BotContext['vendors'] = {};
	const redis = config.redisUrl ? connectRedis(config.redisUrl, (message) => log.warn('redis', { error: message }), role === 'worker' ? 'outage' : 'fail-fast') : undefined;
	const state = redis ? redisState(redis) : undefined;
	for (const [id, p] of Object.entries(config.providers) as Array<[VendorId, NonNullable<BotConfig['providers'][VendorId]>]>) {
		vendors[id] = new UpscaleClient({ provider: id, apiKey: p.key, baseUrl: p.baseUrl, rateLimit: p.rateLimit, ports, state });
	}
	const local = config.local ? new LocalUpscaler({ threads: config.local.threads, tileSize: config.local.tileSize }) : undefined;
	const upscalers = { ...vendors, ...(local ? { local } : {}) };
	const settings = { cooldownMs: config.cooldownMs, dailyCreditCap: config.dailyCreditCap, busyTtlMs: config.jobTimeoutMs + 5 * 60_000 };
	// Without Redis this process owns BOT_DATA_DIR's databases: a second bot on the same directory is refused.
	if (redis) ensureDataDir(config.dataDir, BOT_DIR.setting);
	const unlock = redis ? undefined : lockDataDir(config.dataDir, BOT_DIR);
	const limits: UserLimits & { close?(): void } = redis ? new RedisUserLimits(redis, settings) : new SqliteUserLimits(config.dataDir, settings);
	const guildSettings: GuildSettingsStore = redis ? new RedisGuildSettings(redis) : new SqliteGuildSettings(config.dataDir);
	const { jobs, db } = botJobStore(config, redis);
	const files = new Files(config.dataDir);
	const publicLinks = config.publicLinks && new PublicLinks({ dataDir: config.dataDir, baseUrl: config.publicLinks.baseUrl, ttlMs: config.publicLinks.ttlMs });
	const delivery = new Delivery({ client, token: config.token, apiUrl: config.apiUrl, log, fitter: new Fitter({ links: publicLinks, log }) });
	const outbox = new Outbox({ jobs, files, delivery, limits, log, retryMs: config.deliveryRetryMs, providers: Object.keys(upscalers) as ProviderId[] });
	const deps = botJobDeps(config, { jobs, files, upscalers, log, outbox }, 'the bot');
	const queueConnection: Redis | undefined = redis && role === 'bot' ? connectRedis(config.redisUrl!, (message) => log.warn('redis', { error: message }), 'forever') : undefined;
	const runner = redis ? undefined : new Runner({ ...deps, concurrency: config.maxConcurrentJobs, parallelUploads: config.maxConcurrentJobs, onLine: (places) => outbox.line(places) });
	const queue: JobQueue = runner ?? new FleetQueue({ names: BOT_FLEET, redis: redis!, jobs, files, connection: queueConnection ?? redis!, outcomePatch: deps.outcomePatch, onError: (message) => log.warn('queue', { error: message }) });
	const line = !runner && role === 'bot' ? new LineWatch({ queue, outbox }) : undefined;
	return {
		config,
		log,
		client,
		limits,
		settings: guildSettings,
		jobs,
		queue,
		runner,
		line,
		files,
		outbox,
		delivery,
		publicLinks,
		vendors,
		local,
		upscalers,
		deps,
		async close() {
			outbox.stop();
			line?.stop();
			if (role === 'bot' && queueConnection) await queue.stop();
			await local?.close();
			await redis?.quit().catch(() => redis.disconnect());
			limits.close?.();
			guildSettings.close?.();
			(db as Db | undefined)?.close();
			unlock?.();
		},
	};
}
