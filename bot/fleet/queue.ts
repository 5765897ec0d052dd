/**
 * The bot's jobs on Redis (REDIS_URL): the bot process checks, defers and enqueues; `upscale-bot worker` processes
 * (bot/fleet/worker.ts) run them and deliver through the interaction's token, which works from any process for 15
 * minutes (later, in the channel). A job carries everything its delivery needs; its task id joins it the moment it
 * exists, so a worker that takes over a killed worker's job resumes the task instead of submitting again.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StoredJob } from '../store';

export const BOT_QUEUE = 'upscale-bot-jobs';

export interface BotJobData {
	job: StoredJob;
	attachment: { url: string; name: string };
	/** The vendor's task id, once it exists. */
	taskId?: string;
	/** Set right before the paid request leaves: a worker that takes the job over without a task id knows it may have been charged. */
	sending?: boolean;
}

export class BotJobQueue {
	private readonly queue: Queue<BotJobData>;

	constructor(private readonly connection: Redis) {
		this.queue = new Queue<BotJobData>(BOT_QUEUE, { connection });
	}

	async add(data: BotJobData): Promise<void> {
		await this.queue.add('upscale', data, { jobId: data.job.interactionId, removeOnComplete: true, removeOnFail: true });
	}

	/** Jobs waiting for a worker. */
	waiting(): Promise<number> {
		return this.queue.getWaitingCount();
	}

	/** Closes the queue and its connection (BullMQ leaves a connection it was given open). */
	async close(): Promise<void> {
		await this.queue.close().catch(() => undefined);
		await this.connection.quit().catch(() => this.connection.disconnect());
	}
}
