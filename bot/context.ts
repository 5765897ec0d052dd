/** Everything a command, the job runner and the resume step share: built once per bot from its configuration. */
import type { Redis } from 'ioredis';
import type { Client } from 'discord.js';
import { UpscaleClient, type ProviderId, type Upscaler, type VendorId } from '../core';
import { LocalUpscaler, nodePorts } from '../runtime';
import type { BotConfig } from './config';
import { Delivery } from './delivery';
import type { Logger } from '../runtime/log';
import { JobQueue } from './queue';
import { RedisUserLimits } from './redis-user-limits';
import { MemoryUserLimits, type UserLimits } from './user-limits';
import { BotJobQueue } from './fleet/queue';
import { JobStore } from './store';
import { connectRedis } from '../runtime/redis-connection';
import { redisState } from '../runtime/redis-state';

export interface BotContext {
	config: BotConfig;
	log: Logger;
	client: Client;
	queue: JobQueue;
	/** Each user's limits (in this process, or shared through Redis). */
	limits: UserLimits;
	/** With REDIS_URL: the jobs go to `upscale-bot worker` processes instead of this process's queue. */
	fleet?: BotJobQueue;
	store: JobStore;
	delivery: Delivery;
	/** The vendors with a key, and every offered provider (the vendors and, when on, the local engine). */
	vendors: Partial<Record<VendorId, UpscaleClient>>;
	local?: LocalUpscaler;
	upscalers: Partial<Record<ProviderId, Upscaler>>;
	/** The last balance a job's answer reported, per vendor (for vendors that report it only with a job). */
	lastRemaining: Partial<Record<VendorId, { remaining: number; at: number }>>;
	/** Aborted when the shutdown grace period ends: running jobs stop. */
	stopping: AbortController;
	/** With REDIS_URL: the connection behind the shared request budgets (closed at shutdown). */
	redis?: Redis;
}

export function createContext(config: BotConfig, log: Logger, client: Client): BotContext {
	const ports = nodePorts();
	const vendors: BotContext['vendors'] = {};
	const redis = config.redisUrl ? connectRedis(config.redisUrl, (message) => log.warn('shared request budget', { error: message })) : undefined;
	const state = redis ? redisState(redis) : undefined;
	for (const [id, p] of Object.entries(config.providers) as Array<[VendorId, NonNullable<BotConfig['providers'][VendorId]>]>) {
		vendors[id] = new UpscaleClient({ provider: id, apiKey: p.key, baseUrl: p.baseUrl, rateLimit: p.rateLimit, ports, state });
	}
	const local = config.local ? new LocalUpscaler({ threads: config.local.threads, tileSize: config.local.tileSize }) : undefined;
	const store = new JobStore(config.dataDir);
	// With REDIS_URL a user's limits hold across every bot process on that Redis (shards, machines).
	const limits: UserLimits = redis
		? new RedisUserLimits(redis, { cooldownMs: config.cooldownMs, dailyCreditCap: config.dailyCreditCap, busyTtlMs: config.jobTimeoutMs + 5 * 60_000 })
		: new MemoryUserLimits({ cooldownMs: config.cooldownMs, dailyCreditCap: config.dailyCreditCap });
	return {
		config,
		log,
		client,
		queue: new JobQueue({ concurrency: config.maxConcurrentJobs, limits }),
		limits,
		fleet: config.redisUrl ? new BotJobQueue(connectRedis(config.redisUrl, (message) => log.warn('redis', { error: message }), 'forever')) : undefined,
		store,
		delivery: new Delivery({ client, token: config.token, apiUrl: config.apiUrl, store, log }),
		vendors,
		local,
		upscalers: { ...vendors, ...(local ? { local } : {}) },
		lastRemaining: {},
		stopping: new AbortController(),
		redis,
	};
}
