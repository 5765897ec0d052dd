/**
 * The job service's two stores under one contract: the embedded SQLite one (one server) and the Redis one (a fleet,
 * against a real redis-server). Admission (Idempotency-Key, limits, insert as one step, also under concurrent
 * calls), status changes and their counts, a client's pages, retention and the last reported balance.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../../runtime/jobs/db';
import type { JobStore } from '../../runtime/jobs/store';
import type { NewJob } from '../../runtime/jobs/job';
import { RedisJobStore } from '../../runtime/jobs/redis-store';
import { MIGRATIONS } from '../../runtime/jobs/schema';
import { SqliteJobStore } from '../../runtime/jobs/sqlite-store';
import { redisForSuite } from '../helpers/redis';

const redis = redisForSuite();

const stores: Array<[string, () => Promise<JobStore>]> = [
	['SQLite (embedded)', async () => new SqliteJobStore(new Db(join(mkdtempSync(join(tmpdir(), 'jobs-')), 'jobs.db'), MIGRATIONS, { exclusive: true }))],
	[
		'Redis (fleet)',
		async () => {
			const connection = redis.connect();
			await connection.flushall();
			return new RedisJobStore(connection);
		},
	],
];

let n = 0;
const job = (client: string, at: number, extra: Partial<NewJob> = {}): NewJob => ({
	id: `job_${(++n).toString(36).padStart(6, '0')}`,
	client_id: client,
	provider: 'clipdrop',
	options: '{"scale":2}',
	request: '{"provider":"clipdrop","scale":2}',
	input_path: '/data/inputs/x.jpg',
	input_name: 'x.jpg',
	image_url: null,
	input_format: 'jpeg',
	input_width: 640,
	input_height: 480,
	input_bytes: 12345,
	webhook_url: null,
	created_at: at,
	...extra,
});
const limits = { maxPerClient: 3, maxAll: 5 };

describe.each(stores)('job store: %s', (_name, make) => {
	let store: JobStore;
	beforeEach(async () => {
		store = await make();
	});

	it('admits a job and gives it back as it was stored, numbers as numbers, nulls as nulls', async () => {
		const j = job('c1', 1_700_000_000_123);
		const a = await store.admit(j, limits);
		expect(a).toEqual({ kind: 'created', row: expect.objectContaining({ ...j, status: 'queued', phase: 'queued', vendor_task_id: null, started_at: null }) });
		expect(await store.get(j.id)).toEqual(a.kind === 'created' ? a.row : undefined);
		expect(await store.ofClient(j.id, 'c1')).toMatchObject({ id: j.id });
		expect(await store.ofClient(j.id, 'c2')).toBeUndefined();
		expect(await store.get('job_nope')).toBeUndefined();
	});

	it('an Idempotency-Key replays its job, refuses another request, and is per client', async () => {
		const first = job('c1', 1000);
		const key = { key: 'k1', hash: 'h1' };
		expect((await store.admit(first, { ...limits, idempotency: key })).kind).toBe('created');
		expect(await store.admit(job('c1', 1001), { ...limits, idempotency: key })).toEqual({ kind: 'replayed', jobId: first.id });
		expect(await store.admit(job('c1', 1002), { ...limits, idempotency: { key: 'k1', hash: 'other' } })).toEqual({ kind: 'key-reused', jobId: first.id });
		expect((await store.admit(job('c2', 1003), { ...limits, idempotency: key })).kind).toBe('created');
	});

	it('holds the limits per client and for all, also when many admissions race', async () => {
		const clients = ['c1', 'c1', 'c1', 'c1', 'c2', 'c2', 'c3', 'c3'];
		const results = await Promise.all(clients.map((c, i) => store.admit(job(c, 2000 + i), limits)));
		const created = results.filter((r) => r.kind === 'created');
		expect(created).toHaveLength(5);
		expect(results.map((r) => r.kind)).toEqual(['created', 'created', 'created', 'busy', 'created', 'created', 'busy', 'busy']);
		expect(results[3]).toEqual({ kind: 'busy', perClient: true, mine: 3, all: 3 });
		expect(results[7]).toEqual({ kind: 'busy', perClient: false, mine: 0, all: 5 });
		// A finished job frees its place.
		const done = created[0].kind === 'created' ? created[0].row.id : '';
		await store.update(done, { status: 'succeeded', phase: 'done', finished_at: 3000 });
		expect((await store.admit(job('c2', 3001), limits)).kind).toBe('created');
	});

	it('status changes move the job between the counts and lists; null clears a field', async () => {
		const j = job('c1', 4000);
		await store.admit(j, limits);
		await store.update(j.id, { status: 'running', phase: 'sending', started_at: 4001 });
		await store.update(j.id, { phase: 'submitted', vendor_task_id: 'task-1', execution: 'async' });
		expect(await store.countByStatus()).toEqual({ queued: 0, running: 1, succeeded: 0, failed: 0, canceled: 0 });
		expect((await store.withStatus('running')).map((r) => r.id)).toEqual([j.id]);
		await store.update(j.id, { status: 'queued', phase: 'queued', started_at: null });
		expect(await store.get(j.id)).toMatchObject({ status: 'queued', started_at: null, vendor_task_id: 'task-1' });
		await store.update(j.id, { status: 'succeeded', phase: 'done', finished_at: 4100, credits_remaining: 97.5, credits_consumed: 1 });
		expect(await store.countByStatus()).toMatchObject({ queued: 0, running: 0, succeeded: 1 });
		expect(await store.lastCredits('clipdrop')).toEqual({ remaining: 97.5, at: 4100 });
		expect(await store.lastCredits('ximilar')).toBeUndefined();
		// A finished job's outcome is final: a late status change is refused, other fields still written.
		expect(await store.update(j.id, { status: 'canceled', phase: 'done' })).toBe(false);
		expect(await store.update(j.id, { result_deleted_at: 4200 })).toBe(true);
		expect(await store.get(j.id)).toMatchObject({ status: 'succeeded', result_deleted_at: 4200 });
		expect(await store.update('job_nope', { phase: 'done' })).toBe(false);
	});

	it('a run holds its job: once another run takes it over, the first one\'s writes are refused', async () => {
		const j = job('c6', 7000);
		await store.admit(j, limits);
		expect(await store.update(j.id, { status: 'running', phase: 'preparing', holder: 'run_a' })).toBe(true);
		expect(await store.update(j.id, { phase: 'sending' }, 'run_a')).toBe(true);
		const taken = await store.takeOver(j.id, 'run_b');
		expect(taken).toMatchObject({ id: j.id, phase: 'sending', holder: 'run_b' });
		expect(await store.update(j.id, { phase: 'submitted', vendor_task_id: 'late' }, 'run_a')).toBe(false);
		expect(await store.update(j.id, { status: 'failed', phase: 'done', finished_at: 7100 }, 'run_b')).toBe(true);
		expect(await store.get(j.id)).toMatchObject({ status: 'failed', vendor_task_id: null, holder: 'run_b' });
		expect(await store.takeOver('job_nope', 'run_c')).toBeUndefined();
	});

	it("pages a client's jobs newest first, ties by id, with a status filter", async () => {
		const ids: string[] = [];
		for (const at of [5000, 5001, 5001, 5002, 5003]) {
			const j = job('c3', at);
			ids.push(j.id);
			await store.admit(j, { maxPerClient: 100, maxAll: 100 });
		}
		await store.admit(job('c4', 5004), limits);
		const newestFirst = [ids[4], ids[3], ids[2], ids[1], ids[0]];
		const page1 = await store.list('c3', 2);
		expect(page1.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
		const last = page1[1];
		const page2 = await store.list('c3', 2, { createdAt: last.created_at, id: last.id });
		expect(page2.map((r) => r.id)).toEqual(newestFirst.slice(2, 4));
		const page3 = await store.list('c3', 2, { createdAt: page2[1].created_at, id: page2[1].id });
		expect(page3.map((r) => r.id)).toEqual([ids[0]]);
		await store.update(ids[1], { status: 'failed', phase: 'done', finished_at: 5010 });
		expect((await store.list('c3', 10, undefined, 'failed')).map((r) => r.id)).toEqual([ids[1]]);
	});

	it('retention: finished results past their time, then the records', async () => {
		const old = job('c5', 6000);
		const recent = job('c5', 6001);
		for (const j of [old, recent]) await store.admit(j, limits);
		await store.update(old.id, { status: 'succeeded', phase: 'done', finished_at: 6100 });
		await store.update(recent.id, { status: 'succeeded', phase: 'done', finished_at: 9000 });
		expect((await store.expired(7000)).map((r) => r.id)).toEqual([old.id]);
		await store.update(old.id, { result_deleted_at: 7000 });
		expect(await store.expired(7000)).toEqual([]);
		await store.purge(7000, 7000);
		expect(await store.get(old.id)).toBeUndefined();
		expect((await store.list('c5', 10)).map((r) => r.id)).toEqual([recent.id]);
		expect(await store.countByStatus()).toMatchObject({ succeeded: 1 });
		await store.ping();
	});
});

describe('job store: Redis (fleet), its scripts called by their SHA', () => {
	it('every script still runs after a SCRIPT FLUSH (the script cache emptied under an open connection)', async () => {
		const connection = redis.connect();
		await connection.flushall();
		const store = new RedisJobStore(connection);
		const run = async (j: NewJob) => {
			expect((await store.admit(j, limits)).kind).toBe('created');
			expect((await store.takeOver(j.id, 'run_a'))?.holder).toBe('run_a');
			expect(await store.update(j.id, { status: 'succeeded', phase: 'done', finished_at: j.created_at + 1 }, 'run_a')).toBe(true);
			await store.purge(j.created_at + 2);
			expect(await store.get(j.id)).toBeUndefined();
		};
		await run(job('c9', 1000));
		await connection.script('FLUSH');
		await run(job('c9', 2000));
		expect(await store.countByStatus()).toMatchObject({ queued: 0, succeeded: 0 });
	});
});
