/**
 * The job store of a fleet (REDIS_URL): API instances and workers on many machines see the same jobs. Redis, not
 * a shared SQLite file, because SQLite's locking over a network filesystem is not to be trusted and every instance
 * must write. The result and input files are not here (they live on the shared data volume: an image does not
 * belong in Redis's memory); their paths are.
 *
 * Keys (prefix `upscale:` for the job service, `upscale:bot:` for the bot):
 * - `job:{id}`: a hash with the job's fields (a field that is null is absent);
 * - `status:{status}`: ids by creation time, one sorted set per status (counts, lists, recovery);
 * - `client:{id}:jobs`: a client's ids by creation time (its list, newest first); `client:{id}:active`: its queued
 *   and running ids (its limit);
 * - `finished`: ids by finishing time (retention); `idem:{client}:{key}`: an Idempotency-Key, for a day;
 * - `credits`: the balance each vendor last reported; `deliveries`: finished ids whose door has not confirmed
 *   delivery, by when to try again (the bot's outbox).
 * Admission (the key check, the limits, the insert) and every status change are Lua scripts: one atomic step on
 * Redis, whatever the number of instances.
 */
import type { Redis } from 'ioredis';
import { IDEMPOTENCY_TTL_MS } from './idempotency';
import type { Admission, AdmitOptions, JobPatch, JobStore } from './store';
import { FINISHED, JOB_STATUSES, type JobRow, type JobStatus, type NewJob } from './job';


/** The fields held as numbers (everything else is text). */
const NUMERIC = new Set<keyof JobRow>([
	'input_width',
	'input_height',
	'input_bytes',
	'credits_consumed',
	'credits_remaining',
	'output_width',
	'output_height',
	'output_bytes',
	'nothing_charged',
	'created_at',
	'started_at',
	'finished_at',
	'result_deleted_at',
	'result_expires_at',
	'deliver_after',
]);

const ALL_FIELDS: Array<keyof JobRow> = [
	'id', 'client_id', 'status', 'phase', 'provider', 'options', 'request', 'input_path', 'input_name', 'image_url', 'input_format', 'input_width', 'input_height',
	'input_bytes', 'webhook_url', 'execution', 'vendor_task_id', 'credits_consumed', 'credits_remaining', 'output_path', 'output_type', 'output_format',
	'output_width', 'output_height', 'output_bytes', 'error_code', 'error_message', 'nothing_charged', 'cancel_note', 'created_at', 'started_at', 'finished_at',
	'result_deleted_at',
	'holder',
	'door',
	'result_url',
	'result_expires_at',
	'deliver_after',
];

/** KEYS: idem, client active, status:queued, status:running, job, client jobs. ARGV: use idem, hash, id, max per client, max all, created_at, ttl, fields… */
const ADMIT = `
local useIdem = ARGV[1] == '1'
if useIdem then
  local seen = redis.call('GET', KEYS[1])
  if seen then
    local at = string.find(seen, '\\n', 1, true)
    local job = string.sub(seen, at + 1)
    if string.sub(seen, 1, at - 1) == ARGV[2] then return {'replayed', job} end
    return {'key-reused', job}
  end
end
local mine = redis.call('SCARD', KEYS[2])
local all = redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4])
if mine >= tonumber(ARGV[4]) or all >= tonumber(ARGV[5]) then return {'busy', tostring(mine), tostring(all)} end
redis.call('HSET', KEYS[5], unpack(ARGV, 8))
redis.call('ZADD', KEYS[6], ARGV[6], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[3])
if useIdem then redis.call('SET', KEYS[1], ARGV[2] .. '\\n' .. ARGV[3], 'PX', ARGV[7]) end
return {'created'}
`;

/**
 * KEYS: job. ARGV: prefix, id, patch (JSON; null deletes a field), holder ('' = any). A status change moves the id
 * between the sets; none applies to a finished job (its outcome is final); with a holder, nothing is written once
 * another run holds the job. 1 when written.
 */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] ~= '' then
  local h = redis.call('HGET', KEYS[1], 'holder')
  if h and h ~= ARGV[4] then return 0 end
end
local patch = cjson.decode(ARGV[3])
local old = redis.call('HGET', KEYS[1], 'status')
local new = patch['status']
if new and new ~= cjson.null and (old == 'succeeded' or old == 'failed' or old == 'canceled') then return 0 end
for k, v in pairs(patch) do
  if v == cjson.null then redis.call('HDEL', KEYS[1], k) else redis.call('HSET', KEYS[1], k, v) end
end
if new and new ~= cjson.null and new ~= old then
  local created = redis.call('HGET', KEYS[1], 'created_at')
  local client = redis.call('HGET', KEYS[1], 'client_id')
  redis.call('ZREM', ARGV[1] .. 'status:' .. old, ARGV[2])
  redis.call('ZADD', ARGV[1] .. 'status:' .. new, created, ARGV[2])
  if new == 'queued' or new == 'running' then
    redis.call('SADD', ARGV[1] .. 'client:' .. client .. ':active', ARGV[2])
  else
    redis.call('SREM', ARGV[1] .. 'client:' .. client .. ':active', ARGV[2])
    redis.call('ZADD', ARGV[1] .. 'finished', redis.call('HGET', KEYS[1], 'finished_at') or created, ARGV[2])
  end
end
return 1
`;

/** KEYS: finished. ARGV: prefix, before. Forgets the jobs finished before then. */
const PURGE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
for _, id in ipairs(ids) do
  local job = ARGV[1] .. 'job:' .. id
  local client = redis.call('HGET', job, 'client_id')
  local status = redis.call('HGET', job, 'status')
  if client then redis.call('ZREM', ARGV[1] .. 'client:' .. client .. ':jobs', id) end
  if status then redis.call('ZREM', ARGV[1] .. 'status:' .. status, id) end
  redis.call('DEL', job)
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;

/** KEYS: job. ARGV: holder. The job, now held by the holder, read in the same step ({} when there is none). */
const TAKE_OVER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('HSET', KEYS[1], 'holder', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** The scripts, loaded once per connection: each call after the first sends the script's SHA (EVALSHA). */
const SCRIPTS = {
	jobAdmit: { numberOfKeys: 6, lua: ADMIT },
	jobUpdate: { numberOfKeys: 1, lua: UPDATE },
	jobPurge: { numberOfKeys: 1, lua: PURGE },
	jobTakeOver: { numberOfKeys: 1, lua: TAKE_OVER },
};
type WithJobScripts = Redis & {
	jobAdmit(...keysThenArgs: string[]): Promise<string[]>;
	jobUpdate(job: string, prefix: string, id: string, patch: string, holder: string): Promise<number>;
	jobPurge(finished: string, prefix: string, before: string): Promise<number>;
	jobTakeOver(job: string, holder: string): Promise<string[]>;
};

function withJobScripts(redis: Redis): WithJobScripts {
	for (const [name, definition] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, definition);
	return redis as WithJobScripts;
}

export class RedisJobStore implements JobStore {
	private readonly redis: WithJobScripts;

	/** `keyPrefix`: the door's own keys (`upscale:` for the job service, as it always was). */
	constructor(
		redis: Redis,
		private readonly keyPrefix = 'upscale:',
	) {
		this.redis = withJobScripts(redis);
	}

	private key = {
		job: (id: string) => `${this.keyPrefix}job:${id}`,
		status: (s: JobStatus) => `${this.keyPrefix}status:${s}`,
		clientJobs: (c: string) => `${this.keyPrefix}client:${c}:jobs`,
		clientActive: (c: string) => `${this.keyPrefix}client:${c}:active`,
		idem: (c: string, k: string) => `${this.keyPrefix}idem:${c}:${k}`,
		deliveries: () => `${this.keyPrefix}deliveries`,
	};

	async admit(job: NewJob, o: AdmitOptions): Promise<Admission> {
		const row: Partial<JobRow> = { ...job, status: 'queued', phase: 'queued' };
		const fields = Object.entries(row).flatMap(([k, v]) => (v === null || v === undefined ? [] : [k, String(v)]));
		const k = this.key;
		const r = await this.redis.jobAdmit(
			k.idem(job.client_id, o.idempotency?.key ?? ''),
			k.clientActive(job.client_id),
			k.status('queued'),
			k.status('running'),
			k.job(job.id),
			k.clientJobs(job.client_id),
			o.idempotency ? '1' : '0',
			o.idempotency?.hash ?? '',
			job.id,
			String(o.maxPerClient),
			String(o.maxAll),
			String(job.created_at),
			String(IDEMPOTENCY_TTL_MS),
			...fields,
		);
		if (r[0] === 'replayed' || r[0] === 'key-reused') return { kind: r[0], jobId: r[1] };
		if (r[0] === 'busy') {
			const mine = Number(r[1]);
			return { kind: 'busy', mine, all: Number(r[2]), perClient: mine >= o.maxPerClient };
		}
		if (job.deliver_after != null) await this.redis.zadd(k.deliveries(), job.deliver_after, job.id);
		return { kind: 'created', row: (await this.get(job.id))! };
	}

	async takeOver(id: string, holder: string): Promise<JobRow | undefined> {
		const h = await this.redis.jobTakeOver(this.key.job(id), holder);
		const obj: Record<string, string> = {};
		for (let i = 0; i < h.length; i += 2) obj[h[i]] = h[i + 1];
		return rowOf(obj);
	}

	async get(id: string): Promise<JobRow | undefined> {
		return rowOf(await this.redis.hgetall(this.key.job(id)));
	}

	async ofClient(id: string, clientId: string): Promise<JobRow | undefined> {
		const row = await this.get(id);
		return row?.client_id === clientId ? row : undefined;
	}

	async update(id: string, patch: JobPatch, holder?: string): Promise<boolean> {
		// Sent as text: Lua's numbers would print a timestamp in exponent form.
		const text = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === null ? null : String(v)]));
		const written = (await this.redis.jobUpdate(this.key.job(id), this.keyPrefix, id, JSON.stringify(text), holder ?? '')) === 1;
		if (written && patch.credits_remaining !== undefined && patch.credits_remaining !== null) {
			const row = await this.get(id);
			if (row) await this.redis.hset(`${this.keyPrefix}credits`, row.provider, JSON.stringify({ remaining: patch.credits_remaining, at: patch.finished_at ?? Date.now() }));
		}
		if (written && patch.deliver_after !== undefined) {
			if (patch.deliver_after === null) await this.redis.zrem(this.key.deliveries(), id);
			else await this.redis.zadd(this.key.deliveries(), patch.deliver_after, id);
		}
		return written;
	}

	async dueDeliveries(now: number, limit: number): Promise<JobRow[]> {
		const ids = await this.redis.zrangebyscore(this.key.deliveries(), '-inf', now, 'LIMIT', 0, limit);
		return (await this.rows(ids)).filter((r) => FINISHED.includes(r.status) && r.deliver_after !== null && r.deliver_after <= now);
	}

	private async rows(ids: string[]): Promise<JobRow[]> {
		if (!ids.length) return [];
		const pipe = this.redis.pipeline();
		for (const id of ids) pipe.hgetall(this.key.job(id));
		const res = (await pipe.exec()) ?? [];
		return res.map(([, h]) => rowOf(h as Record<string, string>)).filter((r): r is JobRow => !!r);
	}

	async list(clientId: string, limit: number, before?: { createdAt: number; id: string }, status?: JobStatus): Promise<JobRow[]> {
		const out: JobRow[] = [];
		let max = before ? String(before.createdAt) : '+inf';
		const batch = Math.max(limit, 50);
		// Newest first; equal times in descending id order, as ZREVRANGEBYSCORE gives them.
		for (;;) {
			const flat = await this.redis.zrevrangebyscore(this.key.clientJobs(clientId), max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
			if (!flat.length) return out;
			const ids: string[] = [];
			for (let i = 0; i < flat.length; i += 2) {
				const [id, score] = [flat[i], Number(flat[i + 1])];
				if (before && (score > before.createdAt || (score === before.createdAt && id >= before.id))) continue;
				ids.push(id);
			}
			for (const r of await this.rows(ids)) if (!status || r.status === status) out.push(r);
			if (out.length >= limit || flat.length < batch * 2) return out.slice(0, limit);
			const last = flat.length - 2;
			before = { createdAt: Number(flat[last + 1]), id: flat[last] };
			max = String(before.createdAt);
		}
	}

	async withStatus(status: JobStatus): Promise<JobRow[]> {
		return this.rows(await this.redis.zrange(this.key.status(status), 0, -1));
	}

	async countByStatus(): Promise<Record<JobStatus, number>> {
		const pipe = this.redis.pipeline();
		for (const s of JOB_STATUSES) pipe.zcard(this.key.status(s));
		const res = (await pipe.exec()) ?? [];
		return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)])) as Record<JobStatus, number>;
	}

	async expired(before: number): Promise<JobRow[]> {
		const ids = await this.redis.zrangebyscore(`${this.keyPrefix}finished`, '-inf', `(${before}`);
		return (await this.rows(ids)).filter((r) => r.result_deleted_at === null && FINISHED.includes(r.status));
	}

	async purge(before: number): Promise<void> {
		// Idempotency keys expire on their own (PX).
		await this.redis.jobPurge(`${this.keyPrefix}finished`, this.keyPrefix, String(before));
	}

	async lastCredits(provider: string): Promise<{ remaining: number; at: number } | undefined> {
		const v = await this.redis.hget(`${this.keyPrefix}credits`, provider);
		return v ? (JSON.parse(v) as { remaining: number; at: number }) : undefined;
	}

	async ping(): Promise<void> {
		await this.redis.ping();
	}
}

function rowOf(h: Record<string, string> | null | undefined): JobRow | undefined {
	if (!h || !h.id) return undefined;
	const row = {} as Record<string, string | number | null>;
	for (const f of ALL_FIELDS) {
		const v = h[f];
		row[f] = v === undefined ? null : NUMERIC.has(f) ? Number(v) : v;
	}
	return row as unknown as JobRow;
}
