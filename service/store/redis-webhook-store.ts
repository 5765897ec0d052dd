/**
 * A fleet's webhook messages (REDIS_URL): every worker sends them, so a due message is claimed atomically (a Lua
 * script moves its due time a lease ahead: no other worker takes it meanwhile, and one whose sender died is due
 * again when the lease ends). Keys (prefix `upscale:`): `webhook:{id}` (the message), `webhook:{id}:attempts` (a
 * list of attempts, JSON), `webhooks:due` (pending ids by due time), `job:{id}:webhook` (the id of the message for
 * the job's own webhook_url; a subscription's messages have none), `webhooks:done` (sent or given-up ids by
 * creation time, for retention).
 */
import type { Redis } from 'ioredis';
import { CLAIM_SCAN, type AttemptRow, type Capacity, type NewWebhook, type WebhookRow, type WebhookStore } from './webhooks';

const KEY_PREFIX = 'upscale:';
const DUE = `${KEY_PREFIX}webhooks:due`;
const DONE = `${KEY_PREFIX}webhooks:done`;

/**
 * KEYS: due. ARGV: now, limit, lease end, key prefix, per-endpoint cap, per-client cap, what is in flight (JSON
 * {endpoints, clients}), how many to look through. Walks the due ids oldest first (at most CLAIM_SCAN) and takes those whose endpoint and
 * client are under their caps, each pushed to the lease's end; an id whose message is gone is dropped.
 */
const CLAIM = `
local limit, perE, perC, scan = tonumber(ARGV[2]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[8])
local busy = cjson.decode(ARGV[7])
local e, c = busy.endpoints, busy.clients
local out, gone, offset = {}, {}, 0
while #out < limit and offset < scan do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', offset, 200)
  if #ids == 0 then break end
  offset = offset + #ids
  for _, id in ipairs(ids) do
    if #out >= limit then break end
    local f = redis.call('HMGET', ARGV[4] .. 'webhook:' .. id, 'client_id', 'endpoint')
    local client, endpoint = f[1], f[2] or ''
    if not client then
      gone[#gone + 1] = id
    elseif (e[endpoint] or 0) < perE and (c[client] or 0) < perC then
      e[endpoint] = (e[endpoint] or 0) + 1
      c[client] = (c[client] or 0) + 1
      out[#out + 1] = id
    end
  end
end
for _, id in ipairs(out) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
for _, id in ipairs(gone) do redis.call('ZREM', KEYS[1], id) end
return out
`;

/** The claim script, loaded once per connection (EVALSHA after the first call). */
type WithClaim = Redis & { claimWebhooks(due: string, ...args: string[]): Promise<string[]> };

export class RedisWebhookStore implements WebhookStore {
	private readonly redis: WithClaim;

	constructor(redis: Redis) {
		if (!('claimWebhooks' in redis)) redis.defineCommand('claimWebhooks', { numberOfKeys: 1, lua: CLAIM });
		this.redis = redis as WithClaim;
	}

	async insert(w: NewWebhook): Promise<void> {
		const m = this.redis.multi().hset(`${KEY_PREFIX}webhook:${w.id}`, { ...w, endpoint: w.endpoint ?? '', subscription_id: w.subscription_id ?? '', status: 'pending', attempts: 0, next_at: w.next_at ?? '' });
		if (!w.subscription_id) m.set(`${KEY_PREFIX}job:${w.job_id}:webhook`, w.id);
		await m.zadd(DUE, w.next_at ?? Date.now(), w.id).exec();
	}

	private async row(id: string): Promise<WebhookRow | undefined> {
		const h = await this.redis.hgetall(`${KEY_PREFIX}webhook:${id}`);
		if (!h.id) return undefined;
		return { ...(h as unknown as WebhookRow), endpoint: h.endpoint || null, subscription_id: h.subscription_id || null, attempts: Number(h.attempts), next_at: h.next_at ? Number(h.next_at) : null, created_at: Number(h.created_at) };
	}

	async claimDue(now: number, limit: number, leaseMs: number, capacity: Capacity): Promise<WebhookRow[]> {
		const busy = JSON.stringify({ endpoints: capacity.endpoints, clients: capacity.clients });
		const ids = await this.redis.claimWebhooks(DUE, String(now), String(limit), String(now + leaseMs), KEY_PREFIX, String(capacity.perEndpoint), String(capacity.perClient), busy, String(CLAIM_SCAN));
		const rows = await Promise.all(ids.map((id) => this.row(id)));
		return rows.filter((r): r is WebhookRow => !!r && r.status === 'pending');
	}

	async nextDue(): Promise<number | undefined> {
		const first = await this.redis.zrange(DUE, 0, 0, 'WITHSCORES');
		return first.length ? Number(first[1]) : undefined;
	}

	async ofJob(jobId: string): Promise<WebhookRow | undefined> {
		const id = await this.redis.get(`${KEY_PREFIX}job:${jobId}:webhook`);
		return id ? this.row(id) : undefined;
	}

	async attempts(webhookId: string): Promise<AttemptRow[]> {
		return (await this.redis.lrange(`${KEY_PREFIX}webhook:${webhookId}:attempts`, 0, -1)).map((a) => JSON.parse(a) as AttemptRow);
	}

	async recordAttempt(a: AttemptRow, next: { status: WebhookRow['status']; next_at: number | null }): Promise<void> {
		const key = `${KEY_PREFIX}webhook:${a.webhook_id}`;
		const m = this.redis.multi().rpush(`${key}:attempts`, JSON.stringify(a)).hset(key, { status: next.status, attempts: a.n, next_at: next.next_at ?? '' });
		if (next.status === 'pending' && next.next_at !== null) m.zadd(DUE, next.next_at, a.webhook_id);
		else m.zrem(DUE, a.webhook_id).zadd(DONE, Date.now(), a.webhook_id);
		await m.exec();
	}

	async purge(before: number): Promise<void> {
		const ids = await this.redis.zrangebyscore(DONE, '-inf', `(${before}`);
		if (!ids.length) return;
		const m = this.redis.multi();
		for (const id of ids) {
			const [jobId, subscription] = await this.redis.hmget(`${KEY_PREFIX}webhook:${id}`, 'job_id', 'subscription_id');
			m.del(`${KEY_PREFIX}webhook:${id}`, `${KEY_PREFIX}webhook:${id}:attempts`).zrem(DONE, id);
			if (jobId && !subscription) m.del(`${KEY_PREFIX}job:${jobId}:webhook`);
		}
		await m.exec();
	}
}
