/**
 * REDIS_URL, for everything in the toolkit that shares state between processes: one connection with settings
 * that fail fast (a command waits for at most one reconnection; a request that cannot reach its shared budget
 * fails with "nothing was sent" rather than hanging). The URL can carry a password, so it is never logged or put
 * in an error: only its host is named.
 */
import { Redis } from 'ioredis';
import { UpscaleError, type SharedState } from '../core';
import { isRedisUrl, REDIS_URL_PROBLEM } from './env-schema';
import { redisState } from './redis-state';

/** host:port of a Redis URL, for messages (never the password). */
export function redisWhere(url: string): string {
	try {
		const u = new URL(url);
		return `${u.hostname}:${u.port || 6379}`;
	} catch {
		return 'Redis';
	}
}

/**
 * How long a command waits for Redis to come back: 'fail-fast' (one reconnection: a request says "nothing was
 * sent" at once), 'outage' (about 20 s of reconnections: a worker's job rides out a Redis restart), 'forever'
 * (what BullMQ requires of its connections).
 */
export type RedisPatience = 'fail-fast' | 'outage' | 'forever';
const RETRIES: Record<RedisPatience, number | null> = { 'fail-fast': 1, outage: 20, forever: null };

export function connectRedis(url: string, onError: (message: string) => void = () => undefined, patience: RedisPatience = 'fail-fast'): Redis {
	if (!isRedisUrl(url)) throw new UpscaleError('INVALID_OPTIONS', `${REDIS_URL_PROBLEM}.`, { local: true });
	const redis = new Redis(url.trim(), { maxRetriesPerRequest: RETRIES[patience], connectTimeout: 5000 });
	let last = '';
	redis.on('error', (e: Error) => {
		// ioredis repeats the same error on every reconnection attempt: report each new one once.
		const message = `Redis at ${redisWhere(url)}: ${e.message.split(url).join(redisWhere(url))}`;
		if (message !== last) onError(message);
		last = message;
	});
	redis.on('ready', () => (last = ''));
	return redis;
}

/** With REDIS_URL: the request budgets every process on a key shares; without it, none (each process its own). */
export function sharedStateFromEnv(env: NodeJS.ProcessEnv = process.env, onError?: (message: string) => void): { state?: SharedState; close(): Promise<void> } {
	const url = env.REDIS_URL?.trim();
	if (!url) return { close: async () => undefined };
	const redis = connectRedis(url, onError);
	return {
		state: redisState(redis),
		close: async () => {
			await redis.quit().catch(() => redis.disconnect());
		},
	};
}
