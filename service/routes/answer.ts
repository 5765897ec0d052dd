/**
 * The answer with a job, in the async request-reply pattern that platform pollers (Power Automate, Logic Apps) and
 * plain HTTP clients both follow: while the job is queued or running, 202 with `Retry-After` (seconds until the next
 * poll is worth making) and `Location` (the job's URL, to poll); once it has ended, 200. The body is the job view
 * either way, so a client that reads `status` needs nothing else. After waiting up to `wait` seconds for the job.
 *
 * Location is absolute on UPSCALE_PUBLIC_URL, else relative (it then resolves against the URL the client called):
 * never built on the request's Host header, which the caller chooses.
 */
import type { FastifyReply } from 'fastify';
import type { ServiceContext } from '../context';
import { FINISHED } from '../../runtime/jobs/job';
import { notFound } from '../problem';
import type { JobView } from '../schemas';

/** The longest a poller is told to wait, and the pause while nothing better is known. */
const MAX_POLL_SECONDS = 30;
const MAX_UNKNOWN_SECONDS = 5;

/** Seconds until the next poll is worth making: until the vendor's ETA when it gave one, else about a job's time (at most 5). */
export function pollAfterSeconds(ctx: ServiceContext, job: JobView, now = Date.now()): number {
	const eta = job.progress?.eta ? Date.parse(job.progress.eta) : NaN;
	if (Number.isFinite(eta)) return Math.min(MAX_POLL_SECONDS, Math.max(1, Math.ceil((eta - now) / 1000)));
	return Math.min(MAX_UNKNOWN_SECONDS, Math.max(1, ctx.runner.retryAfterSeconds()));
}

export const jobLocation = (ctx: ServiceContext, id: string) => `${ctx.config.publicUrl ?? ''}/v1/jobs/${id}`;

export async function answerJob(ctx: ServiceContext, reply: FastifyReply, id: string, waitSeconds: number): Promise<JobView> {
	if (waitSeconds > 0) await ctx.runner.settled(id, waitSeconds * 1000);
	const row = await ctx.jobs.get(id);
	if (!row) throw notFound(id);
	const view = await ctx.view(row);
	reply.header('location', jobLocation(ctx, id));
	if (FINISHED.includes(row.status)) {
		reply.code(200);
		return view;
	}
	reply.header('retry-after', String(pollAfterSeconds(ctx, view)));
	reply.code(202);
	return view;
}
