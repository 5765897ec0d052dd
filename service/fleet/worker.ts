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
import { VENDOR_IDS } from '../../core';
import { FleetWorker } from '../../runtime/jobs/fleet-worker';
import { Files } from '../../runtime/jobs/files';
import { ensureDataDir, SERVER_DIR } from '../../runtime/jobs/lock';
import { RedisJobStore } from '../../runtime/jobs/redis-store';
import { createLogger } from '../../runtime/log';
import { connectRedis, redisWhere, type RedisPatience } from '../../runtime/redis-connection';
import { redisState } from '../../runtime/redis-state';
import { Clients } from '../auth';
import { loadServiceConfig, type ServiceConfig } from '../config';
import { serviceJobDeps } from '../job-deps';
import { loadLinkSecret } from '../../runtime/signed-links';
import { DownloadLinks, linkBase } from '../download-links';
import { jobView } from '../job-view';
import { KeyFile } from '../keys/store';
import { Metrics } from '../metrics';
import { Providers } from '../providers';
import { RedisWebhookStore } from '../store/redis-webhook-store';
import { RedisSubscriptionStore } from '../store/redis-webhook-subscriptions';
import { WebhookSender } from '../webhooks';
import { SERVICE_FLEET } from './names';

/** The configuration a worker runs on, or the sentence that says why it cannot start (a bad value, no REDIS_URL, a data directory it cannot use). */
function workerConfig(env: NodeJS.ProcessEnv): (ServiceConfig & { redisUrl: string }) | string {
	try {
		const config = loadServiceConfig(env);
		if (!config.redisUrl) return 'REDIS_URL is not set. A worker runs the jobs of a fleet (`upscale serve` instances with the same REDIS_URL); without Redis, `upscale serve` runs its own jobs and needs no worker.';
		ensureDataDir(config.dataDir, SERVER_DIR.setting);
		return { ...config, redisUrl: config.redisUrl };
	} catch (e) {
		return (e as Error).message;
	}
}

export async function work(env: NodeJS.ProcessEnv = process.env): Promise<number> {
	const config = workerConfig(env);
	if (typeof config === 'string') {
		process.stderr.write(`upscale worker: ${config}\n`);
		return 2;
	}
	const secrets = [...config.envKeys, config.envWebhookSecret ?? '', ...VENDOR_IDS.map((id) => config.providers[id]?.key ?? '')].filter(Boolean);
	const log = createLogger(config.logLevel, secrets);
	const where = redisWhere(config.redisUrl);
	// Commands wait through a short Redis outage (a restart) instead of failing the job; BullMQ's own connection
	// must wait without a limit.
	const connect = (patience: RedisPatience) => connectRedis(config.redisUrl, (message) => log.warn('redis', { error: message }), patience);
	const redis = connect('outage');
	const budgetRedis = connect('outage');
	const bull = connect('forever');
	const sub = connect('forever');
	const store = new RedisJobStore(redis);
	const files = new Files(config.dataDir);
	const metrics = new Metrics({ jobsByStatus: () => store.countByStatus(), queueDepth: async () => 0 });
	const providers = new Providers(config, metrics, { state: redisState(budgetRedis), redis: budgetRedis });
	// Webhooks: signed with the client's secret (keys.db on the shared volume, or UPSCALE_WEBHOOK_SECRET) or the
	// subscription's (on Redis, where the API instances keep them), claimed one worker at a time; due ones are looked
	// for every second (another worker's retries, a dead worker's claims).
	const keys = new KeyFile(config.dataDir);
	const clients = new Clients(keys, config.envKeys, config.envWebhookSecret);
	const webhooks = new WebhookSender({ table: new RedisWebhookStore(redis), subscriptions: new RedisSubscriptionStore(redis), clients, retryMs: config.webhookRetryMs, timeoutMs: config.webhookTimeoutMs, allowPrivate: config.allowPrivateUrls, log, metrics, pollMs: 1000 });
	const publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
	// The API instances' secret (the shared data directory's): the links in this worker's webhooks work on any of them.
	const links = new DownloadLinks(loadLinkSecret(config.dataDir), () => linkBase(config.publicUrl, config.host, publicUrl));
	const worker = new FleetWorker({
		...serviceJobDeps(config, { jobs: store, files, providers, metrics, log }, 'the worker running it'),
		names: SERVICE_FLEET,
		redis,
		bull,
		sub,
		concurrency: config.concurrency,
		lockMs: config.workerLockMs,
		where,
		redisUrl: config.redisUrl,
		onFinished: (row) => webhooks.jobFinished(row, jobView(row, { baseUrl: publicUrl, retentionMs: config.retentionMs, links })),
	});
	let stopping = false;

	webhooks.start();
	await worker.start();

	log.info('worker started', { redis: where, concurrency: config.concurrency, providers: providers.offered, dataDir: config.dataDir });
	process.stderr.write(`upscale worker: taking jobs from Redis at ${where} (vendor jobs ${config.concurrency} at a time, the local engine one at a time; providers: ${providers.offered.join(', ')}; data: ${config.dataDir})\n`);

	return new Promise<number>((resolve) => {
		const stop = (signal: string) => async () => {
			if (stopping) return;
			stopping = true;
			log.info('stopping', { signal });
			await worker.stop();
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
