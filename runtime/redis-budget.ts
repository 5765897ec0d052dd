/**
 * The request budget shared by every process on a key, kept in Redis: the same rule as the in-process
 * RequestBudget (core/budget.ts) — at most N requests in any window, a request holding its place from departure
 * until its answer and for a full window after it — decided atomically by one Lua script, on Redis's clock, so
 * processes on different machines cannot disagree about time.
 *
 * Per scope, three keys under one hash tag (a Redis Cluster keeps them on one node):
 * - `…:inflight` sorted set: requests sent and not answered, scored by their lease's end. A process renews the lease
 *   of its requests while they run; one that died stops renewing, and its requests count as answered when their
 *   lease ran out (then hold the window for a full window more: the vendor may have counted them late).
 * - `…:finished` sorted set: answered requests, scored by when the answer came; pruned after a window.
 * - `…:blocked`: after a 429, the time before which nobody sends.
 * The scope contains the API key, so keys are named by a SHA-256 of it: no key is ever written to Redis.
 * Within a process, waiters are served first come, first served (as in RequestBudget); across processes, whoever
 * asks first when a place frees gets it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Budget, BudgetLimits, Clock, Grant, Sleep } from '../core';

/** Takes a place when one is free (ARGV[4] = the grant's id; '' only asks); returns the wait in ms (0: taken). */
const TAKE = `
local inflight, finished, blocked = KEYS[1], KEYS[2], KEYS[3]
local requests, window, margin = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local id, lease, recheck = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', inflight, '-inf', now, 'WITHSCORES')
for i = 1, #dead, 2 do
  redis.call('ZREM', inflight, dead[i])
  redis.call('ZADD', finished, dead[i + 1], dead[i])
end
redis.call('ZREMRANGEBYSCORE', finished, '-inf', now - window - margin)
local wait = 0
local b = tonumber(redis.call('GET', blocked) or '0')
if b > now then wait = b - now end
local nIn = redis.call('ZCARD', inflight)
local nFin = redis.call('ZCARD', finished)
local over = nIn + nFin - requests
if over >= 0 then
  if over < nFin then
    local e = redis.call('ZRANGE', finished, over, over, 'WITHSCORES')
    wait = math.max(wait, tonumber(e[2]) + window + margin - now)
  else
    wait = math.max(wait, recheck)
  end
end
if wait <= 0 and id ~= '' then
  redis.call('ZADD', inflight, now + lease, id)
end
local ttl = window + margin + lease + 60000
redis.call('PEXPIRE', inflight, ttl)
redis.call('PEXPIRE', finished, ttl)
return wait
`;

/** The answer came back: the request moves from in flight to answered, now. */
const DONE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
end
return 0
`;

/** Still running: the lease of a request in flight is extended (only if it is still there). */
const RENEW = `
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', 'CH', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]), ARGV[1])
`;

/** Nobody sends for ARGV[1] ms from now (never shortens a longer block). */
const BLOCK = `
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local b = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > b then redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]) + 1000) end
return 0
`;

/** The four scripts, loaded once per connection: each call after the first sends the script's SHA (EVALSHA). */
const SCRIPTS = {
	budgetTake: { numberOfKeys: 3, lua: TAKE },
	budgetDone: { numberOfKeys: 2, lua: DONE },
	budgetRenew: { numberOfKeys: 1, lua: RENEW },
	budgetBlock: { numberOfKeys: 1, lua: BLOCK },
};
type Arg = string | number;
type WithBudget = Redis & {
	budgetTake(inflight: string, finished: string, blocked: string, ...args: Arg[]): Promise<number>;
	budgetDone(inflight: string, finished: string, id: string): Promise<number>;
	budgetRenew(inflight: string, id: string, leaseMs: number): Promise<number>;
	budgetBlock(blocked: string, ms: number): Promise<number>;
};

function withBudgetScripts(redis: Redis): WithBudget {
	for (const [name, definition] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, definition);
	return redis as WithBudget;
}

/** How often a waiter asks again while the window is full of requests still in flight. */
const IN_FLIGHT_RECHECK_MS = 25;

export interface RedisBudgetOptions {
	/** Key prefix (default `upscale:budget`). */
	prefix?: string;
	/** How long a request in flight holds its place without a renewal (default 30 s; renewed every third of it). */
	leaseMs?: number;
	/** The caller's clock, to turn blockUntil's time into a duration (default Date.now). */
	now?: () => number;
}

export class RedisBudget implements Budget {
	private tail: Promise<void> = Promise.resolve();
	private readonly keys: [string, string, string];
	private readonly leaseMs: number;
	private readonly now: () => number;
	private readonly redis: WithBudget;
	private readonly owner = randomBytes(6).toString('hex');
	private seq = 0;
	/** Requests granted by this process, and how long its callers waited in total. */
	granted = 0;
	waitedMs = 0;

	constructor(
		redis: Redis,
		scope: string,
		public limits: BudgetLimits,
		opts: RedisBudgetOptions = {},
	) {
		const id = createHash('sha256').update(scope).digest('hex').slice(0, 32);
		const base = `${opts.prefix ?? 'upscale:budget'}:{${id}}`;
		this.keys = [`${base}:inflight`, `${base}:finished`, `${base}:blocked`];
		this.leaseMs = opts.leaseMs ?? 30_000;
		this.now = opts.now ?? Date.now;
		this.redis = withBudgetScripts(redis);
	}

	private get marginMs(): number {
		return Math.max(5, Math.ceil(this.limits.windowMs * 0.002));
	}

	private async take(id: string): Promise<number> {
		const { requests, windowMs } = this.limits;
		try {
			const wait = await this.redis.budgetTake(...this.keys, requests, windowMs, this.marginMs, id, this.leaseMs, IN_FLIGHT_RECHECK_MS);
			return Number(wait);
		} catch (e) {
			const where = `Redis at ${this.redis.options.host ?? 'localhost'}:${this.redis.options.port ?? 6379}`;
			const why = /max retries|connection is closed|writeable|ECONNREFUSED|ETIMEDOUT|ENOTFOUND/i.test((e as Error).message) ? 'is unreachable' : `failed: ${(e as Error).message}`;
			throw new Error(`${where} ${why}: start it, or unset REDIS_URL to let this process keep its own budget`);
		}
	}

	async delayFor(): Promise<number> {
		return this.take('');
	}

	acquire(_clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<Grant> {
		const turn = this.tail.then(() => this.waitForPlace(sleep, signal));
		this.tail = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}

	private async waitForPlace(sleep: Sleep, signal?: AbortSignal): Promise<Grant> {
		const id = `${this.owner}:${++this.seq}`;
		for (;;) {
			if (signal?.aborted) throw new Error('aborted');
			const wait = await this.take(id);
			if (wait <= 0) {
				this.granted++;
				return this.grant(id);
			}
			this.waitedMs += wait;
			await sleep(wait, signal);
		}
	}

	private grant(id: string): Grant {
		const renew = setInterval(() => void this.redis.budgetRenew(this.keys[0], id, this.leaseMs).catch(() => undefined), Math.max(1000, Math.floor(this.leaseMs / 3)));
		renew.unref();
		let open = true;
		return {
			done: () => {
				if (!open) return;
				open = false;
				clearInterval(renew);
				// If Redis cannot be told, the lease ends the request's hold on its own.
				void this.redis.budgetDone(this.keys[0], this.keys[1], id).catch(() => undefined);
			},
		};
	}

	async blockUntil(until: number): Promise<void> {
		const ms = Math.ceil(until - this.now());
		if (ms > 0) await this.redis.budgetBlock(this.keys[2], ms);
	}
}
