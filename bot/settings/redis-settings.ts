/**
 * The servers' settings shared by every bot process on one Redis (REDIS_URL). Keys (prefix `upscale:bot:`):
 * `guild:{guild}` a hash of the scalar settings (JSON values), `guild:{guild}:channels` and `guild:{guild}:roles`
 * sets. Each change is one atomic command or script, so two admins on two shards cannot lose each other's change.
 */
import type { Redis } from 'ioredis';
import { MAX_LIST, SCALAR_KEYS, type GuildSettings, type GuildSettingsStore, type ListName, type ScalarSettings } from './store';

const P = 'upscale:bot:guild:';

/** KEYS: the set. ARGV: the id, the most ids. 1: in the set; 0: full. */
const ADD = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`;

type WithAdd = Redis & { addGuildListId(key: string, id: string, max: string): Promise<number> };

export class RedisGuildSettings implements GuildSettingsStore {
	private readonly redis: WithAdd;

	constructor(redis: Redis) {
		if (!('addGuildListId' in redis)) redis.defineCommand('addGuildListId', { numberOfKeys: 1, lua: ADD });
		this.redis = redis as WithAdd;
	}

	async get(guildId: string): Promise<GuildSettings> {
		const [hash, channels, roles] = await Promise.all([this.redis.hgetall(P + guildId), this.redis.smembers(`${P}${guildId}:channels`), this.redis.smembers(`${P}${guildId}:roles`)]);
		const s: Record<string, unknown> = {};
		for (const k of SCALAR_KEYS) if (hash[k] !== undefined) s[k] = JSON.parse(hash[k]);
		return { ...(s as ScalarSettings), channels: channels.sort(), roles: roles.sort() };
	}

	async set(guildId: string, patch: { [K in keyof ScalarSettings]?: ScalarSettings[K] | null }): Promise<void> {
		const m = this.redis.multi();
		for (const k of SCALAR_KEYS) {
			if (patch[k] === null) m.hdel(P + guildId, k);
			else if (patch[k] !== undefined) m.hset(P + guildId, k, JSON.stringify(patch[k]));
		}
		await m.exec();
	}

	async add(guildId: string, list: ListName, id: string): Promise<boolean> {
		return (await this.redis.addGuildListId(`${P}${guildId}:${list}`, id, String(MAX_LIST))) === 1;
	}

	async remove(guildId: string, list: ListName, id: string): Promise<boolean> {
		return (await this.redis.srem(`${P}${guildId}:${list}`, id)) > 0;
	}

	async clear(guildId: string, list: ListName): Promise<void> {
		await this.redis.del(`${P}${guildId}:${list}`);
	}
}
