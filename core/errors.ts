/** One error type for everything the core can fail with. `code` is stable: adapters and users branch on it. */
import type { ProviderId } from './vendors';

export type { ProviderId };

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
	| 'ABORTED' // the caller cancelled
	| 'INTERNAL'; // an unexpected failure of this tool or its host (a bug to report), not of the vendor

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

/**
 * Anything thrown, as an UpscaleError: the one wrapper for what was not expected (a bug, a library's own error),
 * which keeps its message and gains the provider when it had none.
 */
export function asUpscaleError(e: unknown, provider?: ProviderId, what = 'Unexpected failure'): UpscaleError {
	if (e instanceof UpscaleError) return e.provider || !provider ? e : new UpscaleError(e.code, e.message, { ...e.fields(), provider });
	return new UpscaleError('INTERNAL', `${what}: ${(e as Error)?.message ?? String(e)}`, { provider });
}

/** A message with its `{name}` placeholders filled from words (placeholders without a word are left as they are). */
export function fillWords(text: string, words: Record<string, string>): string {
	return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => words[name] ?? placeholder);
}

export function invalidInput(message: string, provider?: ProviderId): UpscaleError {
	return new UpscaleError('INVALID_INPUT', message, { provider, local: true });
}

export function invalidOptions(message: string, provider?: ProviderId): UpscaleError {
	return new UpscaleError('INVALID_OPTIONS', message, { provider, local: true });
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: number[]): string {
	let out = '';
	for (let i = 0; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		out += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + B64[n & 63];
	}
	return out;
}

/**
 * The forms a secret can take when a server echoes it back: as sent, trimmed, URL-encoded, and base64 (the part of
 * its base64 that is the same wherever the secret starts inside a longer encoded text: three alignments).
 */
function secretForms(secret: string): string[] {
	const forms = new Set([secret, secret.trim(), encodeURIComponent(secret.trim())]);
	const bytes = Array.from(new TextEncoder().encode(secret.trim()));
	for (let shift = 0; shift < 3; shift++) {
		// Skip the partial group at the start; whole groups only, so the text is fixed whatever precedes it.
		const start = (3 - shift) % 3;
		const body = bytes.slice(start);
		const whole = body.slice(0, body.length - (body.length % 3));
		if (whole.length >= 6) {
			const b = base64(whole);
			forms.add(b);
			forms.add(b.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	return [...forms].filter((f) => f.length >= 4);
}

/** Replaces every occurrence of each secret (4+ chars), in any of the forms above, in text with "***". */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let out = text;
	// Longest first: a key pasted with spaces is sent trimmed.
	const all = secrets.flatMap((s) => (s && s.trim().length >= 4 ? secretForms(s) : []));
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
