/** The bot's job queue: concurrency, positions, the user's slot held from claim to the job's end, and draining. */
import { JobQueue } from '../../bot/queue';
import { MemoryUserLimits } from '../../bot/user-limits';

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
const queue = (concurrency: number, o: { cooldownMs?: number; dailyCreditCap?: number } = {}) =>
	new JobQueue({ concurrency, limits: new MemoryUserLimits({ cooldownMs: o.cooldownMs ?? 0, dailyCreditCap: o.dailyCreditCap ?? 0 }) });

describe('JobQueue', () => {
	it('runs at most `concurrency` jobs; the others wait and learn their place as it changes', async () => {
		const q = queue(1);
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

	it("a user's slot is held from claim to the end of their job, a failed job counts one credit, release gives it back", async () => {
		const q = queue(5, { dailyCreditCap: 10 });
		expect(await q.claim('u')).toBeUndefined();
		expect(await q.claim('u')).toEqual({ reason: 'busy' });
		const a = deferred('u');
		q.add(a.job);
		a.fail(new Error('boom'));
		await tick();
		await tick();
		expect(await q.usedToday('u')).toBe(1);
		expect(await q.claim('u')).toBeUndefined();
		await q.release('u');
		expect(await q.claim('u')).toBeUndefined();
	});

	it('drain: refuses new jobs at once and resolves when the running and waiting ones are done', async () => {
		const q = queue(1);
		const a = deferred('a');
		const b = deferred('b');
		q.add(a.job);
		q.add(b.job);
		let drained = false;
		const d = q.drain().then(() => (drained = true));
		expect(await q.claim('c')).toEqual({ reason: 'closed' });
		a.finish(1);
		await tick();
		expect(drained).toBe(false);
		b.finish(1);
		await d;
		expect(drained).toBe(true);
		await expect(queue(1).drain()).resolves.toBeUndefined();
	});
});
