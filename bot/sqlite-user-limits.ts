/**
 * The per-user limits of a bot on its own (no REDIS_URL), kept in `limits.db` under BOT_DATA_DIR: a restart keeps
 * each user's cooldown and the day's credits (they lived in memory before, so a restart reset them). The same rules
 * as the Redis limits (redis-user-limits.ts): a held slot expires after the longest a job can take, so a crash does
 * not lock a user out. A claim also notes the buckets (a server's, a member's, a user install's daily credits) its
 * job is charged to when it finishes, so that whoever finishes the job (after a restart too) charges them; until
 * then the job holds one credit of each (a slot that expires lets it go).
 */
import { join } from 'node:path';
import { Db } from '../runtime/jobs/db';
import { counted, nextMidnight, utcDay, type Bucket, type LimitSettings, type Rejection, type UserLimits } from './user-limits';

const MIGRATIONS: readonly string[] = [
	`
	CREATE TABLE users (
		user_id TEXT PRIMARY KEY,
		busy_until INTEGER,            -- the user's one slot is held until then (a job runs)
		cool_until INTEGER             -- the cooldown after their last job
	);
	CREATE TABLE usage (
		day TEXT NOT NULL,             -- UTC, YYYY-MM-DD
		user_id TEXT NOT NULL,
		used REAL NOT NULL,
		PRIMARY KEY (day, user_id)
	);
	`,
	// The buckets (server, member, user install) the user's held job is charged to, space-separated; usage rows of
	// a bucket are kept under its id in usage.user_id.
	`ALTER TABLE users ADD COLUMN charges TEXT;`,
];

interface UserRow {
	busy_until: number | null;
	cool_until: number | null;
}

export class SqliteUserLimits implements UserLimits {
	private readonly db: Db;

	constructor(
		dataDir: string,
		private readonly settings: LimitSettings & { /** How long a held slot outlives a process that died holding it. */ busyTtlMs: number },
	) {
		// One bot process owns its data directory (a fleet keeps its limits in Redis).
		this.db = new Db(join(dataDir, 'limits.db'), MIGRATIONS, { exclusive: true });
	}

	private now(): number {
		return (this.settings.now ?? Date.now)();
	}

	async claim(userId: string, buckets: readonly Bucket[] = []): Promise<Rejection | undefined> {
		const now = this.now();
		return this.db.tx(() => {
			const u = this.db.get<UserRow>('SELECT busy_until, cool_until FROM users WHERE user_id = :userId', { userId });
			if (u?.busy_until && u.busy_until > now) return { reason: 'busy' } as const;
			if (u?.cool_until && u.cool_until > now) return { reason: 'cooldown', retryAt: u.cool_until } as const;
			const cap = this.settings.dailyCreditCap;
			const used = cap > 0 ? this.used(userId, now) : 0;
			if (cap > 0 && used >= cap) return { reason: 'daily-cap', used, cap, resetsAt: nextMidnight(now) } as const;
			for (const b of buckets) {
				// A bucket's running jobs hold a credit each, so members starting at once cannot all pass its last one.
				const taken = b.cap > 0 ? this.used(b.id, now) + this.running(b.id, now) : 0;
				if (b.cap > 0 && taken >= b.cap) return { reason: 'daily-cap', used: this.used(b.id, now), cap: b.cap, resetsAt: nextMidnight(now), scope: b.scope } as const;
			}
			const charges = buckets.map((b) => b.id).join(' ') || null;
			this.db.run('INSERT INTO users (user_id, busy_until, charges) VALUES (:userId, :until, :charges) ON CONFLICT (user_id) DO UPDATE SET busy_until = :until, charges = :charges', { userId, until: now + this.settings.busyTtlMs, charges });
			return undefined;
		});
	}

	async release(userId: string): Promise<void> {
		this.db.run('UPDATE users SET busy_until = NULL, charges = NULL WHERE user_id = :userId', { userId });
	}

	async finish(userId: string, credits: number | null): Promise<void> {
		const now = this.now();
		const day = utcDay(now);
		this.db.tx(() => {
			const charges = this.db.get<{ charges: string | null }>('SELECT charges FROM users WHERE user_id = :userId', { userId })?.charges;
			const cool = this.settings.cooldownMs > 0 ? now + this.settings.cooldownMs : null;
			this.db.run('INSERT INTO users (user_id, busy_until, cool_until) VALUES (:userId, NULL, :cool) ON CONFLICT (user_id) DO UPDATE SET busy_until = NULL, cool_until = :cool, charges = NULL', { userId, cool });
			for (const id of [userId, ...(charges ? charges.split(' ') : [])]) {
				this.db.run('INSERT INTO usage (day, user_id, used) VALUES (:day, :id, :n) ON CONFLICT (day, user_id) DO UPDATE SET used = used + :n', { day, id, n: counted(credits) });
			}
			// Yesterday's counts are kept (a day's last job may end after midnight); older ones go.
			this.db.run('DELETE FROM usage WHERE day < :before', { before: utcDay(now - 2 * 86_400_000) });
		});
	}

	async usedToday(id: string): Promise<number> {
		return this.used(id, this.now());
	}

	/** The jobs held now (their users' slots) that are charged to a bucket. */
	private running(id: string, now: number): number {
		return Number(this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE busy_until > :now AND instr(' ' || charges || ' ', ' ' || :id || ' ') > 0", { now, id })?.n ?? 0);
	}

	/** A user's or a bucket's count today. */
	private used(id: string, now: number): number {
		return Number(this.db.get<{ used: number }>('SELECT used FROM usage WHERE day = :day AND user_id = :id', { day: utcDay(now), id })?.used ?? 0);
	}

	/**
	 * After a restart: slots held by users with no job left (the process stopped between a claim and storing the
	 * job) are let go, so nobody is locked out until the slot expires.
	 */
	releaseIdle(activeUsers: readonly string[]): void {
		const held = this.db.all<{ user_id: string }>('SELECT user_id FROM users WHERE busy_until IS NOT NULL');
		for (const { user_id } of held) if (!activeUsers.includes(user_id)) this.db.run('UPDATE users SET busy_until = NULL, charges = NULL WHERE user_id = :userId', { userId: user_id });
	}

	close(): void {
		this.db.close();
	}
}
