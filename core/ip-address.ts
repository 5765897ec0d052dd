/**
 * IP addresses as bytes, and which of them are not on the public internet. Whatever decides whether a host is
 * private compares parsed addresses, never strings: `127.0.0.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`,
 * `[::ffff:127.0.0.1]` and `::ffff:7f00:1` are one address. Pure TypeScript (no node:net): the core also runs
 * inside n8n and Zapier.
 */

/** An IPv4 address (4 bytes) or an IPv6 address (16 bytes), network order. */
export type IpBytes = Uint8Array;

/** An IPv6 range that carries an IPv4 address: it is judged by that address. */
interface Embeds {
	ipv4At: number;
	form: string;
}

/** What a range means: a reason to refuse, an embedded IPv4 address to judge, or public. */
type Verdict = string | Embeds | typeof PUBLIC;
const PUBLIC = 'public';

/** IPv4: special-purpose ranges (RFC 6890 and friends); everything else is public. First match wins. */
const IPV4_RANGES: ReadonlyArray<readonly [string, string]> = [
	['0.0.0.0/8', 'unspecified'],
	['10.0.0.0/8', 'private network'],
	['100.64.0.0/10', 'carrier-grade NAT'],
	['127.0.0.0/8', 'loopback'],
	['169.254.0.0/16', 'link-local'],
	['172.16.0.0/12', 'private network'],
	['192.0.0.0/24', 'IETF protocol assignments'],
	['192.0.2.0/24', 'documentation'],
	['192.88.99.0/24', '6to4 relay anycast'],
	['192.168.0.0/16', 'private network'],
	['198.18.0.0/15', 'benchmarking'],
	['198.51.100.0/24', 'documentation'],
	['203.0.113.0/24', 'documentation'],
	['224.0.0.0/4', 'multicast'],
	['255.255.255.255/32', 'broadcast'],
	['240.0.0.0/4', 'reserved'],
];

/** IPv6, first match wins: embedded IPv4 first, then the global unicast block minus its special parts; the rest is refused. */
const IPV6_RANGES: ReadonlyArray<readonly [string, Verdict]> = [
	['::/128', 'unspecified'],
	['::1/128', 'loopback'],
	['::ffff:0:0/96', { ipv4At: 12, form: 'IPv4-mapped' }],
	['::/96', { ipv4At: 12, form: 'IPv4-compatible' }],
	['::ffff:0:0:0/96', { ipv4At: 12, form: 'IPv4-translated' }],
	['64:ff9b::/96', { ipv4At: 12, form: 'NAT64' }],
	['64:ff9b:1::/48', 'local-use NAT64'],
	['2002::/16', { ipv4At: 2, form: '6to4' }],
	['2001::/32', 'Teredo'],
	['2001:2::/48', 'benchmarking'],
	['2001:10::/28', 'ORCHID'],
	['2001:20::/28', 'ORCHIDv2'],
	['2001:db8::/32', 'documentation'],
	['2000::/3', PUBLIC],
	['fc00::/7', 'private network (unique local)'],
	['fe80::/10', 'link-local'],
	['fec0::/10', 'site-local'],
	['ff00::/8', 'multicast'],
	['100::/64', 'discard-only'],
	['::/0', 'reserved (not global unicast)'],
];

/** An IPv4 or IPv6 literal, in any spelling a resolver or URL parser accepts; undefined when `text` is not one. */
export function parseIpAddress(text: string): IpBytes | undefined {
	return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** Why an address is not a public one ('loopback', 'private network', 'link-local', …); undefined when it is public. */
export function specialAddressReason(ip: IpBytes): string | undefined {
	return ip.length === 4 ? ipv4Reason(ip) : ipv6Reason(ip);
}

/** The two above in one: why the IP literal `text` is not public; undefined for a public address or for a name. */
export function privateAddressReason(text: string): string | undefined {
	const ip = parseIpAddress(text);
	return ip && specialAddressReason(ip);
}

// ---------------------------------------------------------------- parsing

/** IPv4 as inet_aton reads it: 1 to 4 numbers, the last one filling the bytes left (127.1 = 127.0.0.1). */
function parseIpv4(text: string): IpBytes | undefined {
	const parts = text.replace(/\.$/, '').split('.'); // "127.0.0.1." is a URL's fully qualified spelling
	if (parts.length > 4) return undefined;
	const numbers = parts.map(inetNumber);
	if (numbers.some((n) => n === undefined)) return undefined;
	const last = numbers.pop()!;
	const head = numbers as number[];
	if (head.some((n) => n > 255) || last >= 256 ** (4 - head.length)) return undefined;
	const bytes = new Uint8Array(4);
	bytes.set(head);
	for (let i = 3, rest = last; i >= head.length; i--, rest = Math.floor(rest / 256)) bytes[i] = rest % 256;
	return bytes;
}

/** One inet_aton number: decimal, hexadecimal after 0x, octal after a leading 0. */
function inetNumber(part: string): number | undefined {
	const m = /^(?:0x([0-9a-f]*)|(0[0-7]*)|([1-9][0-9]*))$/i.exec(part);
	if (!m) return undefined;
	const [digits, radix] = m[1] !== undefined ? [m[1], 16] : m[2] !== undefined ? [m[2], 8] : [m[3], 10];
	return digits ? parseInt(digits, radix) : 0; // "0x" alone is 0; a number too big for its place is refused by the caller
}

/** IPv6 in every RFC 4291 form: full, `::`-compressed, with a dotted IPv4 tail; brackets and a zone id (%eth0) allowed. */
function parseIpv6(text: string): IpBytes | undefined {
	const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
	const halves = address.split('::');
	if (halves.length > 2) return undefined;
	const compressed = halves.length === 2;
	const head = words(halves[0], !compressed);
	const tail = compressed ? words(halves[1], true) : [];
	if (!head || !tail) return undefined;
	const zeros = 8 - head.length - tail.length;
	if (compressed ? zeros < 1 : zeros !== 0) return undefined;
	const all = [...head, ...new Array<number>(zeros).fill(0), ...tail];
	return Uint8Array.from(all.flatMap((w) => [w >> 8, w & 0xff]));
}

/** The 16-bit words of one side of `::`; the address's last side may end in a dotted IPv4 address (two words). */
function words(side: string, endsAddress: boolean): number[] | undefined {
	if (side === '') return [];
	const pieces = side.split(':');
	const out: number[] = [];
	for (const [i, piece] of pieces.entries()) {
		const dotted = endsAddress && i === pieces.length - 1 && piece.includes('.') ? dottedQuad(piece) : undefined;
		if (dotted) out.push((dotted[0] << 8) | dotted[1], (dotted[2] << 8) | dotted[3]);
		else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(parseInt(piece, 16));
		else return undefined;
	}
	return out;
}

/** The d.d.d.d tail of an IPv6 address: four decimal bytes, nothing else. */
function dottedQuad(text: string): number[] | undefined {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
	const bytes = m?.slice(1).map(Number);
	return bytes?.every((b) => b <= 255) ? bytes : undefined;
}

// ---------------------------------------------------------------- ranges

interface Cidr {
	bytes: IpBytes;
	bits: number;
}

function cidr(text: string): Cidr {
	const [address, bits] = text.split('/');
	const bytes = parseIpAddress(address);
	if (!bytes) throw new Error(`bad range ${text}`);
	return { bytes, bits: Number(bits) };
}

const IPV4_TABLE = IPV4_RANGES.map(([range, reason]) => ({ range: cidr(range), reason }));
const IPV6_TABLE = IPV6_RANGES.map(([range, verdict]) => ({ range: cidr(range), verdict }));

/** Whether the first `bits` bits of `ip` are the range's. */
function inRange(ip: IpBytes, { bytes, bits }: Cidr): boolean {
	if (ip.length !== bytes.length) return false;
	for (let bit = 0; bit < bits; bit += 8) {
		const mask = (0xff << (8 - Math.min(8, bits - bit))) & 0xff;
		if ((ip[bit / 8] & mask) !== (bytes[bit / 8] & mask)) return false;
	}
	return true;
}

function ipv4Reason(ip: IpBytes): string | undefined {
	return IPV4_TABLE.find((r) => inRange(ip, r.range))?.reason;
}

function ipv6Reason(ip: IpBytes): string | undefined {
	const verdict = IPV6_TABLE.find((r) => inRange(ip, r.range))!.verdict; // ::/0 matches every address
	if (verdict === PUBLIC) return undefined;
	if (typeof verdict === 'string') return verdict;
	const ipv4 = ip.subarray(verdict.ipv4At, verdict.ipv4At + 4);
	const reason = ipv4Reason(ipv4);
	return reason && `${reason}, ${ipv4.join('.')} in ${verdict.form} form`;
}
