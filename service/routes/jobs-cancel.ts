/** DELETE /v1/jobs/{id}: cancels a queued or running job and says whether the vendor may still charge for it. */
import type { FastifyInstance } from 'fastify';
import { clientOf } from '../perimeter';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { ApiError, notFound } from '../problem';
import { FINISHED } from '../../runtime/jobs/job';

export function jobsCancel(app: FastifyInstance, ctx: ServiceContext): void {
	app.delete<{ Params: { id: string } }>('/v1/jobs/:id', async (req) => {
		const row = await ctx.jobs.ofClient(req.params.id, clientOf(req).id);
		if (!row) throw notFound(req.params.id);
		if (FINISHED.includes(row.status)) throw new ApiError('ALREADY_FINISHED', `The job has already ${row.status === 'canceled' ? 'been canceled' : row.status}: there is nothing to cancel.`, { status_of_job: row.status });
		await ctx.runner.cancel(row);
		ctx.log.info('job canceled', { job: row.id, client: row.client_id });
		return ctx.view((await ctx.jobs.get(row.id))!);
	});
}
