/**
 * The bot's per-user limits under one contract: in the bot's data directory, and shared through a real redis-server (every bot
 * process on one Redis sees the same user): one job at a time (also when two claims race), the cooldown from a
 * job's end, the daily credit cap per UTC day (unknown costs count 1), release.
 */
import { RedisUserLimits } from '../../bot/redis-user-limits';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteUserLimits } from '../../bot/sqlite-user-limits';
import type { LimitSettings, UserLimits } from '../../bot/user-limits';
import { redisForSuite } from '../helpers/redis';

const redis = redisForSuite();

let now = Date.UTC(2026, 11, 2, 12, 0, 0);
const clock = () => now;
const makers: Array<[string, (o: LimitSettings) => Promise<UserLimits[]>]> = [
	['in BOT_DATA_DIR (limits.db)', async (o) => [new SqliteUserLimits(mkdtempSync(join(tmpdir(), 'limits-')), { ...o, now: clock, busyTtlMs: 60_000 })]],
	[
		'shared through Redis (two processes)',
		async (o) => {
			const a = redis.connect();
			const b = redis.connect();
			await a.flushall();
			return [new RedisUserLimits(a, { ...o, now: clock, busyTtlMs: 60_000 }), new RedisUserLimits(b, { ...o, now: clock, busyTtlMs: 60_000 })];
		},
	],
];

describe.each(makers)('per-user limits: %s', (_name, make) => {
	beforeEach(() => {
		now = Date.UTC(2026, 11, 2, 12, 0, 0);
	});

	it('one job per user at a time, also when two claims race; other users are free', async () => {
		const [a, b = a] = await make({ cooldownMs: 0, dailyCreditCap: 0 });
		const both = await Promise.all([a.claim('u'), b.claim('u')]);
		expect(both.filter((r) => r === undefined)).toHaveLength(1);
		expect(both.find((r) => r !== undefined)).toEqual({ reason: 'busy' });
		expect(await b.claim('someone-else')).toBeUndefined();
		await a.release('u');
		expect(await b.claim('u')).toBeUndefined();
	});

	it('a cooldown after each job, from its end; seen by every process', async () => {
		const [a, b = a] = await make({ cooldownMs: 30_000, dailyCreditCap: 0 });
		expect(await a.claim('u')).toBeUndefined();
		await a.finish('u', 1);
		const r = await b.claim('u');
		expect(r).toMatchObject({ reason: 'cooldown' });
		expect((r as { retryAt: number }).retryAt).toBeGreaterThan(now + 29_000);
		expect((r as { retryAt: number }).retryAt).toBeLessThanOrEqual(now + 30_000);
	});

	it('the daily cap counts credits per user per UTC day; an unknown cost counts as one; a free job is free', async () => {
		const [a, b = a] = await make({ cooldownMs: 0, dailyCreditCap: 3 });
		for (const credits of [null, 0, 1]) {
			expect(await a.claim('u')).toBeUndefined();
			await a.finish('u', credits);
		}
		expect(await b.usedToday('u')).toBe(2);
		expect(await b.claim('u')).toBeUndefined();
		await b.finish('u', 4);
		expect(await a.claim('u')).toEqual({ reason: 'daily-cap', used: 6, cap: 3, resetsAt: Date.UTC(2026, 11, 3) });
		now = Date.UTC(2026, 11, 3);
		expect(await a.usedToday('u')).toBe(0);
		expect(await a.claim('u')).toBeUndefined();
	});
});

describe('per-user limits shared through Redis: the claim script called by its SHA', () => {
	it('still claims after a SCRIPT FLUSH (the script cache emptied under an open connection)', async () => {
		const connection = redis.connect();
		await connection.flushall();
		const limits = new RedisUserLimits(connection, { cooldownMs: 0, dailyCreditCap: 0, now: clock, busyTtlMs: 60_000 });
		expect(await limits.claim('u')).toBeUndefined();
		await connection.script('FLUSH');
		expect(await limits.claim('u')).toEqual({ reason: 'busy' });
		await limits.release('u');
		expect(await limits.claim('u')).toBeUndefined();
	});
});
