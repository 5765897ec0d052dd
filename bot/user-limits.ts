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
	/** scope: absent, the user's own cap (BOT_USER_DAILY_CREDITS); else the bucket that is used up. */
	| { reason: 'daily-cap'; used: number; cap: number; resetsAt: number; scope?: BucketScope }
	| { reason: 'closed' };

/** Who else a job's credits count against besides its user: a server, a member in a server, or a user-installed app's user. */
export type BucketScope = 'server' | 'member' | 'user-install';

/**
 * A daily credit count a job is charged to besides its user's own (cap 0: counted, not capped). The ids are
 * `server:{guild}`, `member:{guild}:{user}`, `install:{user}` (bucketsFor() in bot/settings/admission.ts), apart from
 * the user ids the user's own count is kept under.
 */
export interface Bucket {
	id: string;
	cap: number;
	scope: BucketScope;
}

export interface LimitSettings {
	cooldownMs: number;
	/** 0: no cap. */
	dailyCreditCap: number;
	now?: () => number;
}

export interface UserLimits {
	/**
	 * Why this user cannot start a job now (their slot, cooldown, own cap, or a bucket's cap); otherwise their one
	 * slot is held for them, with the buckets the job will be charged to when it finishes.
	 */
	claim(userId: string, buckets?: readonly Bucket[]): Promise<Rejection | undefined>;
	/** The slot back without a job having run (nothing counted, no cooldown). */
	release(userId: string): Promise<void>;
	/** A job ended: the slot back, the cooldown starts, its credits are counted (unknown counts as 1) for the user and the claim's buckets. */
	finish(userId: string, credits: number | null): Promise<void>;
	/** Credits counted today (UTC) for a user, or a bucket by its id. */
	usedToday(userIdOrBucket: string): Promise<number>;
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
