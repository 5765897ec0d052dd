/** GET /v1/webhooks: the caller's key's webhook subscriptions, oldest first, without their secrets. */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { clientOf } from '../perimeter';
import { subscriptionView } from './webhooks-schemas';

export function webhooksList(app: FastifyInstance, ctx: ServiceContext): void {
	app.get('/v1/webhooks', async (req) => {
		const subs = await ctx.subscriptions.list(clientOf(req).id);
		return { object: 'list', data: subs.map((s) => subscriptionView(s)) };
	});
}
