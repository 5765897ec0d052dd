/**
 * The OpenAPI document's webhook parts: the subscription operations (REST hooks: subscribe, list, unsubscribe), the
 * message the server POSTs (as a callback of both ways to ask for it) and its schema.
 */
import { auth, exampleJob, exampleSubscription, header, json, pathId, problem, ref, type Doc } from './openapi-parts';
import { MAX_SUBSCRIPTIONS_PER_KEY, WEBHOOK_EVENTS } from './store/webhook-subscriptions';

const tags = ['Webhooks'];

/** What the server POSTs when a job ends. */
export const webhookEventSchema = {
	type: 'object',
	required: ['type', 'timestamp', 'data'],
	properties: {
		type: { type: 'string', enum: [...WEBHOOK_EVENTS], description: 'What happened to the job.' },
		timestamp: { type: 'string', format: 'date-time', description: 'When the message was made (the same on every attempt).' },
		data: ref('Job'),
	},
};

/** The message as a callback operation: Standard Webhooks headers, signed with `secret`, sent to `where`. */
export function webhookCallback(operationId: string, where: string, secret: string): Doc {
	return {
		operationId,
		summary: 'A job ended',
		description: `POSTed to ${where} when a job ends (job.succeeded or job.failed; a cancel sends none), signed the Standard Webhooks way with ${secret}. Retried on the server's schedule until a 2xx, then given up; webhook-id is the same on every attempt.`,
		tags,
		parameters: [
			{ name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' }, description: 'msg_…: the same on every attempt, so repeats can be dropped.' },
			{ name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string' }, description: 'Seconds since 1970 when this attempt was signed.' },
			{ name: 'webhook-signature', in: 'header', required: true, schema: { type: 'string' }, description: 'v1,<base64 HMAC-SHA256 of "id.timestamp.body">.' },
		],
		requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookEvent'), example: { type: 'job.succeeded', timestamp: exampleJob.finished_at, data: exampleJob } } } },
		responses: {
			'2XX': { description: 'Received: not sent again.' },
			'4XX': { description: 'Refused: tried again later, like any answer but a 2xx.' },
			default: { description: 'Anything else (a 3xx is not followed, a 5xx, no answer in time): tried again later.' },
		},
		security: [],
	};
}

const createWebhook = {
	operationId: 'createWebhook',
	summary: 'Subscribe to job events',
	description: `A standing webhook for every job of this key that ends with one of \`events\` (REST hooks). At most ${MAX_SUBSCRIPTIONS_PER_KEY} per key, one per URL. The answer carries the subscription's signing secret, once.`,
	tags,
	requestBody: { required: true, content: { 'application/json': { schema: ref('WebhookSubscriptionRequest'), example: { url: exampleSubscription.url, events: ['job.succeeded', 'job.failed'] } } } },
	responses: {
		201: json('The subscription, with its secret.', 'WebhookSubscriptionCreated', { ...exampleSubscription, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, { Location: header('The subscription: /v1/webhooks/{id} (absolute on UPSCALE_PUBLIC_URL).') }),
		400: problem('The body is not a JSON object (BAD_REQUEST).'),
		...auth,
		409: problem(`This key already has a subscription to the URL (WEBHOOK_EXISTS), or has ${MAX_SUBSCRIPTIONS_PER_KEY} (TOO_MANY_WEBHOOKS).`),
		422: problem('The url or the events were refused (INVALID_OPTIONS, URL_NOT_ALLOWED).'),
	},
	callbacks: { jobEnded: { '{$request.body#/url}': { post: webhookCallback('subscriptionWebhook', 'the subscription\'s `url`', "the subscription's secret") } } },
};

export const webhookPaths: Doc = {
	'/v1/webhooks': {
		post: createWebhook,
		get: {
			operationId: 'listWebhooks',
			summary: 'List webhook subscriptions',
			description: "This key's subscriptions, oldest first, without their secrets.",
			tags,
			responses: { 200: json("The key's subscriptions.", 'WebhookSubscriptionList', { object: 'list', data: [exampleSubscription] }), ...auth },
		},
	},
	'/v1/webhooks/{id}': {
		get: {
			operationId: 'getWebhook',
			summary: 'Get a webhook subscription',
			description: 'One subscription of this key (the Location of its creation), without its secret.',
			tags,
			parameters: [pathId('The subscription id (whk_…).')],
			responses: { 200: json('The subscription.', 'WebhookSubscription', exampleSubscription), ...auth, 404: problem('No such subscription for this key (WEBHOOK_NOT_FOUND).') },
		},
		delete: {
			operationId: 'deleteWebhook',
			summary: 'Unsubscribe',
			description: 'Ends the subscription; its messages not yet delivered are given up.',
			tags,
			parameters: [pathId('The subscription id (whk_…).')],
			responses: { 204: { description: 'Deleted.' }, ...auth, 404: problem('No such subscription for this key (WEBHOOK_NOT_FOUND).') },
		},
	},
};
