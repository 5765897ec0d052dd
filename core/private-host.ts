/**
 * Whether a host name can only be reached from inside a machine or a private network (loopback, private and
 * link-local ranges, carrier-grade NAT, names that public DNS never resolves). It reads the name as written: no
 * DNS lookup, so a public name that resolves to a private address is not caught here.
 */

function ipv4(host: string): number[] | undefined {
	const parts = host.split('.');
	if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
	const n = parts.map(Number);
	return n.every((x) => x <= 255) ? n : undefined;
}

function privateIpv4([a, b]: number[]): boolean {
	return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

function privateIpv6(host: string): boolean {
	const h = host.toLowerCase();
	if (h === '::1' || h === '::') return true;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
	if (mapped) return privateIpv4(ipv4(mapped[1]) ?? [0]);
	return /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h);
}

export function isPrivateHost(hostname: string): boolean {
	const host = hostname.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
	if (!host) return true;
	if (host.includes(':')) return privateIpv6(host);
	const v4 = ipv4(host);
	if (v4) return privateIpv4(v4);
	if (!host.includes('.')) return true; // "localhost", a Docker service name, a machine on the LAN
	return /\.(localhost|local|internal|lan|home\.arpa)$/.test(host);
}
