/**
 * Ports: everything with a side effect reaches core/ through these small interfaces.
 * runtime/ implements them with undici and Node timers; nodes/ implements them on n8n's helpers.
 */

export interface HttpRequest {
	method: 'GET' | 'POST';
	url: string;
	headers: Record<string, string>;
	/** Body as a list of chunks (so a 30 MB image is never copied into one buffer); absent for GET. */
	body?: Uint8Array[];
	/**
	 * True when the request goes to the vendor's API and needs the credential. Core adds the auth header
	 * itself when it was given the key; an adapter that authenticates on its own (n8n) uses this flag.
	 * Downloads from signed result URLs are sent with auth=false: a key never leaves for a storage host.
	 */
	auth: boolean;
	/** Time limit for the whole request, in milliseconds. */
	timeoutMs: number;
	signal?: AbortSignal;
	/** Upper bound on the response body; a port stops reading beyond it and fails with phase 'received'. */
	maxBodyBytes?: number;
}

export interface HttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string>;
	body: Uint8Array;
}

/**
 * Where a transport failure happened. It decides whether a POST may be sent again:
 * - 'connect': the request never reached the server (refused, DNS, connect timeout): safe to resend.
 * - 'sent': the request may have reached the server (reset, timeout while waiting): a submit is not resent.
 * - 'received': the response was cut or too large.
 * - 'aborted': the caller's signal fired.
 */
export type TransportPhase = 'connect' | 'sent' | 'received' | 'aborted';

/** The cause code of a connection the caller's own policy refused (a private address): final, never retried. */
export const ADDRESS_REFUSED = 'EPRIVATEADDR';

export class TransportError extends Error {
	constructor(
		message: string,
		readonly phase: TransportPhase,
		readonly causeCode?: string,
	) {
		super(message);
		this.name = 'TransportError';
	}
}

export interface Http {
	/** Sends one request. Resolves with any HTTP status; rejects only with TransportError. */
	request(req: HttpRequest): Promise<HttpResponse>;
}

/** Waits ms milliseconds; rejects when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
}

export interface Ports {
	http: Http;
	sleep: Sleep;
	clock: Clock;
}

/**
 * Error codes (Node's and undici's) that prove a request never reached the server, so a paid POST may be resent.
 * Shared by every Http port.
 */
export const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** Response headers as the core reads them: lower-case names, repeated values joined. */
export function lowerCaseHeaders(raw: Record<string, unknown> | undefined): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [k, v] of Object.entries(raw ?? {})) {
		if (v !== undefined && v !== null) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
	}
	return headers;
}
