/**
 * One request budget per API key, shared by every request of the process that uses the key
 * (Clipdrop: 60 requests per minute, status polls included): at most `requests` in any `windowMs`, as the
 * vendor counts them. The vendor counts a request when it arrives, somewhere between the moment it was sent
 * and the moment its answer came back; so a request holds its place in the window from departure until its
 * answer, and leaves the window `windowMs` after the answer. That is exact for the vendor's worst case, so a
 * burst whose arrivals lag behind their departures cannot push the vendor over the limit. Waiters are served
 * first come, first served.
 */
import type { Clock, Sleep } from './ports';

export interface BudgetLimits {
	requests: number;
	windowMs: number;
}

/** A place in the window; call done() when the answer (or the failure) came back. */
export interface Grant {
	done(): void;
}

/**
 * The budget as the transport uses it: a port, so that one budget can be shared beyond a process (the toolkit's
 * Redis budget, runtime/redis-budget.ts, makes every process on a key share one window). RequestBudget is the
 * in-process one. A shared one may answer asynchronously and may fail (it is then unreachable: nothing is sent).
 */
export interface Budget {
	/** How long a request asked for now would wait (0 when a place is free; an estimate otherwise). */
	delayFor(now: number): number | Promise<number>;
	/** Resolves when one more request may be sent now; the grant must be completed with done(). */
	acquire(clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<Grant>;
	/** After a 429: nobody sends before `until` (the caller's clock). */
	blockUntil(until: number): void | Promise<void>;
}

/** How often a waiter looks again while the window is full of requests still in flight. */
const IN_FLIGHT_RECHECK_MS = 25;

export class RequestBudget implements Budget {
	/** Completion times of finished requests still inside a window, ascending; in-flight ones are counted apart. */
	private finished: number[] = [];
	private inFlight = 0;
	private blockedUntil = 0;
	private tail: Promise<void> = Promise.resolve();
	/** Requests granted since creation, and how long callers waited in total (for benchmarks and logs). */
	granted = 0;
	waitedMs = 0;

	constructor(public limits: BudgetLimits) {}

	/** A small margin for clock granularity. */
	private get marginMs(): number {
		return Math.max(5, Math.ceil(this.limits.windowMs * 0.002));
	}

	/** Resolves when one more request may be sent now; the grant must be completed with done(). */
	acquire(clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<Grant> {
		const turn = this.tail.then(() => this.take(clock, sleep, signal));
		this.tail = turn.then(
			() => undefined,
			() => undefined,
		);
		return turn;
	}

	/** How long a request asked for now would wait (0 when a slot is free; an estimate while the window is full of requests in flight). */
	delayFor(now: number): number {
		this.prune(now);
		let wait = Math.max(0, this.blockedUntil - now);
		const over = this.inFlight + this.finished.length - this.limits.requests;
		if (over >= 0) {
			wait = Math.max(wait, over < this.finished.length ? this.finished[over] + this.limits.windowMs + this.marginMs - now : IN_FLIGHT_RECHECK_MS);
		}
		return wait;
	}

	/** After a 429: nobody sends before `until`. */
	blockUntil(until: number): void {
		this.blockedUntil = Math.max(this.blockedUntil, until);
	}

	private prune(now: number): void {
		const horizon = now - this.limits.windowMs - this.marginMs;
		let drop = 0;
		while (drop < this.finished.length && this.finished[drop] <= horizon) drop++;
		if (drop) this.finished.splice(0, drop);
	}

	private async take(clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<Grant> {
		for (;;) {
			const wait = this.delayFor(clock.now());
			if (wait <= 0) {
				this.inFlight++;
				this.granted++;
				let open = true;
				return {
					done: () => {
						if (!open) return;
						open = false;
						this.inFlight--;
						const at = clock.now();
						// Keep ascending order (answers can come back out of order).
						let i = this.finished.length;
						while (i > 0 && this.finished[i - 1] > at) i--;
						this.finished.splice(i, 0, at);
					},
				};
			}
			this.waitedMs += wait;
			await sleep(wait, signal);
		}
	}
}

/** Parses "60", "60/min", "60/60s", "120/6s", "10/500ms" into limits; undefined when malformed. */
export function parseRateLimit(text: string): BudgetLimits | undefined {
	const m = /^\s*(\d+)\s*(?:\/\s*(?:(\d+(?:\.\d+)?)\s*(ms|s|m|min)|(min|m|s)))?\s*$/i.exec(text);
	if (!m) return undefined;
	const requests = Number(m[1]);
	if (!Number.isSafeInteger(requests) || requests < 1) return undefined;
	let windowMs = 60_000;
	if (m[2]) {
		const unit = m[3].toLowerCase();
		windowMs = Number(m[2]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
	} else if (m[4]) {
		windowMs = m[4].toLowerCase() === 's' ? 1000 : 60_000;
	}
	if (!(windowMs >= 1)) return undefined;
	return { requests, windowMs: Math.round(windowMs) };
}
