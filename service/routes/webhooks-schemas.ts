/**
 * The webhook subscription endpoints' shapes as zod schemas: the routes validate with them and openapi.ts turns the
 * same schemas into the document.
 */
import { z } from 'zod';
import { excerpt, listWords } from '../../core';
import { MAX_SUBSCRIPTIONS_PER_KEY, WEBHOOK_EVENTS, type Subscription } from '../store/webhook-subscriptions';

const eventsText = listWords([...WEBHOOK_EVENTS], 'and');

const event = z.enum(WEBHOOK_EVENTS, {
	errorMap: (issue, ctx) => ({ message: issue.code === 'invalid_enum_value' ? `events: "${excerpt(String(ctx.data), 60)}" is not an event; the events are ${eventsText}` : `events must be a list of event names (${eventsText})` }),
});

export const subscriptionRequestSchema = z
	.object({
		url: z
			.string({ required_error: 'url is required: the http(s) URL to call when a job ends', invalid_type_error: 'url must be a string' })
			.max(4096, 'url is longer than 4096 characters')
			.describe('The http(s) URL to POST each event to (Standard Webhooks, signed with this subscription\'s secret). Public addresses only; no user name or password in it.'),
		events: z
			.array(event, { invalid_type_error: `events must be a list of event names (${eventsText})` })
			.min(1, `events must name at least one event (${eventsText}), or be left out for all of them`)
			.optional()
			.describe(`Which events to send: ${eventsText}. Default: all of them.`),
	})
	.strict();

export type SubscriptionRequest = z.output<typeof subscriptionRequestSchema>;

export const subscriptionSchema = z.object({
	id: z.string().describe('whk_…'),
	object: z.literal('webhook_subscription'),
	url: z.string(),
	events: z.array(z.enum(WEBHOOK_EVENTS)),
	created_at: z.string(),
});

export const createdSubscriptionSchema = subscriptionSchema.extend({
	secret: z.string().describe('whsec_…: verify the messages with it (Standard Webhooks). Shown only in this answer.'),
});

export const subscriptionListSchema = z.object({
	object: z.literal('list'),
	data: z.array(subscriptionSchema).describe(`The key's subscriptions, oldest first (at most ${MAX_SUBSCRIPTIONS_PER_KEY}); no secrets.`),
});

/** A subscription as the API shows it: never its secret, unless `withSecret` (the answer to its creation). */
export function subscriptionView(s: Subscription, withSecret = false) {
	return { id: s.id, object: 'webhook_subscription' as const, url: s.url, events: s.events, created_at: new Date(s.created_at).toISOString(), ...(withSecret ? { secret: s.secret } : {}) };
}
