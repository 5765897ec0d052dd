/**
 * `upscale-bot worker` (`npm run bot-worker`): runs the bot's jobs when the bot runs as a fleet (REDIS_URL), as many
 * processes as wanted, with the bot's environment: the job engine's FleetWorker on the bot fleet's queues. No
 * gateway connection: a job is answered through its interaction's token (the REST API; after 15 minutes, a message
 * in the channel, or a DM for a private job). Each job ends with the user's slot given back, the cooldown started
 * and the credits counted (in Redis, for every bot process). A worker killed mid-job: BullMQ hands the job to
 * another after BOT_WORKER_LOCK_SECONDS, which resumes the stored task id (never submits again) or, with none,
 * tells the user why to run /upscale again.
 */
import { Client } from 'discord.js';
import { FleetWorker } from '../../runtime/jobs/fleet-worker';
import { createLogger } from '../../runtime/log';
import { connectRedis, redisWhere } from '../../runtime/redis-connection';
import { loadConfigOrExit } from '../config';
import { createContext } from '../context';
import { BOT_FLEET } from '../jobs';

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
	const ctx = createContext(config, log, client, 'worker');
	const connect = () => connectRedis(config.redisUrl!, (message) => log.warn('redis', { error: message }), 'forever');
	const bull = connect();
	const sub = connect();
	const where = redisWhere(config.redisUrl);
	const worker = new FleetWorker({ ...ctx.deps, names: BOT_FLEET, redis: bull, bull, sub, concurrency: config.maxConcurrentJobs, lockMs: config.workerLockMs, where, redisUrl: config.redisUrl });
	await worker.start();
	ctx.outbox.start();
	log.info('bot worker started', { redis: where, concurrency: config.maxConcurrentJobs, providers: Object.keys(ctx.upscalers) });
	process.stderr.write(`upscale-bot worker: taking jobs from Redis at ${where} (${config.maxConcurrentJobs} at a time; providers: ${Object.keys(ctx.upscalers).join(', ')})\n`);

	return new Promise<number>((resolve) => {
		let stopping = false;
		const stop = (signal: string) => async () => {
			if (stopping) return;
			stopping = true;
			log.info('stopping', { signal });
			await worker.stop();
			await ctx.close();
			for (const c of [bull, sub]) await c.quit().catch(() => c.disconnect());
			await client.destroy();
			resolve(0);
		};
		process.once('SIGTERM', stop('SIGTERM'));
		process.once('SIGINT', stop('SIGINT'));
	});
}
