/**
 * One request budget per API key, shared by every request of the process that uses the key
 * (Clipdrop: 60 requests per minute, status polls included). A sliding window: at most `requests`
 * grants in any `windowMs`. Waiters are served first come, first served.
 */
import type { Clock, Sleep } from './ports';

export interface BudgetLimits {
	requests: number;
	windowMs: number;
}

export class RequestBudget {
	private grants: number[] = [];
	private blockedUntil = 0;
	private tail: Promise<void> = Promise.resolve();
	/** Requests granted since creation, and how long callers waited in total (for benchmarks and logs). */
	granted = 0;
	waitedMs = 0;

	constructor(public limits: BudgetLimits) {}

	/** A small safety margin: the vendor counts arrivals, we count departures. */
	private get marginMs(): number {
		return Math.max(20, Math.ceil(this.limits.windowMs * 0.01));
	}

	/** Resolves when one more request may be sent now. */
	acquire(clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<void> {
		const turn = this.tail.then(() => this.take(clock, sleep, signal));
		this.tail = turn.catch(() => undefined);
		return turn;
	}

	/** How long a request asked for now would wait (0 when a slot is free). */
	delayFor(now: number): number {
		this.prune(now);
		let wait = Math.max(0, this.blockedUntil - now);
		if (this.grants.length >= this.limits.requests) {
			wait = Math.max(wait, this.grants[this.grants.length - this.limits.requests] + this.limits.windowMs + this.marginMs - now);
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
		while (drop < this.grants.length && this.grants[drop] <= horizon) drop++;
		if (drop) this.grants.splice(0, drop);
	}

	private async take(clock: Clock, sleep: Sleep, signal?: AbortSignal): Promise<void> {
		for (;;) {
			const now = clock.now();
			const wait = this.delayFor(now);
			if (wait <= 0) {
				this.grants.push(now);
				this.granted++;
				return;
			}
			this.waitedMs += wait;
			await sleep(wait, signal);
		}
	}
}

const budgets = new Map<string, RequestBudget>();

/**
 * The budget for a scope (provider + base URL + key). The key is held only in this in-memory map,
 * never written anywhere. Limits given later replace earlier ones (a user may raise their quota).
 */
export function budgetFor(scope: string, limits: BudgetLimits): RequestBudget {
	let b = budgets.get(scope);
	if (!b) {
		b = new RequestBudget(limits);
		budgets.set(scope, b);
	} else if (b.limits.requests !== limits.requests || b.limits.windowMs !== limits.windowMs) {
		b.limits = limits;
	}
	return b;
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
