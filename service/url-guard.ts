/**
 * The service fetches image_url and calls webhook_url for its clients, so neither may point into the server's own
 * network (SSRF): both must be http(s), and every address their host resolves to must be public, unless the operator
 * allows private URLs (UPSCALE_ALLOW_PRIVATE_URLS=1). Checked when the job is posted (a clear refusal), and again
 * when connecting (a guarded DNS lookup, and a check of literal addresses on every redirect), so a name that
 * resolves differently later cannot get through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { excerpt, isPrivateHost, TransportError, type Http } from '../core';
import { createUndiciHttp } from '../runtime';
import { ApiError } from './problem';

const ALLOW_HINT = 'the operator can allow private addresses with UPSCALE_ALLOW_PRIVATE_URLS=1';

/** Refuses a URL that is not http(s) or whose host is (or resolves to) a private address. */
export async function checkPublicUrl(url: string, what: string, allowPrivate: boolean): Promise<void> {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		throw new ApiError('URL_NOT_ALLOWED', `${what} "${excerpt(url)}" is not a valid URL.`, { field: what });
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError('URL_NOT_ALLOWED', `${what} must be an http(s) URL (got ${u.protocol.replace(':', '')}:).`, { field: what });
	if (u.username || u.password) throw new ApiError('URL_NOT_ALLOWED', `${what} must not carry a user name or password.`, { field: what });
	if (allowPrivate) return;
	const host = u.hostname.replace(/^\[|\]$/g, '');
	if (isIP(host)) {
		if (isPrivateHost(host)) throw new ApiError('URL_NOT_ALLOWED', `${what} points to ${host}, a private or loopback address: this server does not call into private networks (${ALLOW_HINT}).`, { field: what });
		return;
	}
	let addresses: LookupAddress[];
	try {
		addresses = await new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
	} catch (e) {
		throw new ApiError('URL_NOT_ALLOWED', `${what}: the host ${excerpt(host, 100)} cannot be resolved (${(e as { code?: string }).code ?? 'DNS error'}).`, { field: what });
	}
	const bad = addresses.find((a) => isPrivateHost(a.address));
	if (bad) throw new ApiError('URL_NOT_ALLOWED', `${what}: ${excerpt(host, 100)} resolves to ${bad.address}, a private or loopback address: this server does not call into private networks (${ALLOW_HINT}).`, { field: what });
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A DNS lookup that fails for private addresses: the connection-time half of the check. */
function publicLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
	dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
		if (err) return callback(err, []);
		const bad = addresses.find((a) => isPrivateHost(a.address));
		if (bad) {
			const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${bad.address}, a private address`);
			e.code = 'EPRIVATEADDR';
			return callback(e, []);
		}
		if (options.all) return callback(null, addresses);
		callback(null, addresses[0].address, addresses[0].family);
	});
}

/** An undici dispatcher for calls to clients' URLs (image downloads, webhooks). */
export function clientUrlDispatcher(allowPrivate: boolean): Agent {
	return new Agent({ connect: { timeout: 15_000, ...(allowPrivate ? {} : { lookup: publicLookup as never }) }, keepAliveTimeout: 10_000 });
}

/** The core's Http port for clients' URLs: every request (each redirect too) is refused when it aims at a private address. */
export function clientUrlHttp(allowPrivate: boolean): Http {
	const inner = createUndiciHttp({ dispatcher: clientUrlDispatcher(allowPrivate) });
	if (allowPrivate) return inner;
	return {
		request(req) {
			const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '');
			if (isIP(host) && isPrivateHost(host)) return Promise.reject(new TransportError(`${host} is a private address`, 'connect', 'EPRIVATEADDR'));
			return inner.request(req);
		},
	};
}
