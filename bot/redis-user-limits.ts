/**
 * The per-user limits shared by every bot process on one Redis (REDIS_URL): shards, or bots on several machines.
 * One Lua script checks and holds a user's slot atomically. Keys (prefix `upscale:bot:`, by Discord user id):
 * `busy:{user}` (held while a job runs; it expires after the longest a job can take, so a crashed process does not
 * lock a user out), `cool:{user}` (the cooldown, expiring on its own), `used:{day}:{user}` (the day's credits, kept
 * two days), `charges:{user}` (the buckets the held job is charged to: a server's, a member's, a user install's,
 * whose counts are `used:{day}:{bucket id}`).
 */
import type { Redis } from 'ioredis';
import { counted, nextMidnight, utcDay, type Bucket, type LimitSettings, type Rejection, type UserLimits } from './user-limits';

const P = 'upscale:bot:';
const TWO_DAYS_MS = 2 * 86_400_000;

/**
 * KEYS: busy, cool, used, charges, then each bucket's used key. ARGV: busy ttl ms, the user's cap, the buckets' ids
 * (space-separated), then each bucket's cap. A used-up bucket answers its position (1-based) and its count.
 */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy'} end
local cool = redis.call('PTTL', KEYS[2])
if cool > 0 then return {'cooldown', tostring(cool)} end
local cap = tonumber(ARGV[2])
if cap > 0 then
  local used = tonumber(redis.call('GET', KEYS[3]) or '0')
  if used >= cap then return {'daily-cap', tostring(used)} end
end
for n = 5, #KEYS do
  local bucketCap = tonumber(ARGV[n - 1])
  if bucketCap > 0 then
    local used = tonumber(redis.call('GET', KEYS[n]) or '0')
    if used >= bucketCap then return {'bucket-cap', tostring(n - 4), tostring(used)} end
  end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if ARGV[3] == '' then redis.call('DEL', KEYS[4]) else redis.call('SET', KEYS[4], ARGV[3], 'PX', ${TWO_DAYS_MS}) end
return {'ok'}
`;

/** KEYS: busy, cool, used, charges. ARGV: credits, cooldown ms, the day's used-key prefix. Counts the user and the claim's buckets. */
const FINISH = `
local charges = redis.call('GET', KEYS[4]) or ''
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('INCRBYFLOAT', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ${TWO_DAYS_MS})
for id in string.gmatch(charges, '[^ ]+') do
  redis.call('INCRBYFLOAT', ARGV[3] .. id, ARGV[1])
  redis.call('PEXPIRE', ARGV[3] .. id, ${TWO_DAYS_MS})
end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return 1
`;

/** The scripts, loaded once per connection (EVALSHA after the first call); the claim's key count varies with its buckets. */
type WithScripts = Redis & {
	claimUserSlots(numberOfKeys: number, ...keysAndArgs: string[]): Promise<string[]>;
	finishUserSlot(busy: string, cool: string, used: string, charges: string, credits: string, cooldownMs: string, usedPrefix: string): Promise<number>;
};

export class RedisUserLimits implements UserLimits {
	private readonly redis: WithScripts;

	constructor(
		redis: Redis,
		private readonly settings: LimitSettings & { /** How long a held slot outlives a process that died holding it. */ busyTtlMs: number },
	) {
		if (!('claimUserSlots' in redis)) redis.defineCommand('claimUserSlots', { lua: CLAIM });
		if (!('finishUserSlot' in redis)) redis.defineCommand('finishUserSlot', { numberOfKeys: 4, lua: FINISH });
		this.redis = redis as WithScripts;
	}

	private now(): number {
		return (this.settings.now ?? Date.now)();
	}

	private usedKey(id: string): string {
		return `${P}used:${utcDay(this.now())}:${id}`;
	}

	private keys(userId: string) {
		return { busy: `${P}busy:${userId}`, cool: `${P}cool:${userId}`, used: this.usedKey(userId), charges: `${P}charges:${userId}` };
	}

	async claim(userId: string, buckets: readonly Bucket[] = []): Promise<Rejection | undefined> {
		const k = this.keys(userId);
		const keys = [k.busy, k.cool, k.used, k.charges, ...buckets.map((b) => this.usedKey(b.id))];
		const args = [String(this.settings.busyTtlMs), String(this.settings.dailyCreditCap), buckets.map((b) => b.id).join(' '), ...buckets.map((b) => String(b.cap))];
		const r = await this.redis.claimUserSlots(keys.length, ...keys, ...args);
		if (r[0] === 'busy') return { reason: 'busy' };
		if (r[0] === 'cooldown') return { reason: 'cooldown', retryAt: this.now() + Number(r[1]) };
		if (r[0] === 'daily-cap') return { reason: 'daily-cap', used: Number(r[1]), cap: this.settings.dailyCreditCap, resetsAt: nextMidnight(this.now()) };
		if (r[0] === 'bucket-cap') {
			const b = buckets[Number(r[1]) - 1];
			return { reason: 'daily-cap', used: Number(r[2]), cap: b.cap, resetsAt: nextMidnight(this.now()), scope: b.scope };
		}
		return undefined;
	}

	async release(userId: string): Promise<void> {
		const k = this.keys(userId);
		await this.redis.del(k.busy, k.charges);
	}

	async finish(userId: string, credits: number | null): Promise<void> {
		const k = this.keys(userId);
		await this.redis.finishUserSlot(k.busy, k.cool, k.used, k.charges, String(counted(credits)), String(this.settings.cooldownMs), `${P}used:${utcDay(this.now())}:`);
	}

	async usedToday(id: string): Promise<number> {
		return Number((await this.redis.get(this.usedKey(id))) ?? 0);
	}
}
