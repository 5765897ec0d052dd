/**
 * Protects the owner's credits: a queue with a global concurrency limit, one job per user at a time, a cooldown
 * after each job, and an optional daily credit cap per user. Waiting users learn their position as it changes.
 */
export type Rejection =
	| { reason: 'busy' }
	| { reason: 'cooldown'; retryAt: number }
	| { reason: 'daily-cap'; used: number; cap: number; resetsAt: number }
	| { reason: 'closed' };

export interface Job {
	userId: string;
	/** Called when the job's place in line changes (1 = next); 0 means it is starting. */
	onPosition(position: number): void;
	run(): Promise<{ credits: number | null }>;
}

export class JobQueue {
	private running = 0;
	private waiting: Job[] = [];
	private users = new Set<string>();
	private lastFinished = new Map<string, number>();
	private ledger = new Map<string, { day: string; used: number }>();
	private idle: Array<() => void> = [];
	private closed = false;

	constructor(
		private readonly o: { concurrency: number; cooldownMs: number; dailyCreditCap: number; now?: () => number },
	) {}

	private now(): number {
		return (this.o.now ?? Date.now)();
	}

	private day(t: number): string {
		return new Date(t).toISOString().slice(0, 10);
	}

	/** Credits counted for the user today (UTC). */
	usedToday(userId: string): number {
		const e = this.ledger.get(userId);
		return e && e.day === this.day(this.now()) ? e.used : 0;
	}

	/** Why this user cannot start a job now, or undefined when they can. */
	check(userId: string): Rejection | undefined {
		if (this.closed) return { reason: 'closed' };
		if (this.users.has(userId)) return { reason: 'busy' };
		const last = this.lastFinished.get(userId);
		if (last !== undefined && this.now() < last + this.o.cooldownMs) return { reason: 'cooldown', retryAt: last + this.o.cooldownMs };
		if (this.o.dailyCreditCap > 0) {
			const used = this.usedToday(userId);
			if (used >= this.o.dailyCreditCap) {
				const tomorrow = new Date(this.day(this.now()));
				tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
				return { reason: 'daily-cap', used, cap: this.o.dailyCreditCap, resetsAt: tomorrow.getTime() };
			}
		}
		return undefined;
	}

	/** Adds a job (after check()); returns its initial position (0 = starts now). */
	add(job: Job): number {
		this.users.add(job.userId);
		this.waiting.push(job);
		const position = this.running < this.o.concurrency ? 0 : this.waiting.length;
		this.pump();
		return position;
	}

	get size(): { running: number; waiting: number } {
		return { running: this.running, waiting: this.waiting.length };
	}

	private pump(): void {
		while (this.running < this.o.concurrency && this.waiting.length) {
			const job = this.waiting.shift()!;
			this.running++;
			job.onPosition(0);
			void this.execute(job);
		}
		this.waiting.forEach((j, i) => j.onPosition(i + 1));
		if (!this.running && !this.waiting.length) this.idle.splice(0).forEach((f) => f());
	}

	private async execute(job: Job): Promise<void> {
		let credits: number | null = null;
		try {
			credits = (await job.run()).credits;
		} catch {
			credits = null;
		} finally {
			this.running--;
			this.users.delete(job.userId);
			this.lastFinished.set(job.userId, this.now());
			// Unknown consumption counts as 1 credit, so a cap cannot be dodged by jobs whose cost was not reported.
			this.charge(job.userId, credits ?? 1);
			this.pump();
		}
	}

	private charge(userId: string, credits: number): void {
		const day = this.day(this.now());
		const e = this.ledger.get(userId);
		this.ledger.set(userId, { day, used: (e && e.day === day ? e.used : 0) + credits });
	}

	/** Stops taking jobs; resolves when running and queued jobs are done. */
	drain(): Promise<void> {
		this.closed = true;
		if (!this.running && !this.waiting.length) return Promise.resolve();
		return new Promise((r) => this.idle.push(r));
	}
}
