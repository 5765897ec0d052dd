/**
 * Whether a host name can only be reached from inside a machine or a private network: an IP literal in a special
 * range (any spelling: see ip-address.ts), or a name that public DNS never resolves (no dot, .localhost, .local,
 * .internal, .lan, .home.arpa). It reads the name as written: no DNS lookup, so a public name that resolves to a
 * private address is not caught here.
 */
import { parseIpAddress, specialAddressReason } from './ip-address';

const PRIVATE_SUFFIX = /\.(localhost|local|internal|lan|home\.arpa)$/;

/** The host as a URL parser would compare it: trimmed, lower case, full-width forms folded, no brackets or final dot. */
function normalized(hostname: string): string {
	return hostname
		.normalize('NFKC')
		.replace(/[\u3002\uff61]/g, '.')
		.trim()
		.toLowerCase()
		.replace(/^\[(.*)\]$/, '$1')
		.replace(/\.$/, '');
}

export function isPrivateHost(hostname: string): boolean {
	const host = normalized(hostname);
	if (!host) return true;
	const ip = parseIpAddress(host);
	if (ip) return specialAddressReason(ip) !== undefined;
	if (host.includes(':')) return true; // no name has a colon: a mangled IPv6 literal, refused rather than guessed
	if (!host.includes('.')) return true; // "localhost", a Docker service name, a machine on the LAN
	return PRIVATE_SUFFIX.test(host);
}
