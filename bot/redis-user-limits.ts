/**
 * The per-user limits shared by every bot process on one Redis (REDIS_URL): shards, or bots on several machines.
 * One Lua script checks and holds a user's slot atomically. Keys (prefix `upscale:bot:`, by Discord user id):
 * `busy:{user}` (held while a job runs; it expires after the longest a job can take, so a crashed process does not
 * lock a user out), `cool:{user}` (the cooldown, expiring on its own), `used:{day}:{user}` (the day's credits, kept
 * two days).
 */
import type { Redis } from 'ioredis';
import { counted, nextMidnight, utcDay, type LimitSettings, type Rejection, type UserLimits } from './user-limits';

const P = 'upscale:bot:';

/** KEYS: busy, cool, used. ARGV: busy ttl ms, cap. */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'busy'} end
local cool = redis.call('PTTL', KEYS[2])
if cool > 0 then return {'cooldown', tostring(cool)} end
local cap = tonumber(ARGV[2])
if cap > 0 then
  local used = tonumber(redis.call('GET', KEYS[3]) or '0')
  if used >= cap then return {'daily-cap', tostring(used)} end
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return {'ok'}
`;

/** The claim script, loaded once per connection (EVALSHA after the first call). */
type WithClaim = Redis & { claimUserSlot(busy: string, cool: string, used: string, busyTtlMs: string, cap: string): Promise<string[]> };

export class RedisUserLimits implements UserLimits {
	private readonly redis: WithClaim;

	constructor(
		redis: Redis,
		private readonly settings: LimitSettings & { /** How long a held slot outlives a process that died holding it. */ busyTtlMs: number },
	) {
		if (!('claimUserSlot' in redis)) redis.defineCommand('claimUserSlot', { numberOfKeys: 3, lua: CLAIM });
		this.redis = redis as WithClaim;
	}

	private now(): number {
		return (this.settings.now ?? Date.now)();
	}

	private keys(userId: string) {
		return { busy: `${P}busy:${userId}`, cool: `${P}cool:${userId}`, used: `${P}used:${utcDay(this.now())}:${userId}` };
	}

	async claim(userId: string): Promise<Rejection | undefined> {
		const k = this.keys(userId);
		const r = await this.redis.claimUserSlot(k.busy, k.cool, k.used, String(this.settings.busyTtlMs), String(this.settings.dailyCreditCap));
		if (r[0] === 'busy') return { reason: 'busy' };
		if (r[0] === 'cooldown') return { reason: 'cooldown', retryAt: this.now() + Number(r[1]) };
		if (r[0] === 'daily-cap') return { reason: 'daily-cap', used: Number(r[1]), cap: this.settings.dailyCreditCap, resetsAt: nextMidnight(this.now()) };
		return undefined;
	}

	async release(userId: string): Promise<void> {
		await this.redis.del(this.keys(userId).busy);
	}

	async finish(userId: string, credits: number | null): Promise<void> {
		const k = this.keys(userId);
		const m = this.redis.multi().del(k.busy).incrbyfloat(k.used, counted(credits)).pexpire(k.used, 2 * 86_400_000);
		if (this.settings.cooldownMs > 0) m.set(k.cool, '1', 'PX', this.settings.cooldownMs);
		await m.exec();
	}

	async usedToday(userId: string): Promise<number> {
		return Number((await this.redis.get(this.keys(userId).used)) ?? 0);
	}
}
