/** The OpenAPI document's job operations: create (multipart or JSON), list, read (optionally waiting), cancel, result. */
import { MAX_INPUT_BYTES, megabytes } from '../core';
import { JOB_STATUSES } from '../runtime/jobs/job';
import { auth, exampleJob, header, json, pathId, problem, ref, type Doc } from './openapi-parts';
import { webhookCallback } from './openapi-webhooks';
import { MAX_WAIT_SECONDS } from './schemas';

const tags = ['Jobs'];
const idParam = pathId('The job id (job_…).');
const waitParam = { name: 'wait', in: 'query', required: false, schema: { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS }, description: 'Hold the answer up to this many seconds until the job is done.' };
const location = { Location: header('The job\'s URL, /v1/jobs/{id} (absolute on UPSCALE_PUBLIC_URL): poll it.') };
const polling = { ...location, 'Retry-After': header('Seconds until the next poll is worth making.', 'integer') };
const job = (description: string, headers?: Doc) => json(description, 'Job', exampleJob, headers);
const notFound = { 404: problem('No such job for this key (JOB_NOT_FOUND).') };

function createJob(request: { properties: Doc }): Doc {
	// image_base64 is the JSON form of the file: a multipart request sends the file itself.
	const { image_base64: _base64, ...fields } = request.properties;
	const multipart = { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary', description: `The image (PNG, JPEG or WebP, at most ${megabytes(MAX_INPUT_BYTES)}).` }, ...fields } };
	return {
		operationId: 'createJob',
		summary: 'Create a job',
		description:
			'Upload the image (multipart, field `image`), or give `image_url` or `image_base64` (JSON). 202 with the job, its Location and Retry-After (poll Location: 202 while the job runs, 200 once it has ended); with `wait`, 200 once it has finished within that time.',
		tags,
		parameters: [
			{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'The same key and request return the same job (no second vendor request) for 24 h; the same key with another request is refused.' },
			waitParam,
		],
		requestBody: {
			required: true,
			content: {
				'multipart/form-data': { schema: multipart },
				'application/json': { schema: ref('JobRequest'), example: { provider: 'clipdrop', scale: 2, image_url: 'https://images.example.com/cat.jpg', webhook_url: 'https://hooks.example.com/upscale' } },
			},
		},
		responses: {
			200: job('The job, finished within `wait`.', location),
			202: job('The job, accepted: poll Location (202 while it runs, 200 once it has ended).', polling),
			400: problem('The body is not valid JSON or multipart, or has a second file (BAD_REQUEST).'),
			...auth,
			413: problem(`The image is larger than ${megabytes(MAX_INPUT_BYTES)}, uploaded or in image_base64 (PAYLOAD_TOO_LARGE).`),
			415: problem('Neither multipart/form-data nor JSON (UNSUPPORTED_MEDIA_TYPE).'),
			422: problem('The image, the options, a URL or the idempotency key was refused (INVALID_INPUT, INVALID_OPTIONS, URL_NOT_ALLOWED, PROVIDER_NOT_CONFIGURED, IDEMPOTENCY_KEY_REUSED); nothing was stored or spent.'),
			429: { ...problem('Too many jobs queued (TOO_MANY_JOBS).'), headers: { 'Retry-After': header('Seconds to wait before trying again.', 'integer') } },
		},
		callbacks: { jobEnded: { '{$request.body#/webhook_url}': { post: webhookCallback('jobWebhook', "the job's `webhook_url`", "the client key's secret") } } },
	};
}

const imageTypes = { 'image/png': { schema: { type: 'string', format: 'binary' } }, 'image/jpeg': { schema: { type: 'string', format: 'binary' } }, 'image/webp': { schema: { type: 'string', format: 'binary' } } };

const downloadJob = {
	operationId: 'downloadJobResult',
	summary: 'Download the upscaled image with a signed link',
	description: "The job's `download_url`: no header needed (the signature is the permission), valid until `result_expires_at`. For the next step of a flow.",
	tags,
	security: [],
	parameters: [
		idParam,
		{ name: 'expires', in: 'query', required: true, schema: { type: 'integer' }, description: 'When the link expires (Unix seconds), as download_url gives it.' },
		{ name: 'signature', in: 'query', required: true, schema: { type: 'string' }, description: 'The server\'s signature, as download_url gives it.' },
	],
	responses: {
		200: { description: 'The image, with its content type.', content: imageTypes },
		403: problem('The link was changed, is incomplete, was not made by this server, or its key was revoked (LINK_INVALID).'),
		410: problem('The link expired (LINK_EXPIRED), or the result was deleted (RESULT_GONE).'),
	},
};

const listJobs = {
	operationId: 'listJobs',
	summary: 'List jobs',
	description: "The caller's jobs, newest first, a page at a time.",
	tags,
	parameters: [
		{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, description: 'Jobs per page.' },
		{ name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
		{ name: 'status', in: 'query', schema: { type: 'string', enum: JOB_STATUSES }, description: 'Only jobs in this state.' },
	],
	responses: { 200: json('A page of jobs.', 'JobList', { object: 'list', data: [exampleJob], next_cursor: null }), ...auth, 422: problem('A bad limit, cursor or status (INVALID_OPTIONS).') },
};

export function jobPaths(request: { properties: Doc }): Doc {
	return {
		'/v1/jobs': { post: createJob(request), get: listJobs },
		'/v1/jobs/{id}': {
			get: {
				operationId: 'getJob',
				summary: 'Get a job',
				description:
					'Status, progress, credits, result links, error and webhook attempts; with `wait`, once it has finished (or the time is up). The async request-reply pattern: 202 with Retry-After while the job is queued or running, 200 once it has ended (succeeded, failed or canceled: read `status`). The body is the job either way.',
				tags,
				parameters: [idParam, waitParam],
				responses: { 200: job('The job, ended.', location), 202: job('The job, still queued or running: poll again after Retry-After.', polling), ...auth, ...notFound, 422: problem('A bad wait (INVALID_OPTIONS).') },
			},
			delete: {
				operationId: 'cancelJob',
				summary: 'Cancel a job',
				description: 'Says whether the vendor may still charge for it (`cancel.vendor_may_charge`).',
				tags,
				parameters: [idParam],
				responses: { 200: job('The canceled job.'), ...auth, ...notFound, 409: problem('The job has already finished (ALREADY_FINISHED).') },
			},
		},
		'/v1/jobs/{id}/result': {
			get: {
				operationId: 'getJobResult',
				summary: 'Download the upscaled image',
				tags,
				parameters: [idParam],
				responses: {
					200: { description: 'The image, with its content type.', content: imageTypes },
					...auth,
					...notFound,
					409: problem('The job has not succeeded (yet) (RESULT_NOT_READY).'),
					410: problem('The result was deleted after the retention (RESULT_GONE).'),
				},
			},
		},
		'/v1/jobs/{id}/download': { get: downloadJob },
	};
}
