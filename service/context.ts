/** Everything a route needs, built once per server from its configuration. */
import { join } from 'node:path';
import type { Logger } from '../runtime/log';
import { Clients } from './auth';
import type { ServiceConfig } from './config';
import { Files } from '../runtime/jobs/files';
import { jobView } from './job-view';
import { Metrics } from './metrics';
import { Providers } from './providers';
import type { JobQueue } from '../runtime/jobs/queue';
import { Runner } from '../runtime/jobs/runner';
import { serviceJobDeps } from './job-deps';
import type { JobView } from './schemas';
import { Db } from '../runtime/jobs/db';
import type { JobStore } from '../runtime/jobs/store';
import type { JobRow } from '../runtime/jobs/job';
import { SqliteJobStore } from '../runtime/jobs/sqlite-store';
import { MIGRATIONS } from '../runtime/jobs/schema';
import { WebhookTable, type WebhookStore } from './store/webhooks';
import { KeyFile } from './keys/store';
import { WebhookSender } from './webhooks';
import { connectRedis } from '../runtime/redis-connection';
import { redisState } from '../runtime/redis-state';
import { FleetQueue } from '../runtime/jobs/fleet-queue';
import { SERVICE_FLEET } from './fleet/names';
import { RedisJobStore } from '../runtime/jobs/redis-store';
import { RedisWebhookStore } from './store/redis-webhook-store';
import { SubscriptionTable, type SubscriptionStore } from './store/webhook-subscriptions';
import { RedisSubscriptionStore } from './store/redis-webhook-subscriptions';
import { loadLinkSecret } from '../runtime/signed-links';
import { DownloadLinks, linkBase } from './download-links';

export interface ServiceContext {
	config: ServiceConfig;
	log: Logger;
	/** One of a fleet (REDIS_URL): jobs on Redis, run by `upscale worker` processes. */
	fleet: boolean;
	/** The embedded database (one server, no REDIS_URL). */
	db?: Db;
	jobs: JobStore;
	/** Webhook messages: in the embedded database, or on Redis for a fleet. */
	webhookTable: WebhookStore;
	/** Webhook subscriptions (REST hooks), kept where the messages are. */
	subscriptions: SubscriptionStore;
	/** Their sender: the embedded server's own (a fleet's workers send theirs). */
	webhooks?: WebhookSender;
	keys: KeyFile;
	clients: Clients;
	files: Files;
	metrics: Metrics;
	providers: Providers;
	runner: JobQueue;
	/** The URL clients reach the server at (set once it listens). */
	baseUrl: string;
	/** Signs and checks download_url (the secret is the data directory's, shared by a fleet). */
	links: DownloadLinks;
	view(row: JobRow): Promise<JobView>;
	stopping: boolean;
}

export function createContext(config: ServiceConfig, log: Logger): ServiceContext {
	const files = new Files(config.dataDir);
	const fleet = !!config.redisUrl;
	const redis = config.redisUrl ? connectRedis(config.redisUrl, (message) => log.warn('redis', { error: message })) : undefined;
	// serve() holds serve.lock for the embedded database; a fleet's instances share the data directory and keep no job state.
	const db = fleet ? undefined : new Db(join(config.dataDir, 'jobs.db'), MIGRATIONS, { exclusive: true });
	const jobs: JobStore = redis ? new RedisJobStore(redis) : new SqliteJobStore(db!);
	const webhookTable: WebhookStore = redis ? new RedisWebhookStore(redis) : new WebhookTable(db!);
	const subscriptions: SubscriptionStore = redis ? new RedisSubscriptionStore(redis) : new SubscriptionTable(db!);
	const keys = new KeyFile(config.dataDir);
	const clients = new Clients(keys, config.envKeys, config.envWebhookSecret);
	const metrics = new Metrics({ jobsByStatus: () => jobs.countByStatus(), queueDepth: () => ctx.runner.depth() });
	// A fleet's workers send the webhooks; the embedded server sends its own.
	const webhooks = redis ? undefined : new WebhookSender({ table: webhookTable, subscriptions, clients, retryMs: config.webhookRetryMs, timeoutMs: config.webhookTimeoutMs, allowPrivate: config.allowPrivateUrls, log, metrics });
	const providers = new Providers(config, metrics, redis ? { state: redisState(redis), redis } : undefined);
	const links = new DownloadLinks(loadLinkSecret(config.dataDir), () => linkBase(config.publicUrl, config.host, ctx.baseUrl));
	const ctx: ServiceContext = {
		config,
		log,
		fleet,
		db,
		jobs,
		webhookTable,
		subscriptions,
		webhooks,
		keys,
		clients,
		files,
		metrics,
		providers,
		runner: undefined as unknown as JobQueue,
		baseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
		links,
		stopping: false,
		async view(row) {
			const w = row.webhook_url ? await webhookTable.ofJob(row.id) : undefined;
			return jobView(row, {
				baseUrl: ctx.baseUrl,
				retentionMs: config.retentionMs,
				links,
				progress: row.status === 'running' ? await ctx.runner.progress(row.id) : undefined,
				queuePosition: row.status === 'queued' ? await ctx.runner.position(row.id) : undefined,
				webhook: w ? { row: w, attempts: await webhookTable.attempts(w.id) } : undefined,
			});
		},
	};
	if (redis) {
		ctx.runner = new FleetQueue({ names: SERVICE_FLEET, redis, jobs, files, onOutcome: (provider, status) => metrics.jobsFinished.inc({ provider, status }), onError: (message) => log.warn('queue', { error: message }), connection: connectRedis(config.redisUrl!, (message) => log.warn('redis', { error: message }), 'forever') });
		return ctx;
	}
	ctx.runner = new Runner({
		...serviceJobDeps(config, { jobs, files, providers, metrics, log }, 'the server'),
		concurrency: config.concurrency,
		parallelUploads: config.parallelUploads,
		onFinished: (row) => webhooks!.jobFinished(row, jobView(row, { baseUrl: ctx.baseUrl, retentionMs: config.retentionMs, links })),
	});
	return ctx;
}
