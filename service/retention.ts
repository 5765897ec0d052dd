/**
 * Deletes what is past its time: result files after the retention (default 24 h, the longest a vendor keeps a
 * result), job records and webhook messages after 30 days, idempotency keys after a day. A job whose result went
 * answers 410 Gone.
 */
import type { ServiceContext } from './context';

export const RECORD_DAYS = 30;

export async function sweep(ctx: ServiceContext, now = Date.now()): Promise<{ results: number }> {
	const expired = await ctx.jobs.expired(now - ctx.config.retentionMs);
	for (const row of expired) {
		ctx.files.removeSync(row.output_path);
		ctx.files.removeSync(row.input_path);
		await ctx.jobs.update(row.id, { result_deleted_at: now });
	}
	const before = now - RECORD_DAYS * 86_400_000;
	await ctx.jobs.purge(before, now);
	await ctx.webhookTable.purge(before);
	if (expired.length) ctx.log.info('deleted results past the retention', { jobs: expired.length });
	return { results: expired.length };
}

/** Sweeps now and then: every minute, or more often for a short retention. */
export function startSweeper(ctx: ServiceContext): () => void {
	const every = Math.max(250, Math.min(60_000, Math.floor(ctx.config.retentionMs / 4)));
	let sweeping = false;
	const timer = setInterval(() => {
		if (sweeping) return;
		sweeping = true;
		sweep(ctx)
			.catch((e: unknown) => ctx.log.error('retention sweep failed', { error: (e as Error).message }))
			.finally(() => (sweeping = false));
	}, every);
	timer.unref();
	return () => clearInterval(timer);
}
