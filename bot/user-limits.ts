/**
 * The per-user limits that protect the owner's credits: one job at a time, a cooldown after each job, and an
 * optional daily credit cap (UTC days). Kept in BOT_DATA_DIR (sqlite-user-limits.ts: a restart keeps them), or
 * shared by every bot process on one Redis (redis-user-limits.ts, with REDIS_URL): a user is one user whichever
 * process or shard answers them.
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
	/** After a restart of the one process that owns the limits: slots of users with no live job are let go. */
	releaseIdle?(activeUsers: readonly string[]): void;
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
