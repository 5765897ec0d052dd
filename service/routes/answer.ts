/**
 * The answer with a job: its links are built on UPSCALE_PUBLIC_URL (else the address the server listens on), never
 * on the request's Host header, which the caller chooses. After waiting up to `wait` seconds for the job: 200 when
 * it has finished, else 202 with Location.
 */
import type { FastifyReply } from 'fastify';
import type { ServiceContext } from '../context';
import { FINISHED } from '../../runtime/jobs/job';
import { notFound } from '../problem';

export async function answerJob(ctx: ServiceContext, reply: FastifyReply, id: string, waitSeconds: number, created = true) {
	if (waitSeconds > 0) await ctx.runner.settled(id, waitSeconds * 1000);
	const row = await ctx.jobs.get(id);
	if (!row) throw notFound(id);
	const finished = FINISHED.includes(row.status);
	if (created) reply.header('location', `/v1/jobs/${id}`);
	reply.code(created && !finished ? 202 : 200);
	return ctx.view(row);
}
