/**
 * Deletes what is past its time: result files after the retention (default 24 h, the longest a vendor keeps a
 * result), job records and webhook messages after 30 days, idempotency keys after a day. A job whose result went
 * answers 410 Gone. As a safety net, a file in inputs/ older than the job timeout that no live job needs (an upload
 * whose request died with the process) is deleted too.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceContext } from './context';
import { FINISHED } from '../runtime/jobs/job';

export const RECORD_DAYS = 30;

export async function sweep(ctx: ServiceContext, now = Date.now()): Promise<{ results: number; orphans: number }> {
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
	const orphans = await sweepInputs(ctx, now);
	if (orphans) ctx.log.info('deleted uploads no job needs', { files: orphans });
	return { results: expired.length, orphans };
}

/** Files in inputs/ older than the job timeout whose job is gone or finished (or that never became a job). */
async function sweepInputs(ctx: ServiceContext, now: number): Promise<number> {
	let removed = 0;
	for (const name of readdirSync(ctx.files.inputs)) {
		const path = join(ctx.files.inputs, name);
		const mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
		if (mtime === undefined || now - mtime < ctx.config.jobTimeoutMs) continue;
		const row = /^job_[0-9a-z]+$/.test(name) ? await ctx.jobs.get(name) : undefined;
		if (row && !FINISHED.includes(row.status)) continue;
		ctx.files.removeSync(path);
		removed++;
	}
	return removed;
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
