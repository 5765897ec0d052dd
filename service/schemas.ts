/**
 * The API's shapes as zod schemas: the job request is built from the core's own option schemas and option fields
 * (so the API validates exactly what the core does, and a new core option appears here by itself), and the job
 * as the API shows it. openapi.ts turns these same schemas into the OpenAPI document.
 */
import { z } from 'zod';
import { OPTION_FIELDS, PROVIDER_IDS, upscaleOptionsSchema, type OptionField, type ProviderId, type UpscaleOptionsInput } from '../core';
import { JOB_STATUSES } from '../runtime/jobs/job';

/** `tune-colors` → `tune_colors`: the API's name of a core option field. */
export const apiName = (f: OptionField) => f.flag.replace(/-/g, '_');

/** The core's option fields the API takes (the vendor's own webhook is not one: the service has webhook_url). */
export const API_FIELDS = OPTION_FIELDS.filter((f) => f.type !== 'url');

const shape = upscaleOptionsSchema.shape;

export const MAX_WAIT_SECONDS = 25;

export const jobRequestSchema = z
	.object({
		provider: z
			.enum(PROVIDER_IDS as [ProviderId, ...ProviderId[]], { errorMap: () => ({ message: `provider must be one of ${PROVIDER_IDS.join(', ')}` }) })
			.optional()
			.describe("Which service upscales it. Default: the server's default provider."),
		...Object.fromEntries(API_FIELDS.map((f) => [apiName(f), (shape[f.key] as z.ZodTypeAny).describe(f.help)])),
		endpoint: shape.execution.describe("The vendor endpoint: auto (the vendor's async endpoint wherever the input allows, so the job survives a restart), sync or async."),
		image_url: z.string({ invalid_type_error: 'image_url must be a string' }).max(4096, 'image_url is longer than 4096 characters').optional().describe('The image to upscale, as an http(s) URL (JSON requests). Multipart requests send the file as `image` instead.'),
		image_base64: z
			.string({ invalid_type_error: 'image_base64 must be a string' })
			.optional()
			.describe('The image to upscale, in base64 or as a data: URI (data:image/png;base64,…), at most 30 MB decoded (JSON requests; instead of image_url).'),
		webhook_url: z.string({ invalid_type_error: 'webhook_url must be a string' }).max(4096, 'webhook_url is longer than 4096 characters').optional().describe('Called (Standard Webhooks, signed with your key\'s secret) with job.succeeded or job.failed when the job ends.'),
		wait: z
			.number({ invalid_type_error: 'wait must be a number of seconds' })
			.min(0, 'wait must be at least 0')
			.max(MAX_WAIT_SECONDS, `wait must be at most ${MAX_WAIT_SECONDS} seconds`)
			.optional()
			.describe(`Hold the answer up to this many seconds (at most ${MAX_WAIT_SECONDS}) until the job is done: 200 when it finished, else 202.`),
	})
	.strict();

export type JobRequest = z.output<typeof jobRequestSchema>;

/** A job request's options as the core takes them. */
export function coreOptions(r: JobRequest, timeoutMs: number): UpscaleOptionsInput {
	const o: Record<string, unknown> = { execution: r.endpoint, timeoutMs };
	const given = r as Record<string, unknown>;
	for (const f of API_FIELDS) if (given[apiName(f)] !== undefined) o[f.key] = given[apiName(f)];
	return o as UpscaleOptionsInput;
}

/** A multipart field's text as the JSON value it stands for (numbers and switches); zod then checks it. */
export function fieldValue(name: string, text: string): unknown {
	const f = API_FIELDS.find((x) => apiName(x) === name);
	const type = name === 'wait' ? 'number' : f?.type;
	const t = text.trim();
	if ((type === 'number' || type === 'integer') && t !== '' && Number.isFinite(Number(t))) return Number(t);
	if (type === 'boolean' && /^(true|1|on|yes)$/i.test(t)) return true;
	if (type === 'boolean' && /^(false|0|off|no)$/i.test(t)) return false;
	return text;
}

const imageFacts = z.object({
	format: z.string().nullable(),
	width: z.number().int().nullable(),
	height: z.number().int().nullable(),
	bytes: z.number().int().nullable(),
});

export const jobSchema = z.object({
	id: z.string().describe('job_…'),
	object: z.literal('job'),
	status: z.enum(JOB_STATUSES as ['queued', 'running', 'succeeded', 'failed', 'canceled']),
	provider: z.enum(PROVIDER_IDS as [ProviderId, ...ProviderId[]]),
	options: z.record(z.unknown()).describe('The options as given.'),
	progress: z
		.object({
			stage: z.enum(['queued', 'preparing', 'uploading', 'vendor_queued', 'processing', 'downloading', 'done']),
			queue_position: z.number().int().nullable().describe('Place in the vendor\'s queue (or in this server\'s, while queued here); 0 = next.'),
			eta: z.string().nullable().describe('When the vendor expects to finish (ISO 8601), when it says.'),
			fraction: z.number().nullable().describe('Share done, 0..1, when known.'),
		})
		.nullable(),
	vendor_task_id: z.string().nullable().describe("The vendor's task id once it has the job (its credits are spent)."),
	execution: z.enum(['sync', 'async']).nullable(),
	credits: z.object({ consumed: z.number().nullable(), remaining: z.number().nullable() }),
	input: imageFacts.extend({ file_name: z.string().nullable(), url: z.string().nullable() }),
	output: imageFacts.extend({ content_type: z.string().nullable() }).nullable(),
	result_url: z.string().nullable().describe('Where to download the image (GET, same key), while it is kept.'),
	download_url: z
		.string()
		.nullable()
		.describe('The image, fetchable with no header at all (a signed link, valid until result_expires_at): for the next step of a flow. Null while the job has no result, or when the server does not know its public address (UPSCALE_PUBLIC_URL).'),
	result_expires_at: z.string().nullable(),
	error: z
		.object({
			code: z.string(),
			message: z.string(),
			nothing_charged: z.boolean().describe('True when nothing reached the vendor (no credit was spent).'),
		})
		.nullable(),
	cancel: z.object({ vendor_may_charge: z.boolean(), message: z.string() }).nullable(),
	webhook: z
		.object({
			url: z.string(),
			id: z.string().nullable().describe('The webhook-id header: the same on every attempt.'),
			status: z.enum(['waiting_for_job', 'pending', 'delivered', 'failed']),
			attempts: z.array(z.object({ at: z.string(), status_code: z.number().nullable(), error: z.string().nullable(), ms: z.number() })),
			next_attempt_at: z.string().nullable(),
		})
		.nullable(),
	created_at: z.string(),
	started_at: z.string().nullable(),
	finished_at: z.string().nullable(),
});

export type JobView = z.infer<typeof jobSchema>;

export const jobListSchema = z.object({ object: z.literal('list'), data: z.array(jobSchema), next_cursor: z.string().nullable() });

export const creditsSchema = z.object({
	providers: z.array(
		z.object({
			provider: z.enum(PROVIDER_IDS as [ProviderId, ...ProviderId[]]),
			name: z.string(),
			remaining: z.number().nullable(),
			used: z.number().nullable(),
			source: z.enum(['account', 'last_job', 'free', 'unknown']),
			as_of: z.string().nullable(),
			error: z.string().nullable(),
		}),
	),
});

export const problemSchema = z.object({
	type: z.string(),
	title: z.string(),
	status: z.number().int(),
	detail: z.string(),
	code: z.string().describe("The core's stable error code (INVALID_INPUT, INVALID_OPTIONS, …) or the service's own (UNAUTHORIZED, TOO_MANY_JOBS, …)."),
	instance: z.string().optional(),
});
