/**
 * Pacing: how long to wait before the next status check, from what the vendor said last; a 429's Retry-After; a
 * wait in words for messages.
 *
 * The next status check:
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

/** A wait in words: "45 s", "12 min", "27.8 hours". */
export function duration(ms: number): string {
	const s = Math.max(0, ms) / 1000;
	if (s < 90) return `${Math.max(1, Math.round(s))} s`;
	if (s < 90 * 60) return `${Math.round(s / 60)} min`;
	return `${(s / 3600).toFixed(1)} hours`;
}

/** Seconds or an HTTP date in Retry-After, as milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
