/** GET /v1/jobs/{id} (optionally waiting for it), GET /v1/jobs (newest first, paged), GET /v1/jobs/{id}/result. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidOptions } from '../../core';
import { clientOf } from '../perimeter';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { notFound } from '../problem';
import { MAX_WAIT_SECONDS } from '../schemas';
import { JOB_STATUSES, type JobStatus } from '../../runtime/jobs/job';
import { answerJob } from './answer';
import { sendResult } from './result-file';

type IdParams = { Params: { id: string }; Querystring: Record<string, string | undefined> };

function number(value: string | undefined, name: string, min: number, max: number, dflt: number): number {
	if (value === undefined || value === '') return dflt;
	const n = Number(value);
	if (!Number.isFinite(n) || n < min || n > max) throw invalidOptions(`Invalid request: ${name} must be a number from ${min} to ${max}.`);
	return n;
}

const encodeCursor = (createdAt: number, id: string) => Buffer.from(`${createdAt}:${id}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: number; id: string } {
	const m = /^(\d+):(job_[0-9a-z]+)$/.exec(Buffer.from(cursor, 'base64url').toString());
	if (!m) throw invalidOptions('Invalid request: cursor is not a next_cursor this server gave.');
	return { createdAt: Number(m[1]), id: m[2] };
}

export function jobsRead(app: FastifyInstance, ctx: ServiceContext): void {
	const own = async (req: FastifyRequest<IdParams>) => {
		const row = await ctx.jobs.ofClient(req.params.id, clientOf(req).id);
		if (!row) throw notFound(req.params.id);
		return row;
	};

	app.get<IdParams>('/v1/jobs/:id', async (req, reply) => {
		const row = await own(req);
		return answerJob(ctx, reply, row.id, number(req.query.wait, 'wait', 0, MAX_WAIT_SECONDS, 0));
	});

	app.get<{ Querystring: Record<string, string | undefined> }>('/v1/jobs', async (req) => {
		const limit = Math.floor(number(req.query.limit, 'limit', 1, 100, 20));
		const status = req.query.status;
		if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) throw invalidOptions(`Invalid request: status must be one of ${JOB_STATUSES.join(', ')}.`);
		const before = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
		const rows = await ctx.jobs.list(clientOf(req).id, limit + 1, before, status as JobStatus | undefined);
		const page = rows.slice(0, limit);
		const last = page[page.length - 1];
		return { object: 'list', data: await Promise.all(page.map((r) => ctx.view(r))), next_cursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
	});

	app.get<IdParams>('/v1/jobs/:id/result', async (req, reply) => sendResult(ctx, await own(req), reply));
}
