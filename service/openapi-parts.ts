/**
 * The pieces every part of the OpenAPI document is made of (openapi.ts puts them together): zod schemas as JSON
 * schemas, problem and JSON answers, the id parameters, and the examples shown for a job and a subscription.
 */
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';

export type Doc = Record<string, unknown>;

export const schema = (s: z.ZodTypeAny): Doc => (zodToJsonSchema as (s: unknown, o: unknown) => Doc)(s, { target: 'openApi3', $refStrategy: 'none' });

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

export const json = (description: string, name: string, example?: unknown, headers?: Doc) => ({
	description,
	...(headers ? { headers } : {}),
	content: { 'application/json': { schema: ref(name), ...(example === undefined ? {} : { example }) } },
});

export const header = (description: string, type: 'string' | 'integer' = 'string') => ({ description, schema: { type } });

export const pathId = (description: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description });

/** Every private operation can answer this. */
export const auth = { 401: problem('Missing or unknown client key (UNAUTHORIZED).') };

const BASE = 'https://upscale.example.com';

/** A finished job as GET /v1/jobs/{id} shows it. The suite checks it against the Job schema. */
export const exampleJob = {
	id: 'job_0mdaz3k1q4f2c91b7e5d3a6c8e1f0',
	object: 'job',
	status: 'succeeded',
	provider: 'clipdrop',
	options: { provider: 'clipdrop', scale: 2 },
	progress: { stage: 'done', queue_position: null, eta: null, fraction: 1 },
	vendor_task_id: 'b1946ac92492d2347c6235b4d2611184',
	execution: 'async',
	credits: { consumed: 1, remaining: 99 },
	input: { format: 'jpeg', width: 320, height: 240, bytes: 18_342, file_name: 'cat.jpg', url: null },
	output: { format: 'jpeg', width: 640, height: 480, bytes: 61_207, content_type: 'image/jpeg' },
	result_url: `${BASE}/v1/jobs/job_0mdaz3k1q4f2c91b7e5d3a6c8e1f0/result`,
	download_url: `${BASE}/v1/jobs/job_0mdaz3k1q4f2c91b7e5d3a6c8e1f0/download?expires=1796549412&signature=Yk3m1qv0o2bqW9xRzj8QeS5l1c0fT7uH2aDgN4pVwXs`,
	result_expires_at: '2026-12-06T09:30:12.000Z',
	error: null,
	cancel: null,
	webhook: null,
	created_at: '2026-12-05T09:30:04.000Z',
	started_at: '2026-12-05T09:30:04.000Z',
	finished_at: '2026-12-05T09:30:12.000Z',
};

export const exampleSubscription = {
	id: 'whk_0mdaz3k1q9a41c7e2b0d5f3a9e8c7',
	object: 'webhook_subscription',
	url: 'https://hooks.example.com/upscale',
	events: ['job.succeeded', 'job.failed'],
	created_at: '2026-12-05T09:00:00.000Z',
};
