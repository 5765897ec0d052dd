/**
 * `upscale-bot worker` (`npm run bot-worker`): runs the bot's jobs when the bot runs as a fleet (REDIS_URL), as many
 * processes as wanted, with the bot's environment. No gateway connection: a job is delivered through its
 * interaction's token (the REST API; after 15 minutes, a message in the channel with the bot token). Each job ends
 * with the user's slot given back, the cooldown started and the credits counted (in Redis, for every bot process).
 * A worker killed mid-job: BullMQ hands the job to another after BOT_WORKER_LOCK_SECONDS' worth of lock, which
 * resumes the stored task id (never submits again) or, with none, tells the user why to run /upscale again.
 */
import { Worker, type Job } from 'bullmq';
import { Client } from 'discord.js';
import { createLogger } from '../../runtime/log';
import { connectRedis, redisWhere } from '../../runtime/redis-connection';
import { admittedFor, runJob } from '../commands/upscale';
import { loadConfigOrExit } from '../config';
import { createContext } from '../context';
import { resumeTask } from '../resume';
import { text } from '../messages';
import { BOT_QUEUE, type BotJobData } from './queue';

export async function runBotWorker(env: NodeJS.ProcessEnv = process.env): Promise<number> {
	const config = loadConfigOrExit(env);
	if (!config.redisUrl) {
		process.stderr.write('upscale-bot worker: REDIS_URL is not set. A worker runs the jobs of a bot that runs as a fleet (the bot with the same REDIS_URL); without Redis the bot runs its own jobs.\n');
		return 2;
	}
	const log = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)]);
	// REST only: delivery needs no gateway.
	const client = new Client({ intents: [], rest: config.apiUrl ? { api: config.apiUrl } : {} });
	client.rest.setToken(config.token);
	const ctx = createContext(config, log, client);
	const connection = connectRedis(config.redisUrl, (message) => log.warn('redis', { error: message }), 'forever');
	const lockDuration = config.workerLockMs;

	const processor = async (job: Job<BotJobData>) => {
		const { job: stored, attachment, taskId } = job.data;
		const editor = ctx.delivery.editorFor(stored);
		let credits: number | null = null;
		try {
			const upscaler = stored.provider === 'local' ? undefined : ctx.vendors[stored.provider];
			if (taskId && upscaler) {
				// Its worker stopped after the task existed: resume it.
				credits = await resumeTask(ctx, stored, upscaler, taskId, editor);
				return;
			}
			if (job.data.sending && stored.provider !== 'local') {
				// Its worker stopped while sending it, before the vendor answered: it may have been charged, and there is
				// nothing to resume.
				log.warn('job lost while being sent', { interaction: stored.interactionId, user: stored.userId });
				await ctx.delivery.finish(stored, editor, { content: text.restartedWhileSending });
				return;
			}
			const a = admittedFor(ctx, stored, attachment);
			credits = (
				await runJob(ctx, stored, a, editor, {
					beforeSend: () => job.updateData({ ...job.data, sending: true }),
					onSubmitted: (id) => job.updateData({ ...job.data, sending: true, taskId: id }),
				})
			).credits;
		} finally {
			await ctx.limits.finish(stored.userId, credits).catch(() => undefined);
		}
	};
	const worker = new Worker<BotJobData>(BOT_QUEUE, processor, { connection, concurrency: config.maxConcurrentJobs, lockDuration, stalledInterval: lockDuration, maxStalledCount: 1000 });
	worker.on('error', (e) => log.warn('queue', { error: e.message.split(config.redisUrl!).join(redisWhere(config.redisUrl!)) }));
	log.info('bot worker started', { redis: redisWhere(config.redisUrl), concurrency: config.maxConcurrentJobs, providers: Object.keys(ctx.upscalers) });
	process.stderr.write(`upscale-bot worker: taking jobs from Redis at ${redisWhere(config.redisUrl)} (${config.maxConcurrentJobs} at a time; providers: ${Object.keys(ctx.upscalers).join(', ')})\n`);

	return new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => async () => {
			if (stopping) return;
			stopping = true;
			log.info('stopping', { signal });
			await worker.close();
			await ctx.local?.close();
			await ctx.fleet?.close();
			await ctx.redis?.quit().catch(() => ctx.redis?.disconnect());
			await connection.quit().catch(() => connection.disconnect());
			await client.destroy();
			resolve(0);
		};
		process.once('SIGTERM', stop('SIGTERM'));
		process.once('SIGINT', stop('SIGINT'));
	});
}
