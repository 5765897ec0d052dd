/**
 * Deletes what is past its time: result files after the retention (default 24 h, the longest a vendor keeps a
 * result), job records and webhook messages after 30 days, idempotency keys after a day. A job whose result went
 * answers 410 Gone.
 */
import type { ServiceContext } from './context';

export const RECORD_DAYS = 30;

export function sweep(ctx: ServiceContext, now = Date.now()): { results: number } {
	const expired = ctx.jobs.expired(now - ctx.config.retentionMs);
	for (const row of expired) {
		ctx.files.removeSync(row.output_path);
		ctx.files.removeSync(row.input_path);
		ctx.jobs.update(row.id, { result_deleted_at: now });
	}
	const before = now - RECORD_DAYS * 86_400_000;
	ctx.jobs.purge(before);
	ctx.webhookTable.purge(before);
	ctx.idempotency.purge(now);
	if (expired.length) ctx.log.info('deleted results past the retention', { jobs: expired.length });
	return { results: expired.length };
}

/** Sweeps now and then: every minute, or more often for a short retention. */
export function startSweeper(ctx: ServiceContext): () => void {
	const every = Math.max(250, Math.min(60_000, Math.floor(ctx.config.retentionMs / 4)));
	const timer = setInterval(() => {
		try {
			sweep(ctx);
		} catch (e) {
			ctx.log.error('retention sweep failed', { error: (e as Error).message });
		}
	}, every);
	timer.unref();
	return () => clearInterval(timer);
}
