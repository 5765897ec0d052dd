/** Helpers the vendor modules share: reading JSON bodies and numbers, and the common HTTP error mapping. */
import { decodeText, parseJson } from '../encoding';
import { fillWords, UpscaleError, type ErrorCode, type ProviderId } from '../errors';
import type { HttpResponse } from '../ports';

export function jsonObject(res: HttpResponse): Record<string, unknown> | undefined {
	const v = parseJson(res.body);
	return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A short, single-line excerpt of a body that is not the expected JSON. */
export function bodyExcerpt(res: HttpResponse): string {
	const text = decodeText(res.body.subarray(0, 300)).replace(/\s+/g, ' ').trim();
	return text ? `"${text.slice(0, 160)}${text.length > 160 ? '…' : ''}"` : 'an empty body';
}

export function finiteNumber(v: unknown): number | undefined {
	if (typeof v === 'number' && Number.isFinite(v)) return v;
	if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
	return undefined;
}

export interface StatusMessages {
	provider: ProviderId;
	name: string;
	/** Messages by status; %s is replaced by the vendor's own message (or nothing). */
	byStatus: Record<number, { code: ErrorCode; text: string }>;
}

/** Maps a non-2xx response to an UpscaleError with the user's next step and the vendor's own words. */
export function httpError(m: StatusMessages, res: HttpResponse, vendorMessage: string | undefined, what: string, taskId?: string): UpscaleError {
	const said = vendorMessage ? ` ${m.name} said: "${vendorMessage}".` : '';
	const known = m.byStatus[res.status];
	let code: ErrorCode;
	let text: string;
	if (res.status === 404 && !taskId) {
		// No task is in play (a submit, a sync call): the path is wrong, most often a Base URL with an extra path.
		code = 'NOT_FOUND';
		text = `${m.name} answered 404 (no such address) while {what}: if its Base URL is set (a proxy, the sandbox), check its path.`;
	} else if (known) {
		code = known.code;
		text = known.text;
	} else if (res.status >= 500) {
		code = 'VENDOR';
		text = `${m.name} had a server error (${res.status}) while ${what}. This is on ${m.name}'s side: try again later.`;
	} else {
		code = 'VENDOR';
		text = `${m.name} answered ${res.status} while ${what}, which this tool does not expect.`;
	}
	return new UpscaleError(code, `${fillWords(text, { what })}${said}`, {
		provider: m.provider,
		status: res.status,
		vendorMessage,
		taskId,
		retryable: code === 'RATE_LIMITED' || code === 'VENDOR' || code === 'NETWORK',
	});
}

/** The 401/403 text of a vendor's table with where this door's user sets the key: also a credential test's words. */
export function keyRefusedText(m: StatusMessages, status: 401 | 403, what: string, keyWhere: string): string {
	return fillWords(m.byStatus[status].text, { what, key: keyWhere });
}

export function vendorError(provider: ProviderId, message: string, fields: { status?: number; taskId?: string } = {}): UpscaleError {
	return new UpscaleError('VENDOR', message, { provider, ...fields });
}

/** Headers as a plain object with lower-case names (ports already lower-case them; this is a guard). */
export function header(res: HttpResponse, name: string): string | undefined {
	return res.headers[name.toLowerCase()];
}

/** Joins a base URL and a path without doubling or losing the slash. */
export function joinUrl(base: string, path: string): string {
	return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
