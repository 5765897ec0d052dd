/** Everything a route needs, built once per server from its configuration. */
import { join } from 'node:path';
import type { Logger } from '../runtime/log';
import { Clients } from './auth';
import type { ServiceConfig } from './config';
import { Files } from './files';
import { jobView } from './job-view';
import { Metrics } from './metrics';
import { Providers } from './providers';
import { Runner } from './runner';
import type { JobView } from './schemas';
import { Db } from './store/db';
import type { JobStore } from './store/job-store';
import type { JobRow } from './store/jobs';
import { SqliteJobStore } from './store/sqlite-job-store';
import { MIGRATIONS } from './store/schema';
import { WebhookTable } from './store/webhooks';
import { KeyFile } from './keys/store';
import { clientUrlHttp } from './url-guard';
import { WebhookSender } from './webhooks';
import { connectRedis } from '../runtime/redis-connection';
import { redisState } from '../runtime/redis-state';

export interface ServiceContext {
	config: ServiceConfig;
	log: Logger;
	db: Db;
	jobs: JobStore;
	webhookTable: WebhookTable;
	webhooks: WebhookSender;
	keys: KeyFile;
	clients: Clients;
	files: Files;
	metrics: Metrics;
	providers: Providers;
	runner: Runner;
	/** The URL clients reach the server at (set once it listens). */
	baseUrl: string;
	view(row: JobRow, baseUrl?: string): JobView;
	stopping: boolean;
}

export function createContext(config: ServiceConfig, log: Logger): ServiceContext {
	const files = new Files(config.dataDir);
	const db = new Db(join(config.dataDir, 'jobs.db'), MIGRATIONS, { exclusive: true }); // serve() holds serve.lock
	const jobs = new SqliteJobStore(db);
	const webhookTable = new WebhookTable(db);
	const keys = new KeyFile(config.dataDir);
	const clients = new Clients(keys, config.envKeys, config.envWebhookSecret);
	const metrics = new Metrics({ jobsByStatus: () => jobs.countByStatus(), queueDepth: () => ctx.runner.depth });
	const webhooks = new WebhookSender({ table: webhookTable, clients, retryMs: config.webhookRetryMs, allowPrivate: config.allowPrivateUrls, log, metrics });
	const redis = config.redisUrl ? connectRedis(config.redisUrl, (message) => log.warn('shared request budget', { error: message })) : undefined;
	const providers = new Providers(config, metrics, redis ? { state: redisState(redis), redis } : undefined);
	const ctx: ServiceContext = {
		config,
		log,
		db,
		jobs,
		webhookTable,
		webhooks,
		keys,
		clients,
		files,
		metrics,
		providers,
		runner: undefined as unknown as Runner,
		baseUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
		stopping: false,
		view(row, baseUrl) {
			const w = webhookTable.ofJob(row.id);
			return jobView(row, {
				baseUrl: baseUrl ?? ctx.baseUrl,
				retentionMs: config.retentionMs,
				progress: ctx.runner.progress(row.id),
				queuePosition: ctx.runner.position(row.id),
				webhook: w ? { row: w, attempts: webhookTable.attempts(w.id) } : undefined,
			});
		},
	};
	ctx.runner = new Runner({
		jobs,
		files,
		providers,
		metrics,
		log,
		clientHttp: clientUrlHttp(config.allowPrivateUrls),
		concurrency: config.concurrency,
		parallelUploads: config.parallelUploads,
		jobTimeoutMs: config.jobTimeoutMs,
		onFinished(row) {
			if (!row.webhook_url || (row.status !== 'succeeded' && row.status !== 'failed')) return;
			webhooks.enqueue({ id: row.id, client_id: row.client_id, webhook_url: row.webhook_url }, row.status === 'succeeded' ? 'job.succeeded' : 'job.failed', jobView(row, { baseUrl: ctx.baseUrl, retentionMs: config.retentionMs }));
		},
	});
	return ctx;
}
