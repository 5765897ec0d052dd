import { budgetFor, DEFAULT_RETRY, nextPollDelay, RequestBudget, Transport } from '../../core';
import { VirtualTime } from '../helpers/virtual';

describe('RequestBudget', () => {
	it('grants at most N requests in any window, first come first served', async () => {
		const time = new VirtualTime();
		const b = new RequestBudget({ requests: 3, windowMs: 1000 });
		const start = time.t;
		const order: number[] = [];
		const grants: number[] = [];
		await Promise.all(
			Array.from({ length: 7 }, (_, i) =>
				b.acquire(time.clock, time.sleep).then((g) => {
					order.push(i);
					grants.push(time.t - start);
					g.done(); // an instant answer
				}),
			),
		);
		expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
		// 3 at once, then each waits for the slot freed one window (plus a small margin) later.
		expect(grants.slice(0, 3)).toEqual([0, 0, 0]);
		for (let i = 3; i < 7; i++) {
			expect(grants[i]).toBeGreaterThanOrEqual(grants[i - 3] + 1000);
			expect(grants[i]).toBeLessThanOrEqual(grants[i - 3] + 1000 + 10);
		}
		expect(b.granted).toBe(7);
	});

	it('a request holds its place until its answer, and leaves the window a full window after the answer', async () => {
		const time = new VirtualTime();
		const b = new RequestBudget({ requests: 2, windowMs: 1000 });
		const start = time.t;
		const first = await b.acquire(time.clock, time.sleep);
		const second = await b.acquire(time.clock, time.sleep);
		let third = -1;
		const waiting = b.acquire(time.clock, time.sleep).then((g) => {
			third = time.t - start;
			g.done();
		});
		// Both still in flight after 3 s (a slow upload): the vendor may not even have counted them yet.
		await time.sleep(3000);
		expect(third).toBe(-1);
		first.done(); // answered at +3000: the vendor counted it at most then
		await waiting;
		expect(third).toBeGreaterThanOrEqual(4000);
		expect(third).toBeLessThanOrEqual(4010);
		second.done();
		second.done(); // twice is harmless
	});

	it('keeps answers that come back out of order in order', async () => {
		const time = new VirtualTime();
		const b = new RequestBudget({ requests: 2, windowMs: 1000 });
		const a = await b.acquire(time.clock, time.sleep);
		const c = await b.acquire(time.clock, time.sleep);
		await time.sleep(500);
		c.done();
		await time.sleep(200);
		a.done();
		// c left at +500, so a new slot opens at +1500 (not +1700).
		expect(b.delayFor(time.t)).toBeGreaterThanOrEqual(800);
		expect(b.delayFor(time.t)).toBeLessThanOrEqual(810);
	});

	it('holds every caller after a 429 until the block ends', async () => {
		const time = new VirtualTime();
		const b = new RequestBudget({ requests: 100, windowMs: 1000 });
		b.blockUntil(time.t + 5000);
		expect(b.delayFor(time.t)).toBe(5000);
		const start = time.t;
		(await b.acquire(time.clock, time.sleep)).done();
		expect(time.t - start).toBe(5000);
	});

	it('lets an aborted waiter go without blocking the ones behind it', async () => {
		const time = new VirtualTime();
		const b = new RequestBudget({ requests: 1, windowMs: 1000 });
		(await b.acquire(time.clock, time.sleep)).done();
		const ac = new AbortController();
		const aborted = b.acquire(time.clock, time.sleep, ac.signal);
		const next = b.acquire(time.clock, time.sleep);
		ac.abort();
		await expect(aborted).rejects.toThrow();
		await expect(next).resolves.toHaveProperty('done');
	});

	it('is one budget per scope, shared, and takes new limits', () => {
		const a = budgetFor('clipdrop|x|k1', { requests: 60, windowMs: 60000 });
		expect(budgetFor('clipdrop|x|k1', { requests: 60, windowMs: 60000 })).toBe(a);
		expect(budgetFor('clipdrop|x|k2', { requests: 60, windowMs: 60000 })).not.toBe(a);
		budgetFor('clipdrop|x|k1', { requests: 120, windowMs: 60000 });
		expect(a.limits.requests).toBe(120);
	});
});

describe('nextPollDelay', () => {
	const pace = { minMs: 1000, maxMs: 10000 };
	it('wakes just after the eta, within bounds', () => {
		expect(nextPollDelay(pace, 0, 4000, 0)).toEqual({ delayMs: 4050, backoffMs: 0 });
		expect(nextPollDelay(pace, 0, 100, 0).delayMs).toBe(1000);
		expect(nextPollDelay(pace, 0, 60_000, 0).delayMs).toBe(10000);
	});
	it('backs off by half each check without an eta (or once it passed), up to max', () => {
		const seq: number[] = [];
		let backoff = 0;
		for (let i = 0; i < 8; i++) {
			const s = nextPollDelay(pace, 10_000, i % 2 ? 5_000 : undefined, backoff);
			seq.push(s.delayMs);
			backoff = s.backoffMs;
		}
		expect(seq).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 10000, 10000]);
	});
});

describe('Transport and the budget', () => {
	it('a request whose time is up when its turn comes gives its place back (the key is not blocked for good)', async () => {
		const time = new VirtualTime();
		const budget = new RequestBudget({ requests: 1, windowMs: 1000 });
		const http = { request: async () => ({ status: 200, headers: {}, body: new Uint8Array() }) };
		const t = new Transport({ provider: 'clipdrop', vendorName: 'Clipdrop', ports: { http, sleep: time.sleep, clock: time.clock }, authHeaders: {}, budget, retry: DEFAULT_RETRY });
		await expect(t.send({ method: 'GET', url: 'http://127.0.0.1:9/s', kind: 'read', deadline: time.t, what: 'checking the task status' })).rejects.toMatchObject({ code: 'TIMEOUT' });
		expect(t.sent.read).toBe(0);
		// Counted as one request answered now: the next one waits a window, then goes.
		expect(budget.delayFor(time.t)).toBeGreaterThanOrEqual(1000);
		await expect(t.send({ method: 'GET', url: 'http://127.0.0.1:9/s', kind: 'read', deadline: time.t + 5000, what: 'checking the task status' })).resolves.toMatchObject({ status: 200 });
	});
});
