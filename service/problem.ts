/**
 * Errors as RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail` (the message a
 * person reads) and `code` (the core's stable code, or the service's own), so a client branches on `code` and shows
 * `detail`.
 */
import { UpscaleError, type ErrorCode } from '../core';

export type ServiceCode =
	| ErrorCode
	| 'UNAUTHORIZED'
	| 'JOB_NOT_FOUND'
	| 'ROUTE_NOT_FOUND'
	| 'BAD_REQUEST'
	| 'UNSUPPORTED_MEDIA_TYPE'
	| 'PAYLOAD_TOO_LARGE'
	| 'PROVIDER_NOT_CONFIGURED'
	| 'URL_NOT_ALLOWED'
	| 'IDEMPOTENCY_KEY_REUSED'
	| 'RESULT_NOT_READY'
	| 'RESULT_GONE'
	| 'ALREADY_FINISHED'
	| 'TOO_MANY_JOBS'
	| 'NOT_READY'
	| 'WEBHOOK_NOT_FOUND'
	| 'WEBHOOK_EXISTS'
	| 'TOO_MANY_WEBHOOKS'
	| 'LINK_INVALID'
	| 'LINK_EXPIRED'
	| 'REQUEST_TIMEOUT'
	| 'HEADERS_TOO_LARGE';

const STATUS: Partial<Record<ServiceCode, number>> = {
	INVALID_INPUT: 422,
	INVALID_OPTIONS: 422,
	AUTH: 502,
	NO_CREDITS: 402,
	RATE_LIMITED: 429,
	VENDOR: 502,
	TASK_FAILED: 502,
	TIMEOUT: 504,
	NETWORK: 502,
	RESULT_EXPIRED: 410,
	NOT_FOUND: 404,
	ABORTED: 499,
	INTERNAL: 500,
	UNAUTHORIZED: 401,
	JOB_NOT_FOUND: 404,
	ROUTE_NOT_FOUND: 404,
	BAD_REQUEST: 400,
	UNSUPPORTED_MEDIA_TYPE: 415,
	PAYLOAD_TOO_LARGE: 413,
	PROVIDER_NOT_CONFIGURED: 422,
	URL_NOT_ALLOWED: 422,
	IDEMPOTENCY_KEY_REUSED: 422,
	RESULT_NOT_READY: 409,
	RESULT_GONE: 410,
	ALREADY_FINISHED: 409,
	TOO_MANY_JOBS: 429,
	NOT_READY: 503,
	WEBHOOK_NOT_FOUND: 404,
	WEBHOOK_EXISTS: 409,
	TOO_MANY_WEBHOOKS: 409,
	LINK_INVALID: 403,
	LINK_EXPIRED: 410,
	REQUEST_TIMEOUT: 408,
	HEADERS_TOO_LARGE: 431,
};

const TITLE: Partial<Record<ServiceCode, string>> = {
	INVALID_INPUT: 'The image cannot be upscaled',
	INVALID_OPTIONS: 'Invalid options',
	UNAUTHORIZED: 'Missing or unknown client key',
	JOB_NOT_FOUND: 'No such job',
	ROUTE_NOT_FOUND: 'No such endpoint',
	BAD_REQUEST: 'Bad request',
	UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
	PAYLOAD_TOO_LARGE: 'Upload too large',
	PROVIDER_NOT_CONFIGURED: 'Provider not available on this server',
	URL_NOT_ALLOWED: 'URL not allowed',
	IDEMPOTENCY_KEY_REUSED: 'Idempotency key already used for another request',
	RESULT_NOT_READY: 'The result is not ready',
	RESULT_GONE: 'The result was deleted',
	ALREADY_FINISHED: 'The job has already finished',
	TOO_MANY_JOBS: 'Too many jobs',
	NOT_READY: 'Not ready',
	WEBHOOK_NOT_FOUND: 'No such webhook subscription',
	WEBHOOK_EXISTS: 'A subscription to this URL exists',
	TOO_MANY_WEBHOOKS: 'Too many webhook subscriptions',
	LINK_INVALID: 'Download link not valid',
	LINK_EXPIRED: 'Download link expired',
	REQUEST_TIMEOUT: 'Request timed out',
	HEADERS_TOO_LARGE: 'Request headers too large',
	INTERNAL: 'Internal error',
};

export class ApiError extends Error {
	constructor(
		readonly code: ServiceCode,
		message: string,
		readonly extra: Record<string, unknown> = {},
		/** Seconds for a Retry-After header. */
		readonly retryAfter?: number,
	) {
		super(message);
		this.name = 'ApiError';
	}

	get status(): number {
		return STATUS[this.code] ?? 500;
	}

	body(instance?: string): Record<string, unknown> {
		const slug = this.code.toLowerCase().replace(/_/g, '-');
		return {
			type: `https://github.com/n8n-nodes-upscale/n8n-nodes-upscale/blob/main/docs/problems.md#${slug}`,
			title: TITLE[this.code] ?? this.code.replace(/_/g, ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase()),
			status: this.status,
			detail: this.message,
			code: this.code,
			...(instance ? { instance } : {}),
			...this.extra,
		};
	}
}

/** A core error (validation before anything is stored) as a problem. */
export function fromUpscaleError(e: UpscaleError): ApiError {
	return new ApiError(e.code, e.message, { ...(e.provider ? { provider: e.provider } : {}), ...(e.taskId ? { vendor_task_id: e.taskId } : {}) });
}

export const notFound = (id: string) => new ApiError('JOB_NOT_FOUND', `No job ${id.slice(0, 60)} for this key.`);
