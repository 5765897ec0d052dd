/**
 * GET /openapi.json: the OpenAPI 3 document, generated from the same zod schemas the requests are validated with
 * (service/schemas.ts, built on the core's option schemas), so the document cannot drift from what the server accepts.
 */
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';
import { MAX_INPUT_BYTES, megabytes } from '../core';
import { creditsSchema, jobListSchema, jobRequestSchema, jobSchema, MAX_WAIT_SECONDS, problemSchema } from './schemas';

const schema = (s: z.ZodTypeAny): Record<string, unknown> => (zodToJsonSchema as (s: unknown, o: unknown) => Record<string, unknown>)(s, { target: 'openApi3', $refStrategy: 'none' });

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const job = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The job id (job_…).' };
const waitParam = { name: 'wait', in: 'query', required: false, schema: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS }, description: `Hold the answer up to this many seconds until the job is done.` };
const auth = { 401: problem('Missing or unknown client key (UNAUTHORIZED).') };

export function openApiDocument(version: string): Record<string, unknown> {
	const request = schema(jobRequestSchema) as { properties: Record<string, unknown>; additionalProperties?: boolean };
	const multipart = {
		type: 'object',
		required: ['image'],
		properties: { image: { type: 'string', format: 'binary', description: `The image (PNG, JPEG or WebP, at most ${megabytes(MAX_INPUT_BYTES)}).` }, ...request.properties },
	};
	return {
		openapi: '3.0.3',
		info: {
			title: 'upscale serve: the image upscaling job API',
			version,
			description:
				'Upscale images with Clipdrop, Ximilar or the local engine. POST a job (202 + its id), then poll it, or pass `wait` (up to 25 s), or give `webhook_url` to be called (Standard Webhooks, signed) when it ends. Errors are RFC 9457 problem details with a stable `code`.',
		},
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A client key from `upscale keys create` or UPSCALE_API_KEYS.' } },
			schemas: { JobRequest: request, Job: schema(jobSchema), JobList: schema(jobListSchema), Credits: schema(creditsSchema), Problem: schema(problemSchema) },
		},
		security: [{ bearer: [] }],
		paths: {
			'/v1/jobs': {
				post: {
					summary: 'Create a job',
					parameters: [
						{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'The same key and request return the same job (no second vendor request) for 24 h; the same key with another request is refused.' },
						waitParam,
					],
					requestBody: {
						required: true,
						content: { 'multipart/form-data': { schema: multipart }, 'application/json': { schema: { $ref: '#/components/schemas/JobRequest' } } },
					},
					responses: {
						200: job('The job, finished within `wait`.'),
						202: job('The job, accepted (Location: its URL).'),
						...auth,
						413: problem(`The upload is larger than ${megabytes(MAX_INPUT_BYTES)} (PAYLOAD_TOO_LARGE).`),
						415: problem('Neither multipart/form-data nor JSON (UNSUPPORTED_MEDIA_TYPE).'),
						422: problem('The image, the options, a URL or the idempotency key was refused (INVALID_INPUT, INVALID_OPTIONS, URL_NOT_ALLOWED, PROVIDER_NOT_CONFIGURED, IDEMPOTENCY_KEY_REUSED); nothing was stored or spent.'),
						429: problem('Too many jobs queued (TOO_MANY_JOBS); see Retry-After.'),
					},
				},
				get: {
					summary: "List the caller's jobs, newest first",
					parameters: [
						{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
						{ name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
						{ name: 'status', in: 'query', schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'canceled'] } },
					],
					responses: { 200: { description: 'A page of jobs.', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobList' } } } }, ...auth },
				},
			},
			'/v1/jobs/{id}': {
				get: { summary: 'A job: status, progress, credits, result link, error, webhook attempts', parameters: [idParam, waitParam], responses: { 200: job('The job.'), ...auth, 404: problem('No such job for this key (JOB_NOT_FOUND).') } },
				delete: {
					summary: 'Cancel a job (says whether the vendor may still charge)',
					parameters: [idParam],
					responses: { 200: job('The canceled job; `cancel.vendor_may_charge` tells whether the vendor already had it.'), ...auth, 404: problem('No such job (JOB_NOT_FOUND).'), 409: problem('The job has already finished (ALREADY_FINISHED).') },
				},
			},
			'/v1/jobs/{id}/result': {
				get: {
					summary: 'The upscaled image',
					parameters: [idParam],
					responses: {
						200: { description: 'The image, with its content type.', content: { 'image/png': {}, 'image/jpeg': {}, 'image/webp': {} } },
						...auth,
						404: problem('No such job (JOB_NOT_FOUND).'),
						409: problem('The job has not succeeded (yet) (RESULT_NOT_READY).'),
						410: problem('The result was deleted after the retention (RESULT_GONE).'),
					},
				},
			},
			'/v1/credits': { get: { summary: 'Credits left with each provider', responses: { 200: { description: 'Per provider.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Credits' } } } }, ...auth } } },
			'/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'The process answers.' } } } },
			'/readyz': { get: { summary: 'Readiness: database, data directory, client keys', security: [], responses: { 200: { description: 'Ready.' }, 503: problem('Not ready (NOT_READY).') } } },
			'/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text/plain; version=0.0.4' } } } },
		},
	};
}
