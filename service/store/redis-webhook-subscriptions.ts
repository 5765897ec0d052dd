/**
 * A fleet's webhook subscriptions (REDIS_URL): every API instance takes them and every worker reads them when a job
 * ends, so they live on Redis with the jobs. Keys (prefix `upscale:`): `webhook-sub:{id}` (the subscription),
 * `client:{client}:webhook-subs` (its key's ids by creation time), `client:{client}:webhook-sub-urls` (url → id).
 * Creating and removing are Lua scripts, so two instances cannot both take a key's last free place or its URL.
 */
import type { Redis } from 'ioredis';
import type { CreateOutcome, Subscription, SubscriptionStore, WebhookEvent } from './webhook-subscriptions';

const KEY_PREFIX = 'upscale:';
const subKey = (id: string) => `${KEY_PREFIX}webhook-sub:${id}`;
const idsKey = (client: string) => `${KEY_PREFIX}client:${client}:webhook-subs`;
const urlsKey = (client: string) => `${KEY_PREFIX}client:${client}:webhook-sub-urls`;

/** KEYS: ids, urls, the subscription. ARGV: id, url, cap, created_at, then its fields as name, value pairs. */
const CREATE = `
local same = redis.call('HGET', KEYS[2], ARGV[2])
if same then return {'exists', same} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return {'full'} end
redis.call('HSET', KEYS[3], unpack(ARGV, 5))
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {'created'}
`;

/** KEYS: the subscription, ids, urls. ARGV: id, client. Removes it only when it is that client's. */
const REMOVE = `
local f = redis.call('HMGET', KEYS[1], 'client_id', 'url')
if f[1] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[3], f[2]) == ARGV[1] then redis.call('HDEL', KEYS[3], f[2]) end
return 1
`;

type WithScripts = Redis & {
	createWebhookSub(ids: string, urls: string, sub: string, ...args: string[]): Promise<string[]>;
	removeWebhookSub(sub: string, ids: string, urls: string, id: string, client: string): Promise<number>;
};

export class RedisSubscriptionStore implements SubscriptionStore {
	private readonly redis: WithScripts;

	constructor(redis: Redis) {
		if (!('createWebhookSub' in redis)) redis.defineCommand('createWebhookSub', { numberOfKeys: 3, lua: CREATE });
		if (!('removeWebhookSub' in redis)) redis.defineCommand('removeWebhookSub', { numberOfKeys: 3, lua: REMOVE });
		this.redis = redis as WithScripts;
	}

	async create(s: Subscription, cap: number): Promise<CreateOutcome> {
		const fields = { id: s.id, client_id: s.client_id, url: s.url, events: JSON.stringify(s.events), secret: s.secret, created_at: String(s.created_at) };
		const [outcome, same] = await this.redis.createWebhookSub(idsKey(s.client_id), urlsKey(s.client_id), subKey(s.id), s.id, s.url, String(cap), String(s.created_at), ...Object.entries(fields).flat());
		if (outcome === 'exists') return { exists: same };
		if (outcome === 'full') return { full: true };
		return { created: s };
	}

	async list(clientId: string): Promise<Subscription[]> {
		const ids = await this.redis.zrange(idsKey(clientId), 0, -1);
		const subs = await Promise.all(ids.map((id) => this.get(id)));
		return subs.filter((s): s is Subscription => !!s);
	}

	async get(id: string): Promise<Subscription | undefined> {
		const h = await this.redis.hgetall(subKey(id));
		if (!h.id) return undefined;
		return { id: h.id, client_id: h.client_id, url: h.url, events: JSON.parse(h.events) as WebhookEvent[], secret: h.secret, created_at: Number(h.created_at) };
	}

	async remove(id: string, clientId: string): Promise<boolean> {
		return (await this.redis.removeWebhookSub(subKey(id), idsKey(clientId), urlsKey(clientId), id, clientId)) === 1;
	}
}
