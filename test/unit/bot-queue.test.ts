/** The bot's job queue: concurrency, one job per user, cooldown, the daily credit cap, positions and draining. */
import { JobQueue } from '../../bot/queue';

/** A job whose end the test decides. */
function deferred(userId: string, positions: number[] = []) {
	let finish!: (credits: number | null) => void;
	let fail!: (e: Error) => void;
	const done = new Promise<{ credits: number | null }>((res, rej) => {
		finish = (credits) => res({ credits });
		fail = rej;
	});
	return { job: { userId, onPosition: (p: number) => positions.push(p), run: () => done }, finish, fail, positions };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('JobQueue', () => {
	let now = Date.UTC(2026, 10, 23, 12, 0, 0);
	const clock = () => now;

	it('runs at most `concurrency` jobs; the others wait and learn their place as it changes', async () => {
		const q = new JobQueue({ concurrency: 1, cooldownMs: 0, dailyCreditCap: 0, now: clock });
		const a = deferred('a');
		const b = deferred('b');
		const c = deferred('c');
		expect(q.add(a.job)).toBe(0);
		expect(q.add(b.job)).toBe(1);
		expect(q.add(c.job)).toBe(2);
		expect(q.size).toEqual({ running: 1, waiting: 2 });
		a.finish(1);
		await tick();
		expect(q.size).toEqual({ running: 1, waiting: 1 });
		expect(b.positions).toContain(0);
		expect(c.positions.slice(-1)).toEqual([1]);
	});

	it('one job per user at a time', () => {
		const q = new JobQueue({ concurrency: 5, cooldownMs: 0, dailyCreditCap: 0, now: clock });
		q.add(deferred('u').job);
		expect(q.check('u')).toEqual({ reason: 'busy' });
		expect(q.check('someone-else')).toBeUndefined();
	});

	it('a cooldown after each job, counted from its end', async () => {
		const q = new JobQueue({ concurrency: 2, cooldownMs: 30_000, dailyCreditCap: 0, now: clock });
		const a = deferred('u');
		q.add(a.job);
		a.finish(1);
		await tick();
		expect(q.check('u')).toEqual({ reason: 'cooldown', retryAt: now + 30_000 });
		now += 30_000;
		expect(q.check('u')).toBeUndefined();
	});

	it('the daily cap counts credits per user per UTC day; an unknown cost or a failed job counts as one credit', async () => {
		const q = new JobQueue({ concurrency: 2, cooldownMs: 0, dailyCreditCap: 3, now: clock });
		const a = deferred('u');
		q.add(a.job);
		a.finish(null);
		await tick();
		expect(q.usedToday('u')).toBe(1);
		const b = deferred('u');
		q.add(b.job);
		b.fail(new Error('boom'));
		await tick();
		expect(q.usedToday('u')).toBe(2);
		const c = deferred('u');
		q.add(c.job);
		c.finish(4);
		await tick();
		const midnight = Date.UTC(2026, 10, 24);
		expect(q.check('u')).toEqual({ reason: 'daily-cap', used: 6, cap: 3, resetsAt: midnight });
		now = midnight;
		expect(q.usedToday('u')).toBe(0);
		expect(q.check('u')).toBeUndefined();
	});

	it('a cap of 0 means no cap; a job that cost nothing is free', async () => {
		const q = new JobQueue({ concurrency: 1, cooldownMs: 0, dailyCreditCap: 0, now: clock });
		for (let i = 0; i < 5; i++) {
			const j = deferred('u');
			q.add(j.job);
			j.finish(100);
			await tick();
		}
		expect(q.check('u')).toBeUndefined();
		const capped = new JobQueue({ concurrency: 1, cooldownMs: 0, dailyCreditCap: 1, now: clock });
		const free = deferred('u');
		capped.add(free.job);
		free.finish(0);
		await tick();
		expect(capped.check('u')).toBeUndefined();
	});

	it('drain: refuses new jobs at once and resolves when the running and waiting ones are done', async () => {
		const q = new JobQueue({ concurrency: 1, cooldownMs: 0, dailyCreditCap: 0, now: clock });
		const a = deferred('a');
		const b = deferred('b');
		q.add(a.job);
		q.add(b.job);
		let drained = false;
		const d = q.drain().then(() => (drained = true));
		expect(q.check('c')).toEqual({ reason: 'closed' });
		a.finish(1);
		await tick();
		expect(drained).toBe(false);
		b.finish(1);
		await d;
		expect(drained).toBe(true);
		await expect(new JobQueue({ concurrency: 1, cooldownMs: 0, dailyCreditCap: 0 }).drain()).resolves.toBeUndefined();
	});
});
