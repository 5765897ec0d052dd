/**
 * The job service's SSRF guard on clients' URLs (image_url, webhook_url): refused at POST time with a clear
 * message, and again at connect time, where a name is resolved anew (a DNS answer that changed since the check,
 * "DNS rebinding"), a literal address is checked on every hop in every spelling, and the peer of the socket is
 * checked once connected. The private server here listens on every loopback address (IPv4, IPv6 and IPv4-mapped),
 * so any spelling that slipped through would reach it; it must see no request.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { request } from 'undici';
import { DEFAULT_RETRY, downloadImage, Transport, TransportError, UpscaleError, type HttpRequest } from '../../core';
import { checkPublicUrl, clientUrlDispatcher, clientUrlHttp, privateAddress, type AddressPolicy } from '../../service/url-guard';

let inside: http.Server;
let port = 0;
let hits = 0;
let connections = 0;
/** A server that stands for a public one: on 127.0.0.2, which the tests' address policy alone lets through. */
let firstHop: http.Server;
let hopUrl = '';
let hopHits = 0;

const listen = (s: http.Server, host: string) => new Promise<number>((r) => s.listen(0, host, () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
	inside = http.createServer((_req, res) => {
		hits++;
		res.writeHead(200, { 'content-type': 'text/plain' }).end('inside');
	});
	inside.on('connection', () => connections++);
	port = await listen(inside, '::'); // dual stack: 127.0.0.1, ::1, ::ffff:127.0.0.1 all arrive here
	firstHop = http.createServer((req, res) => {
		hopHits++;
		const to = new URL(req.url!, 'http://x').searchParams.get('to');
		if (to) res.writeHead(302, { location: to.replace('PORT', String(port)) }).end();
		else res.writeHead(200, { 'content-type': 'image/png' }).end('public');
	});
	hopUrl = `http://127.0.0.2:${await listen(firstHop, '127.0.0.2')}`;
});
afterAll(async () => {
	await new Promise<void>((r) => inside.close(() => r()));
	await new Promise<void>((r) => firstHop.close(() => r()));
});
beforeEach(() => {
	hits = 0;
	connections = 0;
	hopHits = 0;
});

const refusal = async (p: Promise<unknown>) => {
	try {
		await p;
	} catch (e) {
		return e as Error & { code?: string; causeCode?: string; phase?: string };
	}
	throw new Error('expected a refusal');
};
const get = (url: string): HttpRequest => ({ method: 'GET', url, headers: {}, auth: false, timeoutMs: 5000 });

/** Loopback in every spelling a URL or a resolver accepts, and other private addresses. */
const PRIVATE_HOSTS = [
	'[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '[0:0:0:0:0:ffff:127.0.0.1]', '[::ffff:7f00:0001]', '[::127.0.0.1]', '[::7f00:1]', '[::ffff:0:7f00:1]', '[64:ff9b::7f00:1]',
	'[2002:7f00:1::]', '0.0.0.0', '0', '[::]', '[::1]', '[0::1]', '2130706433', '0x7f.1', '0x7f000001', '0177.0.0.1', '127.1', '127.0.1', '127.0.0.1', '127.0.0.1.',
	'127.9.9.9', 'localhost', 'LOCALHOST', 'localhost.', 'app.localhost', '１２７.０.０.１', '%31%32%37.0.0.1', '[fe80::1]', '169.254.169.254', '10.0.0.7', '[fd00::1]',
];
/** Those a connection really reaches on this machine when nothing guards it: proof that the refusals below are not vacuous. */
const REACHABLE = ['[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '0.0.0.0', '[::]', '[::1]', '2130706433', '0x7f.1', '127.1', '127.0.0.1.', '127.9.9.9', 'localhost'];

describe('checkPublicUrl (when a job is posted)', () => {
	it.each([
		['http://127.0.0.1/a.jpg', /points to 127\.0\.0\.1, a private or loopback address \(loopback\)/],
		['http://[fd00::1]/a.jpg', /points to fd00::1, a private or loopback address \(private network \(unique local\)\)/],
		['http://192.168.1.20/a.jpg', /points to 192\.168\.1\.20, a private/],
		['http://localhost/a.jpg', /localhost resolves to (127\.0\.0\.1|::1), a private or loopback address \(loopback\)/],
		['http://[::ffff:127.0.0.1]/a.jpg', /points to ::ffff:7f00:1, a private or loopback address \(loopback, 127\.0\.0\.1 in IPv4-mapped form\)/],
		['http://[::127.0.0.1]/a.jpg', /points to ::7f00:1, a private or loopback address \(loopback, 127\.0\.0\.1 in IPv4-compatible form\)/],
		['http://[64:ff9b::a9fe:a9fe]/latest', /points to 64:ff9b::a9fe:a9fe, .*\(link-local, 169\.254\.169\.254 in NAT64 form\)/],
		['http://[2002:a00:1::]/', /points to 2002:a00:1::, .*\(private network, 10\.0\.0\.1 in 6to4 form\)/],
		['http://[::]/a.jpg', /points to ::, a private or loopback address \(unspecified\)/],
		['http://0.0.0.0/a.jpg', /points to 0\.0\.0\.0, .*\(unspecified\)/],
		['http://2130706433/a.jpg', /points to 127\.0\.0\.1, /],
		['http://0x7f.1/a.jpg', /points to 127\.0\.0\.1, /],
		['http://0300.0250.0.1/a.jpg', /points to 192\.168\.0\.1, .*\(private network\)/],
		['http://8.8.8.8@127.0.0.1/a.jpg', /points to 127\.0\.0\.1, /],
		['http://127.0.0.1#@8.8.8.8/a.jpg', /points to 127\.0\.0\.1, /],
		['http://127.0.0.1\\@8.8.8.8/a.jpg', /points to 127\.0\.0\.1, /],
		['http://localhost./a.jpg', /localhost\. resolves to 127\.0\.0\.1, .*\(loopback\)/],
		['http://metadata.localhost/a.jpg', /metadata\.localhost resolves to 127\.0\.0\.1/],
		['ftp://example.com/a.jpg', /must be an http\(s\) URL \(got ftp:\)/],
		['https://user:pw@example.com/a.jpg', /must not carry a user name or password/],
		['https://user@8.8.8.8/a.jpg', /must not carry a user name or password/],
		['not a url', /is not a valid URL/],
	])('refuses %s', async (url, message) => {
		const e = await refusal(checkPublicUrl(url, 'image_url', false));
		expect(e.code).toBe('URL_NOT_ALLOWED');
		expect(e.message).toMatch(message);
		if (/private/.test(e.message)) expect(e.message).toContain('UPSCALE_ALLOW_PRIVATE_URLS=1');
	});

	it.each(['http://8.8.8.8/a.jpg', 'https://[2606:4700::1111]/a.jpg', 'http://[::ffff:8.8.8.8]/a.jpg', 'http://134744072/a.jpg', 'http://[2002:808:808::]/', 'http://[64:ff9b::808:808]/'])(
		'lets the public address %s through (no DNS needed)',
		async (url) => {
			await expect(checkPublicUrl(url, 'image_url', false)).resolves.toBeUndefined();
		},
	);

	it('lets private addresses through when the operator allows them, but never other schemes', async () => {
		await expect(checkPublicUrl('http://127.0.0.1/a.jpg', 'image_url', true)).resolves.toBeUndefined();
		await expect(checkPublicUrl('http://[::ffff:7f00:1]/a.jpg', 'image_url', true)).resolves.toBeUndefined();
		expect((await refusal(checkPublicUrl('file:///etc/passwd', 'image_url', true))).message).toMatch(/got file:/);
	});
});

describe('the connector (every connection to a client URL)', () => {
	const guarded = clientUrlDispatcher(false);
	afterAll(() => guarded.close());

	it.each(PRIVATE_HOSTS)('refuses %s before connecting: the private server sees no connection', async (host) => {
		const e = await refusal(request(`http://${host}:${port}/x.jpg`, { dispatcher: guarded }));
		expect([host, e.code]).toEqual([host, 'EPRIVATEADDR']);
		expect(e.message).toMatch(/private address \(/);
		expect([hits, connections]).toEqual([0, 0]);
	});

	it.each(REACHABLE)('control: %s does reach the private server when the operator allows private URLs', async (host) => {
		const open = clientUrlDispatcher(true);
		const r = await request(`http://${host}:${port}/x.jpg`, { dispatcher: open });
		expect(await r.body.text()).toBe('inside');
		await open.close();
		expect(hits).toBe(1);
	});

	it('refuses a name that a real resolver answers with a private address (this machine\'s own name)', async () => {
		const name = hostname();
		const addresses = await lookup(name, { all: true }).catch(() => []);
		if (!addresses.length || !addresses.every((a) => privateAddress(a.address))) return console.warn(`skipped: ${name} does not resolve to private addresses here`);
		const e = await refusal(request(`http://${name}:${port}/x.jpg`, { dispatcher: guarded }));
		expect(e).toMatchObject({ code: 'EPRIVATEADDR', message: expect.stringContaining(`${name} resolves to ${addresses[0].address}, a private address`) });
		expect([hits, connections]).toEqual([0, 0]);
	});

	it.each(['localhost', hostname()])('connects to %s when the policy finds its addresses public (the guarded lookup answers as net.connect expects)', async (name) => {
		// No public DNS here: a policy that calls every address public stands in, so the lookup's "yes" path runs.
		const open = clientUrlDispatcher(false, () => undefined);
		const r = await request(`http://${name}:${port}/x.jpg`, { dispatcher: open });
		expect(await r.body.text()).toBe('inside');
		await open.close();
		expect(hits).toBe(1);
	});

	it('checks the peer once connected: a policy fooled by a spelling (string comparison) is caught by the last line', async () => {
		// The old bug, on purpose: "127.0.0.1" compared as text, so "::ffff:7f00:1" passes the literal check; the
		// socket's peer then reads "::ffff:127.0.0.1", which this naive policy knows, and the socket is destroyed.
		const naive: AddressPolicy = (a) => (a === '127.0.0.1' || a === '::ffff:127.0.0.1' ? 'loopback' : undefined);
		const fooled = clientUrlDispatcher(false, naive);
		const e = await refusal(request(`http://[::ffff:7f00:1]:${port}/x.jpg`, { dispatcher: fooled }));
		await fooled.close();
		expect(e).toMatchObject({ code: 'EPRIVATEADDR', message: 'the connection to ::ffff:7f00:1 reached ::ffff:127.0.0.1, a private address (loopback)' });
		expect(connections).toBe(1); // it got as far as a connection (that is what the last line is for) ...
		expect(hits).toBe(0); // ... but not one byte of a request was sent
	});
});

describe('redirects: every hop goes through the connector', () => {
	// An "allowed" first hop without a public address on this machine: the address policy is injected (the one
	// parameter the guard takes besides allowPrivate), letting 127.0.0.2 through and nothing else; everything
	// else is the real decision. The private server (127.0.0.1, ::1) stays private.
	const exceptFirstHop: AddressPolicy = (a) => (/^(::ffff:)?127\.0\.0\.2$/.test(a) ? undefined : privateAddress(a));
	const TARGETS = ['http://[::ffff:7f00:1]:PORT/x.jpg', 'http://[::ffff:127.0.0.1]:PORT/x.jpg', 'http://2130706433:PORT/x.jpg', 'http://0x7f.1:PORT/x.jpg', 'http://0.0.0.0:PORT/x.jpg', 'http://[::]:PORT/x.jpg', 'http://localhost:PORT/x.jpg', 'http://127.0.0.1:PORT/x.jpg'];
	const via = (target: string) => `${hopUrl}/r?to=${encodeURIComponent(target)}`;

	it('the first hop itself is allowed (so the refusals below are the redirect\'s)', async () => {
		const d = clientUrlDispatcher(false, exceptFirstHop);
		const r = await request(`${hopUrl}/a.png`, { dispatcher: d });
		expect(await r.body.text()).toBe('public');
		await d.close();
		expect(hopHits).toBe(1);
	});

	it.each(TARGETS)('undici following the redirect to %s is refused at the connector', async (target) => {
		const d = clientUrlDispatcher(false, exceptFirstHop);
		const e = await refusal(request(via(target), { dispatcher: d, maxRedirections: 3 }));
		await d.close();
		expect(e.code).toBe('EPRIVATEADDR');
		expect([hopHits, hits, connections]).toEqual([1, 0, 0]);
	});

	it.each(TARGETS)('the core following the redirect to %s (as the service downloads images) is refused, naming the address', async (target) => {
		const http = clientUrlHttp(false, exceptFirstHop);
		const t = new Transport({ provider: 'clipdrop', vendorName: 'the image host', ports: { http, sleep: async () => undefined, clock: { now: () => Date.now() } }, authHeaders: {}, retry: DEFAULT_RETRY });
		const e = await refusal(downloadImage(t, via(target), { deadline: Date.now() + 10_000, provider: 'clipdrop' }));
		expect(e).toBeInstanceOf(UpscaleError);
		expect(e.message).toMatch(/: ((127\.0\.0\.1|::ffff:7f00:1|0\.0\.0\.0|::) is a private address \(.*\)|localhost leads to a private address): this server does not connect to private addresses\.$/);
		expect(e).toMatchObject({ code: 'NETWORK', retryable: false, local: true });
		expect([hopHits, hits, connections]).toEqual([1, 0, 0]);
	});
});

describe('clientUrlHttp (the core\'s Http port for clients\' URLs)', () => {
	it('refuses a name that resolves to a private address at connect time, without reaching it', async () => {
		const e = await refusal(clientUrlHttp(false).request(get(`http://localhost:${port}/a.jpg`)));
		expect(e).toBeInstanceOf(TransportError);
		expect(e).toMatchObject({ causeCode: 'EPRIVATEADDR', phase: 'connect', message: 'localhost leads to a private address' });
		expect([hits, connections]).toEqual([0, 0]);
	});

	it.each(PRIVATE_HOSTS.map((h) => `http://${h}:PORT/next.jpg`).concat('http://169.254.169.254/latest/meta-data'))(
		'refuses a hop to %s (where a redirect would lead) before connecting',
		async (url) => {
			const e = await refusal(clientUrlHttp(false).request(get(url.replace('PORT', String(port)))));
			expect(e).toBeInstanceOf(TransportError);
			expect(e).toMatchObject({ causeCode: 'EPRIVATEADDR', phase: 'connect' });
			expect([hits, connections]).toEqual([0, 0]);
		},
	);

	it('reaches private addresses when the operator allows them', async () => {
		const r = await clientUrlHttp(true).request(get(`http://localhost:${port}/a.jpg`));
		expect(r.status).toBe(200);
		expect(hits).toBe(1);
	});
});
