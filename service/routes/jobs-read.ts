/** GET /v1/jobs/{id} (optionally waiting for it), GET /v1/jobs (newest first, paged), GET /v1/jobs/{id}/result. */
import { createReadStream, existsSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidOptions, upscaledName } from '../../core';
import { clientOf } from '../perimeter';
import type { ServiceContext } from '../context';
import { attachmentDisposition } from '../content-disposition';
import '../fastify-types';
import { ApiError, notFound } from '../problem';
import { MAX_WAIT_SECONDS } from '../schemas';
import { JOB_STATUSES, type JobStatus } from '../../runtime/jobs/job';
import { answerJob } from './answer';

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
		return answerJob(ctx, reply, row.id, number(req.query.wait, 'wait', 0, MAX_WAIT_SECONDS, 0), false);
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

	app.get<IdParams>('/v1/jobs/:id/result', async (req, reply) => {
		const row = await own(req);
		if (row.status !== 'succeeded') {
			const why = row.status === 'failed' ? `the job failed: ${row.error_message}` : row.status === 'canceled' ? 'the job was canceled' : `the job is ${row.status}; poll GET /v1/jobs/${row.id} or pass wait`;
			throw new ApiError('RESULT_NOT_READY', `No result: ${why}`, { status_of_job: row.status });
		}
		if (row.result_deleted_at || !row.output_path || !existsSync(row.output_path)) {
			throw new ApiError('RESULT_GONE', `The result of ${row.id} was deleted ${Math.round(ctx.config.retentionMs / 3_600_000) || '<1'} h after the job finished (the server's retention): submit the job again.`);
		}
		const ext = row.output_path.slice(row.output_path.lastIndexOf('.') + 1);
		reply.header('content-type', row.output_type ?? 'application/octet-stream');
		reply.header('content-length', String(row.output_bytes ?? ''));
		reply.header('content-disposition', attachmentDisposition(upscaledName(row.input_name ?? 'image', ext)));
		return reply.send(createReadStream(row.output_path));
	});
}
