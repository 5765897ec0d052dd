/**
 * The per-user limits that protect the owner's credits: one job at a time, a cooldown after each job, and an
 * optional daily credit cap (UTC days). In this process (MemoryUserLimits), or shared by every bot process on one
 * Redis (redis-user-limits.ts, with REDIS_URL): a user is one user whichever process or shard answers them.
 * claim() is the check and the hold in one step, so two commands of one user at once cannot both pass.
 */
export type Rejection =
	| { reason: 'busy' }
	| { reason: 'cooldown'; retryAt: number }
	| { reason: 'daily-cap'; used: number; cap: number; resetsAt: number }
	| { reason: 'closed' };

export interface LimitSettings {
	cooldownMs: number;
	/** 0: no cap. */
	dailyCreditCap: number;
	now?: () => number;
}

export interface UserLimits {
	/** Why this user cannot start a job now; otherwise their one slot is held for them. */
	claim(userId: string): Promise<Rejection | undefined>;
	/** The slot back without a job having run (nothing counted, no cooldown). */
	release(userId: string): Promise<void>;
	/** A job ended: the slot back, the cooldown starts, its credits are counted (unknown counts as 1). */
	finish(userId: string, credits: number | null): Promise<void>;
	/** Credits counted for the user today (UTC). */
	usedToday(userId: string): Promise<number>;
}

export const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The next UTC midnight after t. */
export function nextMidnight(t: number): number {
	const d = new Date(utcDay(t));
	d.setUTCDate(d.getUTCDate() + 1);
	return d.getTime();
}

/** Unknown consumption counts as 1 credit, so a cap cannot be dodged by jobs whose cost was not reported. */
export const counted = (credits: number | null) => credits ?? 1;

export class MemoryUserLimits implements UserLimits {
	private readonly busy = new Set<string>();
	private readonly lastFinished = new Map<string, number>();
	private readonly ledger = new Map<string, { day: string; used: number }>();

	constructor(private readonly o: LimitSettings) {}

	private now(): number {
		return (this.o.now ?? Date.now)();
	}

	async usedToday(userId: string): Promise<number> {
		const e = this.ledger.get(userId);
		return e && e.day === utcDay(this.now()) ? e.used : 0;
	}

	async claim(userId: string): Promise<Rejection | undefined> {
		if (this.busy.has(userId)) return { reason: 'busy' };
		const now = this.now();
		const last = this.lastFinished.get(userId);
		if (last !== undefined && now < last + this.o.cooldownMs) return { reason: 'cooldown', retryAt: last + this.o.cooldownMs };
		if (this.o.dailyCreditCap > 0) {
			const used = await this.usedToday(userId);
			if (used >= this.o.dailyCreditCap) return { reason: 'daily-cap', used, cap: this.o.dailyCreditCap, resetsAt: nextMidnight(now) };
		}
		this.busy.add(userId);
		return undefined;
	}

	async release(userId: string): Promise<void> {
		this.busy.delete(userId);
	}

	async finish(userId: string, credits: number | null): Promise<void> {
		const now = this.now();
		this.busy.delete(userId);
		this.lastFinished.set(userId, now);
		const day = utcDay(now);
		const e = this.ledger.get(userId);
		this.ledger.set(userId, { day, used: (e && e.day === day ? e.used : 0) + counted(credits) });
	}
}
