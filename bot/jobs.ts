/**
 * The bot on the job engine (runtime/jobs): its store (bot.db under BOT_DATA_DIR, or Redis under `upscale:bot:`
 * with REDIS_URL), its line (this process's runner, or the bot fleet's BullMQ queues that `upscale-bot worker`
 * processes take from), and what the engine needs from the bot: its providers, Discord attachments fetched only
 * from Discord's CDN, how an interrupted job is explained, and the outbox that answers the user.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { MAX_INPUT_BYTES, UpscaleError, type ProviderId, type Upscaler } from '../core';
import { Db } from '../runtime/jobs/db';
import type { ExecutorDeps } from '../runtime/jobs/executor';
import { fleetNames } from '../runtime/jobs/fleet-queue';
import type { Files } from '../runtime/jobs/files';
import { RedisJobStore } from '../runtime/jobs/redis-store';
import { MIGRATIONS } from '../runtime/jobs/schema';
import { SqliteJobStore } from '../runtime/jobs/sqlite-store';
import type { JobStore } from '../runtime/jobs/store';
import type { Logger } from '../runtime/log';
import { AttachmentError, downloadAttachment } from './attachments';
import type { BotConfig } from './config';
import { NAMES, text } from './messages';
import { DELIVERY_LEASE_MS, type Outbox } from './outbox';

/** The bot fleet's queue names on Redis (never the job service's). */
export const BOT_FLEET = fleetNames('upscale-bot');

/** The bot's job store: its own SQLite file, or Redis under its own prefix. */
export function botJobStore(config: BotConfig, redis?: Redis): { jobs: JobStore; db?: Db } {
	if (redis) return { jobs: new RedisJobStore(redis, 'upscale:bot:') };
	const db = new Db(join(config.dataDir, 'bot.db'), MIGRATIONS, { exclusive: true });
	return { jobs: new SqliteJobStore(db), db };
}

export function botJobDeps(config: BotConfig, d: { jobs: JobStore; files: Files; upscalers: Partial<Record<ProviderId, Upscaler>>; log: Logger; outbox: Outbox }, who: string): ExecutorDeps {
	return {
		jobs: d.jobs,
		files: d.files,
		log: d.log,
		jobTimeoutMs: config.jobTimeoutMs,
		upscaler: (provider) => {
			const u = d.upscalers[provider];
			if (!u) throw new UpscaleError('INVALID_OPTIONS', text.notConfigured(NAMES[provider] ?? provider), { provider, local: true });
			return u;
		},
		fetchImage: async (url, o) => {
			try {
				const bytes = await downloadAttachment(url, { allowedHosts: config.cdnHosts, maxBytes: MAX_INPUT_BYTES, timeoutMs: 60_000, signal: o.signal });
				return { bytes, fileName: o.fileName ?? 'image' };
			} catch (e) {
				if (e instanceof AttachmentError) throw new UpscaleError('INVALID_INPUT', e.message, { provider: o.provider, local: true });
				throw e;
			}
		},
		voice: { who, again: 'Please run /upscale again.' },
		outcomePatch: () => ({ deliver_after: Date.now() + DELIVERY_LEASE_MS }),
		onFinished: (row) => d.outbox.finished(row),
		onProgress: (id, p) => d.outbox.progress(id, p),
		onResume: (row) => d.outbox.resumed(row),
		onAbort: (id) => d.outbox.forget(id),
	};
}
