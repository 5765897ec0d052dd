/**
 * The per-user limits shared by every bot process on one Redis (REDIS_URL): shards, or bots on several machines.
 * One Lua script checks and holds a user's slot atomically. Keys (prefix `upscale:bot:`, by Discord user id):
 * `busy:{user}` (held while a job runs; it expires after the longest a job can take, so a crashed process does not
 * lock a user out), `cool:{user}` (the cooldown, expiring on its own), `used:{day}:{user}` (the day's credits, kept
 * two days), `charges:{user}` (the buckets the held job is charged to: a server's, a member's, a user install's,
 * whose counts are `used:{day}:{bucket id}`), `held:{bucket id}` (the users whose running job holds one credit of the
 * bucket until it finishes, scored by when their slot expires).
 */
import type { Redis } from 'ioredis';
import { counted, nextMidnight, utcDay, type Bucket, type LimitSettings, type Rejection, type UserLimits } from './user-limits';

const P = 'upscale:bot:';
const TWO_DAYS_MS = 2 * 86_400_000;
const HELD = `${P}held:`;

/**
 * KEYS: busy, cool, used, charges, then each bucket's used and held keys. ARGV: busy ttl ms, the user's cap, the
 * buckets' ids (space-separated), now (ms), the user, then each bucket's cap. A bucket counts its running jobs as one
 * credit each; a used-up one answers its position (1-based) and its count.
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
local now = tonumber(ARGV[4])
for b = 1, (#KEYS - 4) / 2 do
  local usedKey, heldKey, bucketCap = KEYS[3 + 2 * b], KEYS[4 + 2 * b], tonumber(ARGV[5 + b])
  redis.call('ZREMRANGEBYSCORE', heldKey, '-inf', now)
  if bucketCap > 0 then
    local used = tonumber(redis.call('GET', usedKey) or '0')
    if used + redis.call('ZCARD', heldKey) >= bucketCap then return {'bucket-cap', tostring(b), tostring(used)} end
  end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
for b = 1, (#KEYS - 4) / 2 do
  redis.call('ZADD', KEYS[4 + 2 * b], now + tonumber(ARGV[1]), ARGV[5])
  redis.call('PEXPIRE', KEYS[4 + 2 * b], ARGV[1])
end
if ARGV[3] == '' then redis.call('DEL', KEYS[4]) else redis.call('SET', KEYS[4], ARGV[3], 'PX', ${TWO_DAYS_MS}) end
return {'ok'}
`;

/** Lets the credits a claim's buckets held go (`charges`: their ids), given the ARGV holding the held-key prefix and the user. */
const letGo = (prefix: string, user: string) => `
for id in string.gmatch(charges, '[^ ]+') do redis.call('ZREM', ${prefix} .. id, ${user}) end
`;

/** KEYS: busy, charges. ARGV: the held-key prefix, the user. The slot back without counting anything. */
const RELEASE = `
local charges = redis.call('GET', KEYS[2]) or ''
redis.call('DEL', KEYS[1], KEYS[2])
${letGo('ARGV[1]', 'ARGV[2]')}
return 1
`;

/**
 * KEYS: busy, cool, used, charges. ARGV: credits, cooldown ms, the day's used-key prefix, the held-key prefix, the
 * user. Counts the user and the claim's buckets.
 */
const FINISH = `
local charges = redis.call('GET', KEYS[4]) or ''
redis.call('DEL', KEYS[1], KEYS[4])
${letGo('ARGV[4]', 'ARGV[5]')}
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
	finishUserSlot(busy: string, cool: string, used: string, charges: string, credits: string, cooldownMs: string, usedPrefix: string, heldPrefix: string, userId: string): Promise<number>;
	releaseUserSlot(busy: string, charges: string, heldPrefix: string, userId: string): Promise<number>;
};

export class RedisUserLimits implements UserLimits {
	private readonly redis: WithScripts;

	constructor(
		redis: Redis,
		private readonly settings: LimitSettings & { /** How long a held slot outlives a process that died holding it. */ busyTtlMs: number },
	) {
		if (!('claimUserSlots' in redis)) redis.defineCommand('claimUserSlots', { lua: CLAIM });
		if (!('finishUserSlot' in redis)) redis.defineCommand('finishUserSlot', { numberOfKeys: 4, lua: FINISH });
		if (!('releaseUserSlot' in redis)) redis.defineCommand('releaseUserSlot', { numberOfKeys: 2, lua: RELEASE });
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
		const keys = [k.busy, k.cool, k.used, k.charges, ...buckets.flatMap((b) => [this.usedKey(b.id), HELD + b.id])];
		const args = [String(this.settings.busyTtlMs), String(this.settings.dailyCreditCap), buckets.map((b) => b.id).join(' '), String(this.now()), userId, ...buckets.map((b) => String(b.cap))];
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
		await this.redis.releaseUserSlot(k.busy, k.charges, HELD, userId);
	}

	async finish(userId: string, credits: number | null): Promise<void> {
		const k = this.keys(userId);
		await this.redis.finishUserSlot(k.busy, k.cool, k.used, k.charges, String(counted(credits)), String(this.settings.cooldownMs), `${P}used:${utcDay(this.now())}:`, HELD, userId);
	}

	async usedToday(id: string): Promise<number> {
		return Number((await this.redis.get(this.usedKey(id))) ?? 0);
	}
}
