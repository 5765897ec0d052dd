/**
 * DELETE /v1/webhooks/{id}: ends a subscription of the caller's key (204). Another key's subscription answers as one
 * that does not exist. Its messages not yet delivered are given up at their next attempt.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { clientOf } from '../perimeter';
import { ApiError } from '../problem';

export function webhooksDelete(app: FastifyInstance, ctx: ServiceContext): void {
	app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', async (req, reply) => {
		const client = clientOf(req);
		if (!(await ctx.subscriptions.remove(req.params.id, client.id))) throw new ApiError('WEBHOOK_NOT_FOUND', `No webhook subscription ${req.params.id.slice(0, 60)} for this key.`);
		ctx.log.info('webhook subscription deleted', { subscription: req.params.id, client: client.id });
		return reply.code(204).send();
	});
}
