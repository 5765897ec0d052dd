/**
 * Protects the owner's credits: a queue with a global concurrency limit, and the per-user limits (one job per user
 * at a time, a cooldown after each job, an optional daily credit cap: user-limits.ts, in this process or shared
 * through Redis). Waiting users learn their position as it changes.
 */
import type { Rejection, UserLimits } from './user-limits';

export type { Rejection } from './user-limits';

export interface Job {
	userId: string;
	/** Called when the job's place in line changes (1 = next); 0 means it is starting. */
	onPosition(position: number): void;
	run(): Promise<{ credits: number | null }>;
}

export class JobQueue {
	private running = 0;
	private waiting: Job[] = [];
	private idle: Array<() => void> = [];
	private closed = false;

	constructor(private readonly o: { concurrency: number; limits: UserLimits }) {}

	/** Why this user cannot start a job now; otherwise their slot is held until their job ends (add) or is let go (release). */
	async claim(userId: string): Promise<Rejection | undefined> {
		if (this.closed) return { reason: 'closed' };
		return this.o.limits.claim(userId);
	}

	/** A claimed slot given back without a job (the command failed before it was queued). */
	release(userId: string): Promise<void> {
		return this.o.limits.release(userId);
	}

	/** Credits counted for the user today (UTC). */
	usedToday(userId: string): Promise<number> {
		return this.o.limits.usedToday(userId);
	}

	/** Adds a job (after claim()); returns its initial position (0 = starts now). */
	add(job: Job): number {
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
			await this.o.limits.finish(job.userId, credits).catch(() => undefined);
			this.pump();
		}
	}

	/** Stops taking jobs; resolves when running and queued jobs are done. */
	drain(): Promise<void> {
		this.closed = true;
		if (!this.running && !this.waiting.length) return Promise.resolve();
		return new Promise((r) => this.idle.push(r));
	}
}
