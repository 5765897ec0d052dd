/** One error type for everything the core can fail with. `code` is stable: adapters and users branch on it. */

export type ErrorCode =
	| 'INVALID_INPUT' // the image itself is unusable (format, size, pixels, empty, truncated)
	| 'INVALID_OPTIONS' // the options are out of range or do not fit the provider
	| 'AUTH' // key missing, wrong or revoked
	| 'NO_CREDITS' // the account has no credits left
	| 'RATE_LIMITED' // still rate limited after the allowed retries
	| 'VENDOR' // the vendor failed or answered something we cannot read
	| 'TASK_FAILED' // the vendor accepted the task, then reported it failed
	| 'TIMEOUT' // the total time limit ran out (the task may still finish: see taskId)
	| 'NETWORK' // the vendor could not be reached or the connection broke
	| 'RESULT_EXPIRED' // the result URL is no longer valid
	| 'NOT_FOUND' // no task with that id
	| 'ABORTED'; // the caller cancelled

export type ProviderId = 'clipdrop' | 'ximilar' | 'local';

export interface UpscaleErrorFields {
	provider?: ProviderId;
	status?: number;
	vendorMessage?: string;
	taskId?: string;
	retryable?: boolean;
	/** True when the error was raised before any request was sent (nothing was spent). */
	local?: boolean;
}

export class UpscaleError extends Error {
	readonly code: ErrorCode;
	readonly provider?: ProviderId;
	readonly status?: number;
	readonly vendorMessage?: string;
	readonly taskId?: string;
	readonly retryable: boolean;
	readonly local: boolean;

	constructor(code: ErrorCode, message: string, fields: UpscaleErrorFields = {}) {
		super(message);
		this.name = 'UpscaleError';
		this.code = code;
		this.provider = fields.provider;
		this.status = fields.status;
		this.vendorMessage = fields.vendorMessage;
		this.taskId = fields.taskId;
		this.retryable = fields.retryable ?? false;
		this.local = fields.local ?? false;
	}

	/** The same error with a task id attached (and mentioned in the message so the user can resume). */
	withTaskId(taskId: string): UpscaleError {
		if (this.message.includes(taskId)) return this.taskId ? this : new UpscaleError(this.code, this.message, { ...this.fields(), taskId });
		return new UpscaleError(this.code, `${this.message} (task ${taskId}: resume it with Get Task)`, { ...this.fields(), taskId });
	}

	fields(): UpscaleErrorFields {
		return {
			provider: this.provider,
			status: this.status,
			vendorMessage: this.vendorMessage,
			taskId: this.taskId,
			retryable: this.retryable,
			local: this.local,
		};
	}

	toJSON(): Record<string, unknown> {
		return { code: this.code, message: this.message, ...this.fields() };
	}
}

export function invalidInput(message: string, provider?: ProviderId): UpscaleError {
	return new UpscaleError('INVALID_INPUT', message, { provider, local: true });
}

export function invalidOptions(message: string, provider?: ProviderId): UpscaleError {
	return new UpscaleError('INVALID_OPTIONS', message, { provider, local: true });
}

/** Replaces every occurrence of each secret (4+ chars) in text with "***". */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let out = text;
	// Longest first, and the trimmed form too: a key pasted with spaces is sent trimmed.
	const all = secrets.flatMap((s) => (s ? [s, s.trim()] : [])).filter((s) => s.length >= 4);
	for (const s of all.sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
	return out;
}

/** A copy of the error whose message and vendor message carry no secret. */
export function redactError(err: UpscaleError, secrets: Array<string | undefined>): UpscaleError {
	const message = redact(err.message, secrets);
	const vendorMessage = err.vendorMessage === undefined ? undefined : redact(err.vendorMessage, secrets);
	if (message === err.message && vendorMessage === err.vendorMessage) return err;
	return new UpscaleError(err.code, message, { ...err.fields(), vendorMessage });
}
