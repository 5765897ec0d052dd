/**
 * How long to wait before the next status check, from what the vendor said last.
 * - A queued task with an eta in the future: wake just after the eta (never before min, never after max).
 * - Otherwise (no eta, or the eta has passed): start at min and grow by half each check, up to max.
 * The shared request budget still applies on top of this.
 */
export interface PollPace {
	minMs: number;
	maxMs: number;
}

export interface PollStep {
	delayMs: number;
	/** Carry into the next call: the current back-off step (0 = start over at min). */
	backoffMs: number;
}

export function nextPollDelay(pace: PollPace, now: number, etaMs: number | undefined, backoffMs: number): PollStep {
	const clamp = (ms: number) => Math.min(pace.maxMs, Math.max(pace.minMs, Math.round(ms)));
	if (etaMs !== undefined && etaMs > now) return { delayMs: clamp(etaMs - now + 50), backoffMs: 0 };
	const next = backoffMs <= 0 ? pace.minMs : clamp(backoffMs * 1.5);
	return { delayMs: next, backoffMs: next };
}
