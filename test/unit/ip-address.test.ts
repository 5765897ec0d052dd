/**
 * The core's IP parser and address policy (core/ip-address.ts): every spelling of an address is the same bytes and
 * the same decision, raw and as a URL parser hands it on; and, for thousands of seeded random addresses near every
 * range, the decision agrees with Node's net.BlockList built here from the policy as written in the brief (the
 * oracle lives in this test only: the core may not use node:net).
 */
import { BlockList } from 'node:net';
import { parseIpAddress, privateAddressReason } from '../../core';

/** What a URL parser makes of a host: `new URL('http://' + host + '/').hostname`, brackets off; undefined when no URL takes it. */
function viaUrl(spelling: string): string | undefined {
	const host = spelling.includes(':') && !spelling.startsWith('[') ? `[${spelling}]` : spelling;
	try {
		return new URL(`http://${host}/`).hostname.replace(/^\[(.*)\]$/, '$1');
	} catch {
		return undefined;
	}
}

const PRIVATE: Array<[string, RegExp]> = [
	// IPv4 loopback in every inet_aton notation
	...['127.0.0.1', '127.1', '127.0.1', '2130706433', '0x7f000001', '0X7F000001', '0177.0.0.1', '0177.1', '017700000001', '0x7f.1', '0x7f.0.0.1', '0x7f.0x0.0x0.0x1', '0x7F.0.1', '0000000177.0.0.1', '0x00000007f.1', '127.0.0.1.', '127.255.255.254', '0x7f.0xffff01', '127.65535'].map((s): [string, RegExp] => [s, /^loopback$/]),
	...['0.0.0.0', '0', '0x0', '00', '0.0', '0x', '0.255.255.255'].map((s): [string, RegExp] => [s, /^unspecified$/]),
	...['10.0.0.1', '012.1', '167772161', '0xa000001', '10.255.255.255', '172.16.0.1', '0xac100001', '172.31.255.255', '192.168.1.1', '3232235777', '0xc0a80101', '0300.0250.1.1'].map((s): [string, RegExp] => [s, /^private network$/]),
	['100.64.0.1', /carrier-grade NAT/],
	['100.127.255.255', /carrier-grade NAT/],
	['169.254.169.254', /link-local/],
	['2852039166', /link-local/],
	['0xa9fea9fe', /link-local/],
	['0251.0376.0251.0376', /link-local/],
	['192.0.0.8', /IETF protocol/],
	['192.0.2.1', /documentation/],
	['192.88.99.1', /6to4 relay/],
	['198.18.0.1', /benchmarking/],
	['198.19.255.255', /benchmarking/],
	['198.51.100.7', /documentation/],
	['203.0.113.9', /documentation/],
	['224.0.0.1', /multicast/],
	['239.255.255.250', /multicast/],
	['240.0.0.1', /reserved/],
	['255.255.255.254', /reserved/],
	['255.255.255.255', /broadcast/],
	['4294967295', /broadcast/],
	['0xffffffff', /broadcast/],
	// IPv6
	...['::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '[::1]', '0::1', '::0:1', '::1%lo'].map((s): [string, RegExp] => [s, /^loopback$/]),
	...['::', '0::0', '0:0:0:0:0:0:0:0', '[::]', '::0.0.0.0'].map((s): [string, RegExp] => [s, /^unspecified$/]),
	...['::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:7F00:0001', '0:0:0:0:0:ffff:127.0.0.1', '0:0:0:0:0:FFFF:7f00:1', '[::ffff:127.0.0.1]', '::ffff:127.1.2.3'].map((s): [string, RegExp] => [s, /^loopback, 127\.\d+\.\d+\.\d+ in IPv4-mapped form$/]),
	['::ffff:10.0.0.1', /^private network, 10\.0\.0\.1 in IPv4-mapped form$/],
	['::ffff:a9fe:a9fe', /^link-local, 169\.254\.169\.254 in IPv4-mapped form$/],
	['::ffff:0.0.0.0', /^unspecified, 0\.0\.0\.0 in IPv4-mapped form$/],
	['::ffff:0:127.0.0.1', /^loopback, 127\.0\.0\.1 in IPv4-translated form$/],
	['::ffff:0:7f00:1', /^loopback, 127\.0\.0\.1 in IPv4-translated form$/],
	['::127.0.0.1', /^loopback, 127\.0\.0\.1 in IPv4-compatible form$/],
	['::7f00:1', /^loopback, 127\.0\.0\.1 in IPv4-compatible form$/],
	['::2', /^unspecified, 0\.0\.0\.2 in IPv4-compatible form$/],
	['::192.168.0.1', /^private network, 192\.168\.0\.1 in IPv4-compatible form$/],
	['64:ff9b::127.0.0.1', /^loopback, 127\.0\.0\.1 in NAT64 form$/],
	['64:ff9b::7f00:1', /^loopback, 127\.0\.0\.1 in NAT64 form$/],
	['64:FF9B::a9fe:a9fe', /^link-local, 169\.254\.169\.254 in NAT64 form$/],
	['64:ff9b:1::1', /^local-use NAT64$/],
	['64:ff9b:1::808:808', /^local-use NAT64$/],
	['2002:7f00:1::', /^loopback, 127\.0\.0\.1 in 6to4 form$/],
	['2002:7f00:0001::1', /^loopback, 127\.0\.0\.1 in 6to4 form$/],
	['2002:a9fe:a9fe::', /^link-local, 169\.254\.169\.254 in 6to4 form$/],
	['2002:c0a8:101:1::1', /^private network, 192\.168\.1\.1 in 6to4 form$/],
	['2001::1', /^Teredo$/],
	['2001:0:4136:e378:8000:63bf:3fff:fdd2', /^Teredo$/],
	['2001:db8::1', /^documentation$/],
	['2001:DB8:ffff::', /^documentation$/],
	['2001:2::1', /^benchmarking$/],
	['2001:10::1', /^ORCHID$/],
	['2001:1f::1', /^ORCHID$/],
	['2001:20::1', /^ORCHIDv2$/],
	['2001:2f:ffff::1', /^ORCHIDv2$/],
	['fc00::1', /unique local/],
	['fd12:3456::1', /unique local/],
	['FD00::', /unique local/],
	['fe80::1', /^link-local$/],
	['fe80::1%eth0', /^link-local$/],
	['[fe80::1%25eth0]', /^link-local$/],
	['febf:ffff::1', /^link-local$/],
	['fec0::1', /^site-local$/],
	['ff02::1', /^multicast$/],
	['FF05::1:3', /^multicast$/],
	['100::1', /^discard-only$/],
	['1::', /^reserved/],
	['4000::1', /^reserved/],
	['8000::', /^reserved/],
	['e000::1', /^reserved/],
	['1:2:3:4:5:6:7::', /^reserved/],
	['::1:2:3:4:5:6:7', /^reserved/],
];

const PUBLIC = [
	'8.8.8.8', '134744072', '0x08080808', '010.010.010.010', '8.526344', '8.8.2056', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1',
	'100.63.255.255', '192.169.0.1', '192.167.255.255', '169.255.0.1', '169.253.255.255', '198.20.0.1', '198.17.255.255', '223.255.255.255', '9.255.255.255',
	'11.0.0.0', '126.255.255.255', '128.0.0.0', '192.0.1.1', '192.0.3.0', '192.88.98.1', '198.51.101.1', '203.0.114.1', '1.2.3.4.',
	'2606:4700::1111', '2606:4700:4700::1111', '2001:4860:4860::8888', '[2a00:1450:4001:82a::200e]', '2A00:1450:4001:82A::200E', '2001:4:112::1',
	'2001:30::1', '2001:1::1', '2001:db7:ffff::1', '2001:db9::1', '2001:0db9:0000:0000:0000:0000:0000:0001', '2003::1', '3ffe::1',
	'::ffff:8.8.8.8', '::ffff:808:808', '0:0:0:0:0:ffff:8.8.8.8', '::ffff:0:8.8.8.8', '::8.8.8.8', '::808:808', '64:ff9b::8.8.8.8', '64:ff9b::808:808',
	'2002:808:808::1', '2002:0808:0808:0:0:0:0:1',
];

const NOT_ADDRESSES = [
	'', 'example.com', 'localhost', '1.2.3.4.5', '256.0.0.1', '1.256.0.0', '1.2.65536', '1.16777216', '4294967296', '0x100000000', '08.0.0.1', '09', '0x1g.1',
	'1..1', '.1.2.3', '1.2.3.4..', '-1.2.3.4', '+1.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1e3', '１２７.０.０.１', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7',
	'12345::', '::ffff:127.0.0.256', '::ffff:1.2.3', '::ffff:0x7f.1', '::1.2.3.4:5', 'g::1', ':1::', '1:', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '[::1', '::1]',
	'1'.repeat(80) + '.2.3.4', '0x' + 'f'.repeat(40),
];

describe('parseIpAddress and privateAddressReason', () => {
	it.each(PRIVATE)('%s is private (%s), raw and as a URL host', (spelling, reason) => {
		expect(privateAddressReason(spelling)).toMatch(reason);
		const host = viaUrl(spelling);
		if (host !== undefined) expect([host, privateAddressReason(host)]).toEqual([host, expect.stringMatching(reason)]);
	});

	it.each(PUBLIC)('%s is public, raw and as a URL host', (spelling) => {
		expect(parseIpAddress(spelling)).toBeDefined();
		expect(privateAddressReason(spelling)).toBeUndefined();
		const host = viaUrl(spelling);
		expect(host).toBeDefined();
		expect([host, parseIpAddress(host!)?.length, privateAddressReason(host!)]).toEqual([host, parseIpAddress(spelling)!.length, undefined]);
	});

	it.each(NOT_ADDRESSES)('%j is not an IP literal', (text) => {
		expect(parseIpAddress(text)).toBeUndefined();
		expect(privateAddressReason(text)).toBeUndefined();
	});

	it.each([
		['127.0.0.1', ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '127.0.1', '0x7f.1', '0x7f.0.0x0.01', '017700000001', '127.0.0.1.']],
		['8.8.8.8', ['134744072', '0x8.0x8.0x8.0x8', '010.8.8.8', '8.8.2056', '8.526344', '0x08080808']],
		['::ffff:7f00:1', ['::ffff:127.0.0.1', '0:0:0:0:0:ffff:127.0.0.1', '::FFFF:7F00:0001', '0000:0000:0000:0000:0000:ffff:7f00:0001', '[::ffff:127.0.0.1]', '::ffff:7f00:1%eth0']],
		['2001:db8::1', ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:0:0:0:1', '2001:DB8::0:1', '2001:db8::0.0.0.1', '[2001:db8::1%25x]']],
		['1:0:0:2::', ['1:0:0:2:0:0:0:0', '1::2:0:0:0:0', '1:0:0:2::0.0.0.0']],
	])('every spelling of %s is the same bytes', (canonical, spellings) => {
		const bytes = parseIpAddress(canonical)!;
		expect(bytes).toHaveLength(canonical.includes(':') ? 16 : 4);
		for (const s of spellings) expect([s, parseIpAddress(s)]).toEqual([s, bytes]);
	});
});

// ---------------------------------------------------------------- the differential test

/** The brief's IPv4 ranges, written out again here (not imported): the oracle must not share the module's table. */
const V4_DENIED = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'];
/** IPv6 ranges that carry an IPv4 address, where it starts (bit), and the global unicast block. */
const V6_EMBEDS: Array<[string, number, number]> = [
	['::ffff:0:0', 96, 96],
	['::', 96, 96],
	['::ffff:0:0:0', 96, 96],
	['64:ff9b::', 96, 96],
	['2002::', 16, 16],
];
const V6_GLOBAL = '2000::/3';
const V6_DENIED_IN_GLOBAL = ['2001::/32', '2001:db8::/32', '2001:2::/48', '2001:10::/28', '2001:20::/28'];

/** A range's IPv6 address as a number, read here (hex words and one `::`) so the oracle owes nothing to the parser under test. */
const big6 = (address: string): bigint => {
	const [head, tail = ''] = address.split('::');
	const words = (side: string) => (side ? side.split(':').map((w) => BigInt(parseInt(w, 16))) : []);
	const all = [...words(head), ...new Array<bigint>(8 - words(head).length - words(tail).length).fill(0n), ...words(tail)];
	return all.reduce((n, w) => (n << 16n) | w, 0n);
};
const big4 = (address: string): bigint => BigInt(address.split('.').reduce((n, p) => n * 256 + Number(p), 0));
const v6text = (n: bigint): string => Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
const v4text = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const prefixOf = (cidr: string): [string, number] => {
	const [a, b] = cidr.split('/');
	return [a, Number(b)];
};

/** The subnets of ::/0 that overlap none of `keep` (kept ranges are judged elsewhere): a plain recursive split. */
function complement(keep: Array<[bigint, number]>, net = 0n, bits = 0, out: Array<[bigint, number]> = []): Array<[bigint, number]> {
	const agree = (p: bigint, l: number) => {
		const n = Math.min(l, bits);
		return n === 0 || p >> BigInt(128 - n) === net >> BigInt(128 - n);
	};
	const touching = keep.filter(([p, l]) => agree(p, l));
	if (!touching.length) out.push([net, bits]);
	else if (!touching.some(([, l]) => l <= bits)) {
		complement(keep, net, bits + 1, out);
		complement(keep, net | (1n << BigInt(127 - bits)), bits + 1, out);
	}
	return out;
}

function oracle(): BlockList {
	const list = new BlockList();
	for (const c of V4_DENIED) list.addSubnet(prefixOf(c)[0], prefixOf(c)[1], 'ipv4');
	const kept: Array<[bigint, number]> = [[big6(prefixOf(V6_GLOBAL)[0]), prefixOf(V6_GLOBAL)[1]], ...V6_EMBEDS.map(([p, l]): [bigint, number] => [big6(p), l])];
	for (const [net, bits] of complement(kept)) list.addSubnet(v6text(net), bits, 'ipv6');
	for (const c of V6_DENIED_IN_GLOBAL) list.addSubnet(prefixOf(c)[0], prefixOf(c)[1], 'ipv6');
	for (const [p, , at] of V6_EMBEDS) {
		for (const c of V4_DENIED) {
			const [a, l] = prefixOf(c);
			list.addSubnet(v6text(big6(p) | (big4(a) << BigInt(128 - at - 32))), at + l, 'ipv6');
		}
	}
	return list;
}

/** mulberry32: the same "random" addresses on every run. */
function seeded(seed: number): () => number {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('the decision agrees with a net.BlockList of the same ranges', () => {
	const list = oracle();
	const rand = seeded(20240611);
	const int = (n: number) => Math.floor(rand() * n);
	const randomBits = (n: number) => Array.from({ length: Math.ceil(n / 30) }, () => BigInt(int(2 ** 30))).reduce((a, b) => (a << 30n) | b, 0n) & ((1n << BigInt(n)) - 1n);

	/** Near a range: its first bits (sometimes one or two fewer, to fall just outside), the rest random. */
	function near(base: bigint, bits: number, width: number): bigint {
		const keep = Math.max(0, bits - int(3));
		const high = keep ? (base >> BigInt(width - keep)) << BigInt(width - keep) : 0n;
		return high | randomBits(width - keep);
	}

	const v4Spellings: Array<(n: number) => string> = [v4text, (n) => String(n), (n) => `0x${n.toString(16)}`, (n) => v4text(n).split('.').map((p) => `0${Number(p).toString(8)}`).join('.'), (n) => `${n >>> 24}.${n & 0xffffff}`];

	it('for 4000 IPv4 addresses in five notations', () => {
		const wrong: string[] = [];
		let denied = 0;
		for (let i = 0; i < 4000; i++) {
			const [a, l] = prefixOf(V4_DENIED[int(V4_DENIED.length)]);
			const n = Number(i % 4 === 0 ? randomBits(32) : near(big4(a), l, 32));
			const spelling = v4Spellings[int(v4Spellings.length)](n);
			const expected = list.check(v4text(n), 'ipv4');
			denied += expected ? 1 : 0;
			const got = [privateAddressReason(spelling) !== undefined, privateAddressReason(viaUrl(spelling)!) !== undefined];
			if (got[0] !== expected || got[1] !== expected) wrong.push(`${spelling} (${v4text(n)}): expected ${expected}, got ${got}`);
		}
		expect(wrong.slice(0, 10)).toEqual([]);
		expect(denied).toBeGreaterThan(1000);
		expect(denied).toBeLessThan(3000);
	});

	it('for 6000 IPv6 addresses, full, compressed and with a dotted tail', () => {
		const globalPrefix = prefixOf(V6_GLOBAL);
		const prefixes: Array<[bigint, number]> = [
			[0n, 0],
			[big6(globalPrefix[0]), globalPrefix[1]],
			...['::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8', '100::/64', '64:ff9b:1::/48', ...V6_DENIED_IN_GLOBAL].map((c): [bigint, number] => [big6(prefixOf(c)[0]), prefixOf(c)[1]]),
			...V6_EMBEDS.map(([p, l]): [bigint, number] => [big6(p), l]),
			...V6_EMBEDS.flatMap(([p, , at]) => V4_DENIED.map((c): [bigint, number] => [big6(p) | (big4(prefixOf(c)[0]) << BigInt(96 - at)), at + prefixOf(c)[1]])),
		];
		const wrong: string[] = [];
		let denied = 0;
		for (let i = 0; i < 6000; i++) {
			const [base, bits] = prefixes[int(prefixes.length)];
			const n = near(base, bits, 128);
			const full = v6text(n);
			const spelling = [full, viaUrl(full)!, `${full.split(':').slice(0, 6).join(':')}:${v4text(Number(n & 0xffffffffn))}`, full.toUpperCase()][i % 4];
			const expected = list.check(full, 'ipv6');
			denied += expected ? 1 : 0;
			const got = [privateAddressReason(spelling) !== undefined, privateAddressReason(viaUrl(spelling)!) !== undefined];
			if (got[0] !== expected || got[1] !== expected) wrong.push(`${spelling}: expected ${expected}, got ${got}`);
		}
		expect(wrong.slice(0, 10)).toEqual([]);
		expect(denied).toBeGreaterThan(1500);
		expect(denied).toBeLessThan(4500);
	});
});
