/**
 * GET /openapi.json: the OpenAPI 3 document, generated from the same zod schemas the requests are validated with
 * (service/schemas.ts, built on the core's option schemas, and the subscription schemas), so the document cannot
 * drift from what the server accepts. Every operation has an operationId, a summary and a tag, and `servers` names
 * the server, so a platform can import it (the suite lints it with Redocly's recommended rules). The parts are in
 * openapi-jobs.ts, openapi-webhooks.ts and openapi-parts.ts.
 */
import { listWords, PROVIDER_IDS, PROVIDER_NAMES } from '../core';
import { auth, json, problem, schema, type Doc } from './openapi-parts';
import { jobPaths } from './openapi-jobs';
import { webhookEventSchema, webhookPaths } from './openapi-webhooks';
import { createdSubscriptionSchema, subscriptionListSchema, subscriptionRequestSchema, subscriptionSchema } from './routes/webhooks-schemas';
import { creditsSchema, jobListSchema, jobRequestSchema, jobSchema, problemSchema } from './schemas';

const REPO = 'https://github.com/n8n-nodes-upscale/n8n-nodes-upscale';

const TAGS = [
	{ name: 'Jobs', description: 'Upscale an image: create a job, follow it, download the result.' },
	{ name: 'Webhooks', description: 'Be called when a job ends: per job (`webhook_url`) or for every job of the key (subscriptions).' },
	{ name: 'Account', description: 'Credits left with each provider.' },
	{ name: 'Operations', description: 'Health, readiness and metrics, for the operator; no key needed.' },
];

const info = (version: string) => ({
	title: 'upscale serve: the image upscaling job API',
	version,
	description:
		`Upscale images with ${listWords(PROVIDER_IDS.map((id) => PROVIDER_NAMES[id]), 'or')}. POST a job (202 + its id), then poll it, or pass \`wait\` (up to 25 s), or give \`webhook_url\` (or subscribe with POST /v1/webhooks) to be called (Standard Webhooks, signed) when it ends. Errors are RFC 9457 problem details with a stable \`code\`.`,
	license: { name: 'MIT', url: `${REPO}/blob/main/LICENSE` },
	contact: { name: 'n8n-nodes-upscale', url: REPO },
});

function components(): Doc {
	return {
		securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A client key from `upscale keys create` or UPSCALE_API_KEYS.' } },
		schemas: {
			JobRequest: schema(jobRequestSchema),
			Job: schema(jobSchema),
			JobList: schema(jobListSchema),
			Credits: schema(creditsSchema),
			WebhookSubscriptionRequest: schema(subscriptionRequestSchema),
			WebhookSubscription: schema(subscriptionSchema),
			WebhookSubscriptionCreated: schema(createdSubscriptionSchema),
			WebhookSubscriptionList: schema(subscriptionListSchema),
			WebhookEvent: webhookEventSchema,
			Problem: schema(problemSchema),
		},
	};
}

const open = (operationId: string, summary: string, responses: Doc) => ({ get: { operationId, summary, tags: ['Operations'], security: [], responses } });

const operationPaths: Doc = {
	'/v1/credits': { get: { operationId: 'getCredits', summary: 'Credits left with each provider', tags: ['Account'], responses: { 200: json('Per provider.', 'Credits'), ...auth } } },
	'/healthz': open('getHealth', 'Liveness', { 200: { description: 'The process answers.' } }),
	'/readyz': open('getReadiness', 'Readiness: database, data directory, client keys', { 200: { description: 'Ready.' }, 503: problem('Not ready (NOT_READY).') }),
	'/metrics': open('getMetrics', 'Prometheus metrics', { 200: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } }),
};

/** The document; `serverUrl`: where clients reach this server (UPSCALE_PUBLIC_URL, else the address it listens on). */
export function openApiDocument(version: string, serverUrl: string): Doc {
	const c = components();
	const request = (c.schemas as Record<string, { properties: Doc }>).JobRequest;
	return {
		openapi: '3.0.3',
		info: info(version),
		servers: [{ url: serverUrl, description: 'This server' }],
		tags: TAGS,
		components: c,
		security: [{ bearer: [] }],
		paths: { ...jobPaths(request), ...webhookPaths, ...operationPaths },
	};
}
