/**
 * The service fetches image_url and calls webhook_url for its clients, so neither may point into the server's own
 * network (SSRF): both must be http(s), and every address their host is or resolves to must be public, unless the
 * operator allows private URLs (UPSCALE_ALLOW_PRIVATE_URLS=1). One decision, `privateAddress`, on parsed addresses
 * (every IPv4 notation, every IPv6 form, IPv4 inside IPv6: core/ip-address.ts), made twice: when the job is posted
 * (a clear refusal), and by the connector every connection to a client's URL goes through, each redirect's included
 * (a literal host is refused before connecting, a name is resolved by a guarded lookup, and the peer's address is
 * checked once connected), so neither a spelling nor a name that resolves differently later gets through.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { ADDRESS_REFUSED, excerpt, parseIpAddress, privateAddressReason, TransportError, type Http } from '../core';
import { createUndiciHttp } from '../runtime/http-undici';
import { ApiError } from './problem';

const ALLOW_HINT = 'the operator can allow private addresses with UPSCALE_ALLOW_PRIVATE_URLS=1';
const CONNECT_TIMEOUT_MS = 15_000;

/** THE decision: why an address ('127.0.0.1', '[::ffff:7f00:1]', '2130706433') is not public; undefined for a public address or a name. */
export function privateAddress(address: string): string | undefined {
	return privateAddressReason(bare(address));
}

/** Decides whether an address is private, and why: `privateAddress`, or (tests only) one that lets a first hop through. */
export type AddressPolicy = (address: string) => string | undefined;

const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1');

/** localhost names are loopback by definition (RFC 6761), whatever a resolver would answer for them. */
const LOCALHOST_NAME = /^(?:.+\.)?localhost\.?$/i;
const LOOPBACK: LookupAddress[] = [
	{ address: '127.0.0.1', family: 4 },
	{ address: '::1', family: 6 },
];

/** Every address a name resolves to. */
function resolveAll(name: string): Promise<LookupAddress[]> {
	if (LOCALHOST_NAME.test(name)) return Promise.resolve(LOOPBACK);
	return new Promise((resolve, reject) => dnsLookup(name, { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
}

/** The first private address among a name's, and why it is private. */
function firstPrivate(addresses: LookupAddress[], decide: AddressPolicy = privateAddress): { address: string; reason: string } | undefined {
	for (const { address } of addresses) {
		const reason = decide(address);
		if (reason) return { address, reason };
	}
	return undefined;
}

// ---------------------------------------------------------------- when a job is posted

/** Refuses a URL that is not http(s), carries credentials, or whose host is (or resolves to) a private address. */
export async function checkPublicUrl(url: string, what: string, allowPrivate: boolean): Promise<void> {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		throw new ApiError('URL_NOT_ALLOWED', `${what} "${excerpt(url)}" is not a valid URL.`, { field: what });
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ApiError('URL_NOT_ALLOWED', `${what} must be an http(s) URL (got ${u.protocol.replace(':', '')}:).`, { field: what });
	const host = bare(u.hostname);
	// A literal address before the credentials: in "http://8.8.8.8@127.0.0.1/" it is what the user needs to hear about.
	const literal = allowPrivate ? undefined : privateAddress(host);
	if (literal) throw privateRefusal(what, `${what} points to ${host}, a private or loopback address (${literal})`);
	if (u.username || u.password) throw new ApiError('URL_NOT_ALLOWED', `${what} must not carry a user name or password.`, { field: what });
	if (!allowPrivate && !parseIpAddress(host)) await refuseResolved(host, what);
}

function privateRefusal(what: string, said: string): ApiError {
	return new ApiError('URL_NOT_ALLOWED', `${said}: this server does not call into private networks (${ALLOW_HINT}).`, { field: what });
}

/** How long the submission check waits for DNS (the request is waiting too). */
const DNS_TIMEOUT_MS = 5_000;

function dnsTimeout(): Promise<never> {
	return new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('DNS timeout'), { code: `no answer within ${DNS_TIMEOUT_MS / 1000} s` })), DNS_TIMEOUT_MS).unref());
}

/** A name: every address it resolves to must be public. */
async function refuseResolved(host: string, what: string): Promise<void> {
	let addresses: LookupAddress[];
	try {
		addresses = await Promise.race([resolveAll(host), dnsTimeout()]);
	} catch (e) {
		throw new ApiError('URL_NOT_ALLOWED', `${what}: the host ${excerpt(host, 100)} cannot be resolved (${(e as { code?: string }).code ?? 'DNS error'}).`, { field: what });
	}
	const bad = firstPrivate(addresses);
	if (bad) throw privateRefusal(what, `${what}: ${excerpt(host, 100)} resolves to ${bad.address}, a private or loopback address (${bad.reason})`);
}

// ---------------------------------------------------------------- when connecting

function refusal(message: string): NodeJS.ErrnoException {
	const e: NodeJS.ErrnoException = new Error(message);
	e.code = ADDRESS_REFUSED;
	return e;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A DNS lookup (as net.connect calls it) that fails when any address of the name is private. */
const guardedLookup = (decide: AddressPolicy) => (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
	resolveAll(hostname).then(
		(addresses) => {
			const bad = firstPrivate(addresses, decide);
			if (bad) return callback(refusal(`${hostname} resolves to ${bad.address}, a private address (${bad.reason})`), []);
			const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
			if (!usable.length) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), []);
			if (options.all) return callback(null, usable);
			callback(null, usable[0].address, usable[0].family);
		},
		(err: NodeJS.ErrnoException) => callback(err, []),
	);
};

/** undici's connector behind three checks: the literal host before connecting, names through the guarded lookup, the peer once connected. */
export function guardedConnector(decide: AddressPolicy = privateAddress): buildConnector.connector {
	const connect = buildConnector({ timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup(decide) as never });
	return (options, callback) => {
		const host = bare(options.hostname);
		const literal = decide(host);
		if (literal) return callback(refusal(`${host} is a private address (${literal})`), null);
		connect(options, (err, socket) => {
			if (err) return callback(err, null);
			const why = peerRefusal(socket, decide);
			if (!why) return callback(null, socket);
			socket.destroy();
			callback(refusal(`the connection to ${host} ${why}`), null);
		});
	};
}

/** The last line: whatever led here, the socket's other end must be public. */
function peerRefusal(socket: Socket, decide: AddressPolicy): string | undefined {
	const peer = socket.remoteAddress;
	if (!peer) return 'closed before its address was known';
	const reason = decide(peer);
	return reason && `reached ${peer}, a private address (${reason})`;
}

/** An undici dispatcher for calls to clients' URLs (image downloads, webhooks): every connection is guarded. */
export function clientUrlDispatcher(allowPrivate: boolean, decide: AddressPolicy = privateAddress): Agent {
	return new Agent({ connect: allowPrivate ? { timeout: CONNECT_TIMEOUT_MS } : guardedConnector(decide), keepAliveTimeout: 10_000 });
}

/**
 * The core's Http port for clients' URLs. The connector refuses every private hop (the core follows redirects one
 * request at a time); this says which address, as a connect failure, since nothing reached the address.
 */
export function clientUrlHttp(allowPrivate: boolean, decide: AddressPolicy = privateAddress): Http {
	const inner = createUndiciHttp({ dispatcher: clientUrlDispatcher(allowPrivate, decide) });
	if (allowPrivate) return inner;
	return {
		async request(req) {
			const host = bare(new URL(req.url).hostname);
			const literal = decide(host);
			if (literal) throw new TransportError(`${host} is a private address (${literal})`, 'connect', ADDRESS_REFUSED);
			try {
				return await inner.request(req);
			} catch (e) {
				if (e instanceof TransportError && e.causeCode === ADDRESS_REFUSED) throw new TransportError(`${excerpt(host, 100)} leads to a private address`, 'connect', ADDRESS_REFUSED);
				throw e;
			}
		},
	};
}
