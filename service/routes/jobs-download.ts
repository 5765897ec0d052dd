/**
 * GET /v1/jobs/{id}/download?expires=…&signature=…: a succeeded job's image with no header at all, for the next step
 * of a flow. Public (no key): the link's signature is the permission, checked before the job is even looked up, so a
 * stranger learns nothing about which jobs exist. A changed or foreign link is 403 LINK_INVALID, an expired one 410
 * LINK_EXPIRED; the link also stops working when the key that made the job is revoked.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context';
import { PUBLIC_ROUTE } from '../perimeter';
import { ApiError } from '../problem';
import { sendResult } from './result-file';

type Download = { Params: { id: string }; Querystring: Record<string, unknown> };

export function jobsDownload(app: FastifyInstance, ctx: ServiceContext): void {
	app.get<Download>('/v1/jobs/:id/download', PUBLIC_ROUTE, async (req, reply) => {
		ctx.links.verify(req.params.id, req.query);
		const row = await ctx.jobs.get(req.params.id);
		if (!row) throw new ApiError('RESULT_GONE', `The result of ${req.params.id.slice(0, 60)} is no longer kept: submit the job again.`);
		if (!ctx.clients.byId(row.client_id)) throw new ApiError('LINK_INVALID', 'This download link no longer works: the client key that made the job was revoked.');
		reply.header('cache-control', 'private, no-store');
		return sendResult(ctx, row, reply);
	});
}
