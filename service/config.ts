/**
 * `upscale serve`'s configuration, from the environment, validated with zod: one line per bad value, secrets never
 * repeated. The vendor variables are the CLI's and the bot's (CLIPDROP_API_KEY, XIMILAR_API_TOKEN, *_BASE_URL, …).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { listWords, PROVIDER_IDS, VENDOR_IDS, VENDOR_REGISTRY, type ProviderId } from '../core';
import { ConfigError, configuredVendors, envInt, envList, envProblems, envRedisUrl, envSwitch, envUrl, setVariables, vendorSettings, type VendorSettings } from '../runtime/env-schema';
import { settingPath } from '../runtime/make-dirs';
import { parseDuration } from './duration';
import { MAX_WAIT_SECONDS } from './schemas';

const DAY_MS = 86_400_000;

/** A duration setting; `maxMs`: the longest that works (a job's own limit is the core's 24 hours). */
const duration = (name: string, dflt: string, minMs: number, maxMs = 365 * DAY_MS) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			const ms = parseDuration(v?.trim() || dflt);
			if (ms === undefined || ms < minMs || ms > maxMs) {
				const most = maxMs % DAY_MS === 0 ? `${maxMs / DAY_MS} d` : `${maxMs / 1000} s`;
				ctx.addIssue({ code: 'custom', message: `${name} must be a duration like "90s", "30m" or "24h" (at least ${minMs / 1000} s, at most ${most})` });
				return z.NEVER;
			}
			return ms;
		});

const durations = (name: string, dflt: string) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			const parts = (v?.trim() || dflt).split(',').map((s) => s.trim());
			const ms = parts.map(parseDuration);
			if (ms.some((x) => x === undefined)) {
				ctx.addIssue({ code: 'custom', message: `${name} must be a comma-separated list of durations like "5s,5m,30m"` });
				return z.NEVER;
			}
			return ms as number[];
		});

const schema = z
	.object({
		PORT: envInt('PORT', 0, 65_535, 8080),
		// An IPv6 address may come in brackets, as in a URL; a port belongs in PORT.
		HOST: z
			.string()
			.trim()
			.default('127.0.0.1')
			.transform((h) => h.replace(/^\[(.*)\]$/, '$1'))
			.refine((h) => isIP(h) !== 0 || /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(h), 'HOST must be an IP address or a host name, without a port (the port is PORT)'),
		UPSCALE_DATA_DIR: z.string().trim().min(1).default('./data'),
		// The URL clients reach the server at: it goes into every link, the OpenAPI document and webhooks.
		UPSCALE_PUBLIC_URL: envUrl('UPSCALE_PUBLIC_URL').optional(),
		UPSCALE_API_KEYS: envList('UPSCALE_API_KEYS', z.string().min(16, 'is too short for a client key (at least 16 characters)'), { secret: true }),
		UPSCALE_WEBHOOK_SECRET: z
			.string()
			.trim()
			.regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'UPSCALE_WEBHOOK_SECRET must be a whsec_… secret (whsec_ and at least 16 base64 characters)')
			.optional(),
		UPSCALE_ALLOW_PRIVATE_URLS: envSwitch('UPSCALE_ALLOW_PRIVATE_URLS'),
		UPSCALE_LOCAL_ENGINE: envSwitch('UPSCALE_LOCAL_ENGINE'),
		UPSCALE_DEFAULT_PROVIDER: z
			.string()
			.optional()
			.refine((v) => v === undefined || (PROVIDER_IDS as string[]).includes(v), { message: `UPSCALE_DEFAULT_PROVIDER must be ${listWords(PROVIDER_IDS)}` })
			.transform((v) => v as ProviderId | undefined),
		UPSCALE_CONCURRENCY: envInt('UPSCALE_CONCURRENCY', 1, 500, 32),
		UPSCALE_PARALLEL_UPLOADS: envInt('UPSCALE_PARALLEL_UPLOADS', 1, 500, 4),
		UPSCALE_MAX_JOBS_PER_KEY: envInt('UPSCALE_MAX_JOBS_PER_KEY', 1, 100_000, 200),
		UPSCALE_MAX_JOBS: envInt('UPSCALE_MAX_JOBS', 1, 1_000_000, 2000),
		UPSCALE_JOB_TIMEOUT: duration('UPSCALE_JOB_TIMEOUT', '30m', 1000, DAY_MS),
		UPSCALE_RETENTION: duration('UPSCALE_RETENTION', '24h', 1000),
		UPSCALE_WORKER_LOCK: duration('UPSCALE_WORKER_LOCK', '30s', 1000),
		UPSCALE_WEBHOOK_RETRY: durations('UPSCALE_WEBHOOK_RETRY', '5s,5m,30m,2h,5h,10h,6h'),
		UPSCALE_WEBHOOK_TIMEOUT: duration('UPSCALE_WEBHOOK_TIMEOUT', '15s', 1000),
		UPSCALE_HEADERS_TIMEOUT: duration('UPSCALE_HEADERS_TIMEOUT', '10s', 1000),
		UPSCALE_REQUEST_TIMEOUT: duration('UPSCALE_REQUEST_TIMEOUT', '5m', 1000),
		// Longer than the longest wait= a client may ask for, or a long poll would be cut.
		UPSCALE_IDLE_TIMEOUT: duration('UPSCALE_IDLE_TIMEOUT', '60s', (MAX_WAIT_SECONDS + 5) * 1000),
		UPSCALE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { errorMap: () => ({ message: 'UPSCALE_LOG_LEVEL must be debug, info, warn or error' }) }).default('info'),
		REDIS_URL: envRedisUrl,
		...vendorSettings,
	})
	.superRefine((c, ctx) => {
		const preferred = c.UPSCALE_DEFAULT_PROVIDER;
		const keys = c as Record<string, unknown>;
		if (preferred === 'local' && !c.UPSCALE_LOCAL_ENGINE) ctx.addIssue({ code: 'custom', path: ['UPSCALE_DEFAULT_PROVIDER'], message: 'UPSCALE_DEFAULT_PROVIDER is local but UPSCALE_LOCAL_ENGINE is not on' });
		if (preferred && preferred !== 'local' && !keys[VENDOR_REGISTRY[preferred].env.key]) {
			ctx.addIssue({ code: 'custom', path: ['UPSCALE_DEFAULT_PROVIDER'], message: `UPSCALE_DEFAULT_PROVIDER is ${preferred} but ${VENDOR_REGISTRY[preferred].env.key} is not set` });
		}
		if (c.UPSCALE_HEADERS_TIMEOUT > c.UPSCALE_REQUEST_TIMEOUT) ctx.addIssue({ code: 'custom', path: ['UPSCALE_HEADERS_TIMEOUT'], message: 'UPSCALE_HEADERS_TIMEOUT must not be longer than UPSCALE_REQUEST_TIMEOUT (the headers are part of the request)' });
		if (!VENDOR_IDS.some((id) => keys[VENDOR_REGISTRY[id].env.key]) && !c.UPSCALE_LOCAL_ENGINE) {
			const names = VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].env.key);
			ctx.addIssue({ code: 'custom', path: [names[0]], message: `set ${listWords(names, 'and/or')}, or UPSCALE_LOCAL_ENGINE=on: the service needs at least one provider` });
		}
	});

export interface ServiceConfig {
	port: number;
	host: string;
	dataDir: string;
	/** The URL clients reach the server at (result links in webhooks); default http://HOST:PORT. */
	publicUrl?: string;
	/** Client keys accepted besides those made with `upscale keys create`. */
	envKeys: string[];
	envWebhookSecret?: string;
	allowPrivateUrls: boolean;
	providers: VendorSettings;
	local: boolean;
	defaultProvider: ProviderId;
	concurrency: number;
	/** Vendor jobs being sent at once (until the vendor's task id; a sync job until it is done). */
	parallelUploads: number;
	/**
	 * REDIS_URL: each key's request budget is shared with every other process on the key, and the service runs as a
	 * fleet (jobs on Redis, run by `upscale worker` processes).
	 */
	redisUrl?: string;
	/** Fleet: how long a worker's claim on a job lasts unrenewed (a killed worker's jobs go to another after this). */
	workerLockMs: number;
	maxJobsPerKey: number;
	maxJobs: number;
	jobTimeoutMs: number;
	retentionMs: number;
	/** Pauses between webhook attempts: after the first, then after each failed one. */
	webhookRetryMs: number[];
	/** How long one webhook attempt may take (connect, send, answer) before it counts as failed. */
	webhookTimeoutMs: number;
	/** Bounds on slow clients: the headers, the whole request (body included), a connection with no traffic. */
	timeouts: { headersMs: number; requestMs: number; idleMs: number };
	logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
	const r = schema.safeParse(setVariables(env));
	if (!r.success) throw new ConfigError(envProblems(r.error), "The service's configuration");
	const c = r.data;
	const providers = configuredVendors(c as Record<string, unknown>);
	return {
		port: c.PORT,
		host: c.HOST,
		dataDir: settingPath(c.UPSCALE_DATA_DIR),
		publicUrl: c.UPSCALE_PUBLIC_URL,
		envKeys: c.UPSCALE_API_KEYS,
		envWebhookSecret: c.UPSCALE_WEBHOOK_SECRET,
		allowPrivateUrls: c.UPSCALE_ALLOW_PRIVATE_URLS,
		providers,
		local: c.UPSCALE_LOCAL_ENGINE,
		defaultProvider: c.UPSCALE_DEFAULT_PROVIDER ?? VENDOR_IDS.find((id) => providers[id]) ?? 'local',
		concurrency: c.UPSCALE_CONCURRENCY,
		parallelUploads: c.UPSCALE_PARALLEL_UPLOADS,
		maxJobsPerKey: c.UPSCALE_MAX_JOBS_PER_KEY,
		maxJobs: c.UPSCALE_MAX_JOBS,
		jobTimeoutMs: c.UPSCALE_JOB_TIMEOUT,
		retentionMs: c.UPSCALE_RETENTION,
		workerLockMs: c.UPSCALE_WORKER_LOCK,
		webhookRetryMs: c.UPSCALE_WEBHOOK_RETRY,
		webhookTimeoutMs: c.UPSCALE_WEBHOOK_TIMEOUT,
		timeouts: { headersMs: c.UPSCALE_HEADERS_TIMEOUT, requestMs: c.UPSCALE_REQUEST_TIMEOUT, idleMs: c.UPSCALE_IDLE_TIMEOUT },
		logLevel: c.UPSCALE_LOG_LEVEL,
		redisUrl: c.REDIS_URL,
	};
}
