/** GET /v1/webhooks/{id}: one subscription of the caller's key, without its secret (another key's answers as missing). */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { clientOf } from '../perimeter';
import { ApiError } from '../problem';
import { subscriptionView } from './webhooks-schemas';

export function webhooksRead(app: FastifyInstance, ctx: ServiceContext): void {
	app.get<{ Params: { id: string } }>('/v1/webhooks/:id', async (req) => {
		const s = await ctx.subscriptions.get(req.params.id);
		if (!s || s.client_id !== clientOf(req).id) throw new ApiError('WEBHOOK_NOT_FOUND', `No webhook subscription ${req.params.id.slice(0, 60)} for this key.`);
		return subscriptionView(s);
	});
}
