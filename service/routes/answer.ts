/** The answer with a job: after waiting up to `wait` seconds for it, 200 when it has finished, else 202 with Location. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context';
import { FINISHED } from '../store/jobs';
import { notFound } from '../problem';

/** The URL this request reached the server at (result links in answers). */
export function requestBase(req: FastifyRequest, ctx: ServiceContext): string {
	if (ctx.config.publicUrl) return ctx.config.publicUrl;
	return `${req.protocol}://${req.headers.host ?? `${ctx.config.host}:${ctx.config.port}`}`;
}

export async function answerJob(ctx: ServiceContext, req: FastifyRequest, reply: FastifyReply, id: string, waitSeconds: number, created = true) {
	if (waitSeconds > 0) await ctx.runner.settled(id, waitSeconds * 1000);
	const row = await ctx.jobs.get(id);
	if (!row) throw notFound(id);
	const finished = FINISHED.includes(row.status);
	if (created) reply.header('location', `/v1/jobs/${id}`);
	reply.code(created && !finished ? 202 : 200);
	return ctx.view(row, requestBase(req, ctx));
}
