/**
 * POST /v1/webhooks: a subscription (REST hook) for every job of the caller's key that ends with one of its events.
 * The URL passes the same guard as webhook_url (http(s), no credentials, no private address: now, and again on every
 * delivery). A key has at most MAX_SUBSCRIPTIONS_PER_KEY, one per URL. The secret is in this answer only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatIssues, invalidOptions } from '../../core';
import type { ServiceContext } from '../context';
import '../fastify-types';
import { clientOf } from '../perimeter';
import { ApiError } from '../problem';
import { MAX_SUBSCRIPTIONS_PER_KEY, newSubscription, WEBHOOK_EVENTS } from '../store/webhook-subscriptions';
import { checkPublicUrl } from '../url-guard';
import { subscriptionRequestSchema, subscriptionView, type SubscriptionRequest } from './webhooks-schemas';

const EXAMPLE = '{"url": "https://example.com/hooks/upscale", "events": ["job.succeeded", "job.failed"]}';

/** The problems named in a refusal: a body of a thousand bad events gets a short answer, not a longer one. */
const SHOWN_ISSUES = 5;

function parseSubscription(body: unknown): SubscriptionRequest {
	if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('BAD_REQUEST', `The body must be a JSON object like ${EXAMPLE}.`);
	const r = subscriptionRequestSchema.safeParse(body);
	if (!r.success) {
		const { issues } = r.error;
		const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more)` : '';
		throw invalidOptions(`Invalid request: ${formatIssues(new z.ZodError(issues.slice(0, SHOWN_ISSUES)))}${more}.`);
	}
	return r.data;
}

export function webhooksCreate(app: FastifyInstance, ctx: ServiceContext): void {
	app.post('/v1/webhooks', async (req, reply) => {
		const client = clientOf(req);
		const r = parseSubscription(req.body);
		await checkPublicUrl(r.url, 'url', ctx.config.allowPrivateUrls);
		// One spelling per URL (the parser's), so "HTTPS://Example.com/h" is the same subscription as "https://example.com/h";
		// a #fragment is never sent in a request, so it makes no other URL (and is dropped).
		const parsed = new URL(r.url);
		parsed.hash = '';
		const url = parsed.href;
		const events = WEBHOOK_EVENTS.filter((e) => (r.events ?? WEBHOOK_EVENTS).includes(e));
		const outcome = await ctx.subscriptions.create(newSubscription(client.id, url, events), MAX_SUBSCRIPTIONS_PER_KEY);
		if ('exists' in outcome) {
			throw new ApiError('WEBHOOK_EXISTS', `This key already has a subscription to this URL (${outcome.exists}): use it, or delete it first (DELETE /v1/webhooks/${outcome.exists}).`, { webhook_id: outcome.exists });
		}
		if ('full' in outcome) throw new ApiError('TOO_MANY_WEBHOOKS', `This key has ${MAX_SUBSCRIPTIONS_PER_KEY} webhook subscriptions, the most one key may have: delete one (DELETE /v1/webhooks/{id}) first.`);
		const s = outcome.created;
		ctx.log.info('webhook subscription created', { subscription: s.id, client: client.id, events });
		reply.code(201).header('location', `${ctx.config.publicUrl ?? ''}/v1/webhooks/${s.id}`);
		return subscriptionView(s, true);
	});
}
