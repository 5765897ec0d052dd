/**
 * `upscale worker` (`npm run worker`): runs the fleet's jobs (REDIS_URL), as many processes as wanted, on any
 * machine, with the same environment as `upscale serve` and the same data volume. Each takes jobs from the BullMQ
 * queues (vendor jobs UPSCALE_CONCURRENCY at a time, the local engine one at a time) and runs them with the same
 * executor as the embedded server: "sending" and the vendor's task id are in the store before the worker moves on.
 *
 * A worker killed mid-job (SIGKILL, a lost machine) stops renewing its claim; after UPSCALE_WORKER_LOCK (30 s)
 * BullMQ hands the job to another worker, which reads the stored phase: a task id is resumed (never submitted
 * again), a job caught mid-send fails saying the vendor may have charged, one not yet sent runs again.
 * SIGTERM/SIGINT: jobs not yet sent go back to the queue, jobs the vendor has are handed to another worker.
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import { VENDOR_IDS, type Progress } from '../../core';
import { ConfigError } from '../../runtime/env-schema';
import { createLogger } from '../../runtime/log';
import { connectRedis, redisWhere, type RedisPatience } from '../../runtime/redis-connection';
import { redisState } from '../../runtime/redis-state';
import { loadServiceConfig } from '../config';
import { Clients } from '../auth';
import { Files } from '../files';
import { jobView } from '../job-view';
import { KeyFile } from '../keys/store';
import { RedisWebhookStore } from '../store/redis-webhook-store';
import { WebhookSender } from '../webhooks';
import { JobExecutor } from '../job-executor';
import { Metrics } from '../metrics';
import { Providers } from '../providers';
import { RedisJobStore } from '../store/redis-job-store';
import { FINISHED } from '../store/jobs';
import { clientUrlHttp } from '../url-guard';
import { FLEET } from './queue';

/** Progress is shared at most this often per job (and on every change of stage). */
const PROGRESS_EVERY_MS = 500;

export async function work(env: NodeJS.ProcessEnv = process.env): Promise<number> {
	let config;
	try {
		config = loadServiceConfig(env);
	} catch (e) {
		if (e instanceof ConfigError) {
			process.stderr.write(`upscale worker: ${e.message}\n`);
			return 2;
		}
		throw e;
	}
	if (!config.redisUrl) {
		process.stderr.write('upscale worker: REDIS_URL is not set. A worker runs the jobs of a fleet (`upscale serve` instances with the same REDIS_URL); without Redis, `upscale serve` runs its own jobs and needs no worker.\n');
		return 2;
	}
	const secrets = [...config.envKeys, config.envWebhookSecret ?? '', ...VENDOR_IDS.map((id) => config.providers[id]?.key ?? '')].filter(Boolean);
	const log = createLogger(config.logLevel, secrets);
	const where = redisWhere(config.redisUrl);
	// Commands wait through a short Redis outage (a restart) instead of failing the job; BullMQ's own connection
	// must wait without a limit.
	const connect = (patience: RedisPatience) => connectRedis(config.redisUrl!, (message) => log.warn('redis', { error: message }), patience);
	const redis = connect('outage');
	const budgetRedis = connect('outage');
	const bull = connect('forever');
	const sub = connect('forever');
	const store = new RedisJobStore(redis);
	const files = new Files(config.dataDir);
	const metrics = new Metrics({ jobsByStatus: () => store.countByStatus(), queueDepth: async () => 0 });
	const providers = new Providers(config, metrics, { state: redisState(budgetRedis), redis: budgetRedis });
	const shared = new Map<string, { at: number; stage: string }>();
	// Webhooks: signed with the client's secret (keys.db on the shared volume, or UPSCALE_WEBHOOK_SECRET), claimed
	// one worker at a time; due ones are looked for every second (another worker's retries, a dead worker's claims).
	const keys = new KeyFile(config.dataDir);
	const clients = new Clients(keys, config.envKeys, config.envWebhookSecret);
	const webhooks = new WebhookSender({ table: new RedisWebhookStore(redis), clients, retryMs: config.webhookRetryMs, timeoutMs: config.webhookTimeoutMs, allowPrivate: config.allowPrivateUrls, log, metrics, pollMs: 1000 });
	const publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
	const executor = new JobExecutor({
		jobs: store,
		files,
		providers,
		metrics,
		log,
		clientHttp: clientUrlHttp(config.allowPrivateUrls),
		jobTimeoutMs: config.jobTimeoutMs,
		onFinished: async (row) => {
			shared.delete(row.id);
			await redis.del(FLEET.progressKey(row.id)).catch(() => 0);
			await webhooks.jobFinished(row, jobView(row, { baseUrl: publicUrl, retentionMs: config.retentionMs }));
		},
		onProgress: (id: string, p: Progress) => {
			const last = shared.get(id);
			const now = Date.now();
			if (last && last.stage === p.stage && now - last.at < PROGRESS_EVERY_MS) return;
			shared.set(id, { at: now, stage: p.stage });
			void redis.set(FLEET.progressKey(id), JSON.stringify(p), 'EX', 3600).catch(() => undefined);
		},
	});
	let stopping = false;

	const processor = async (job: Job<{ id: string }>, token?: string) => {
		const id = job.data.id;
		const row = await store.get(id);
		if (!row || FINISHED.includes(row.status)) return;
		if (row.status === 'running') {
			// Its worker stopped (killed, or handed it back): resume, fail or run again, as its stored phase says.
			const t = await executor.takeOver(row, { rerun: true, who: 'the worker running it' });
			log.info('took over a job', { job: id, outcome: t.outcome, taskId: row.vendor_task_id });
			if (t.outcome === 'resumed') await t.done;
			if (t.outcome === 'requeued' && !stopping) await executor.start(id);
		} else {
			await executor.start(id);
		}
		if (stopping) {
			// Stopped mid-job: another worker finishes it (the stored phase says how).
			const now = await store.get(id);
			if (now && !FINISHED.includes(now.status)) {
				await job.moveToDelayed(Date.now() + 100, token);
				throw new DelayedError();
			}
		}
	};
	const lockDuration = config.workerLockMs;
	const options = { connection: bull, lockDuration, stalledInterval: lockDuration, maxStalledCount: 1000 };
	const workers = [new Worker(FLEET.vendorQueue, processor, { ...options, concurrency: config.concurrency }), new Worker(FLEET.localQueue, processor, { ...options, concurrency: 1 })];
	for (const w of workers) w.on('error', (e) => log.warn('queue', { error: e.message.split(config.redisUrl!).join(where) }));

	webhooks.start();
	await sub.subscribe(FLEET.cancelChannel);
	sub.on('message', (_channel: string, id: string) => executor.abort(id));

	log.info('worker started', { redis: where, concurrency: config.concurrency, providers: providers.offered, dataDir: config.dataDir });
	process.stderr.write(`upscale worker: taking jobs from Redis at ${where} (vendor jobs ${config.concurrency} at a time, the local engine one at a time; providers: ${providers.offered.join(', ')}; data: ${config.dataDir})\n`);

	return new Promise<number>((resolve) => {
		const stop = (signal: string) => async () => {
			if (stopping) return;
			stopping = true;
			log.info('stopping', { signal });
			await executor.stop();
			await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
			await webhooks.stop();
			keys.close();
			await providers.close().catch(() => undefined);
			for (const c of [redis, bull, sub]) await c.quit().catch(() => c.disconnect());
			resolve(0);
		};
		process.once('SIGTERM', stop('SIGTERM'));
		process.once('SIGINT', stop('SIGINT'));
	});
}

if (require.main === module) {
	work().then(
		(code) => process.exit(code),
		(e) => {
			process.stderr.write(`upscale worker: ${(e as Error).message}\n`);
			process.exit(1);
		},
	);
}
