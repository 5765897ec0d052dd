/**
 * SSRF at the service's front door, over real HTTP: `upscale serve` as a user starts it (private URLs NOT allowed)
 * gets image_url and webhook_url in every spelling of a private address a URL parser accepts (IPv4 notations,
 * IPv6 forms with IPv4 inside, localhost names, userinfo and fragment tricks, backslashes, tabs and newlines,
 * percent-encoded and full-width hosts, this machine's own interface addresses). Each is refused with 422
 * problem+json URL_NOT_ALLOWED naming the address; a local file server on every loopback address (where each of
 * these would land) receives no request at all, and no job is created.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { privateAddress } from '../../service/url-guard';
import { ClipdropFake } from '../fakes/clipdrop';
import { call, createKey, form, startService, tempDir, type Service } from '../helpers/service';

jest.setTimeout(120_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-ssrf-key-0123456789abcdef';

let cd: ClipdropFake;
let files: http.Server;
let port = 0;
let reached: string[] = [];
let s: Service;
let key: { id: string; key: string; webhook_secret: string };

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000 } });
	await cd.start();
	files = http.createServer((req, res) => {
		reached.push(`${req.method} ${req.url}`);
		res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE);
	});
	// '::' takes 127.0.0.1, ::1, ::ffff:127.0.0.1 and this machine's own addresses: wherever a spelling leads here.
	await new Promise<void>((r) => files.listen(0, '::', () => r()));
	port = (files.address() as AddressInfo).port;
	const dir = tempDir();
	key = await createKey(dir);
	s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY }, dir);
});

afterAll(async () => {
	const out = s?.output() ?? '';
	await s?.kill('SIGKILL');
	await cd.stop();
	await new Promise<void>((r) => files.close(() => r()));
	for (const secret of [CD_KEY, key?.key, key?.webhook_secret]) if (secret) expect(out).not.toContain(secret);
});

beforeEach(() => (reached = []));

const LOOPBACK_V4 = /127\.0\.0\.1/;
const MAPPED = /::ffff:7f00:1, a private or loopback address \(loopback, 127\.0\.0\.1 in IPv4-mapped form\)/;

/** [URL with PORT for the file server's port, what the refusal must say about the address]. */
const SPELLINGS: Array<[string, RegExp]> = [
	// IPv4 notations
	['http://127.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, a private or loopback address \(loopback\)/],
	['http://2130706433:PORT/sample.jpg', LOOPBACK_V4],
	['http://0x7f000001:PORT/sample.jpg', LOOPBACK_V4],
	['http://0x7F.1:PORT/sample.jpg', LOOPBACK_V4],
	['http://0177.0.0.1:PORT/sample.jpg', LOOPBACK_V4],
	['http://0177.0.0.01:PORT/sample.jpg', LOOPBACK_V4],
	['http://017700000001:PORT/sample.jpg', LOOPBACK_V4],
	['http://127.1:PORT/sample.jpg', LOOPBACK_V4],
	['http://127.0.1:PORT/sample.jpg', LOOPBACK_V4],
	['http://0x7f.0.0x0.1:PORT/sample.jpg', LOOPBACK_V4],
	['http://127.0.0.1.:PORT/sample.jpg', LOOPBACK_V4],
	['http://127.42.42.42:PORT/sample.jpg', /127\.42\.42\.42, .*\(loopback\)/],
	['http://0.0.0.0:PORT/sample.jpg', /points to 0\.0\.0\.0, .*\(unspecified\)/],
	['http://0:PORT/sample.jpg', /points to 0\.0\.0\.0, .*\(unspecified\)/],
	['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, .*\(link-local\)/],
	['http://0xa9fea9fe/latest/meta-data/', /169\.254\.169\.254, .*\(link-local\)/],
	['http://2852039166/latest/meta-data/', /169\.254\.169\.254/],
	['http://10.0.0.1/x.jpg', /10\.0\.0\.1, .*\(private network\)/],
	['http://012.0.0.1/x.jpg', /10\.0\.0\.1, .*\(private network\)/],
	['http://0300.0250.0.1/x.jpg', /192\.168\.0\.1, .*\(private network\)/],
	['http://100.64.0.1/x.jpg', /100\.64\.0\.1, .*\(carrier-grade NAT\)/],
	['http://255.255.255.255/x.jpg', /255\.255\.255\.255, .*\(broadcast\)/],
	// IPv6 forms
	['http://[::ffff:7f00:1]:PORT/sample.jpg', MAPPED],
	['http://[::ffff:127.0.0.1]:PORT/sample.jpg', MAPPED],
	['http://[0:0:0:0:0:ffff:127.0.0.1]:PORT/sample.jpg', MAPPED],
	['http://[::ffff:7f00:0001]:PORT/sample.jpg', MAPPED],
	['http://[0000:0000:0000:0000:0000:FFFF:7F00:0001]:PORT/sample.jpg', MAPPED],
	['http://[::127.0.0.1]:PORT/sample.jpg', /::7f00:1, .*\(loopback, 127\.0\.0\.1 in IPv4-compatible form\)/],
	['http://[::ffff:0:127.0.0.1]:PORT/sample.jpg', /::ffff:0:7f00:1, .*\(loopback, 127\.0\.0\.1 in IPv4-translated form\)/],
	['http://[64:ff9b::7f00:1]:PORT/sample.jpg', /64:ff9b::7f00:1, .*\(loopback, 127\.0\.0\.1 in NAT64 form\)/],
	['http://[64:ff9b::169.254.169.254]/latest/', /64:ff9b::a9fe:a9fe, .*169\.254\.169\.254 in NAT64 form/],
	['http://[2002:7f00:1::]:PORT/sample.jpg', /2002:7f00:1::, .*\(loopback, 127\.0\.0\.1 in 6to4 form\)/],
	['http://[::]:PORT/sample.jpg', /points to ::, .*\(unspecified\)/],
	['http://[::1]:PORT/sample.jpg', /points to ::1, .*\(loopback\)/],
	['http://[0:0::1]:PORT/sample.jpg', /points to ::1, .*\(loopback\)/],
	['http://[fe80::1]:PORT/sample.jpg', /fe80::1, .*\(link-local\)/],
	['http://[fd00::1]/x.jpg', /fd00::1, .*\(private network \(unique local\)\)/],
	['http://[ff02::1]/x.jpg', /ff02::1, .*\(multicast\)/],
	['http://[2001:db8::1]/x.jpg', /2001:db8::1, .*\(documentation\)/],
	// names
	['http://localhost:PORT/sample.jpg', /localhost resolves to (127\.0\.0\.1|::1), .*\(loopback\)/],
	['http://localhost.:PORT/sample.jpg', /localhost\. resolves to 127\.0\.0\.1, .*\(loopback\)/],
	['http://LOCALHOST:PORT/sample.jpg', /localhost resolves to (127\.0\.0\.1|::1)/],
	['http://LocalHost.:PORT/sample.jpg', /localhost\. resolves to 127\.0\.0\.1/],
	['http://files.localhost:PORT/sample.jpg', /files\.localhost resolves to 127\.0\.0\.1/],
	// URL tricks: the host a URL parser (and undici, and the guard) sees is 127.0.0.1
	['http://8.8.8.8@127.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://user:pass@[::ffff:7f00:1]:PORT/sample.jpg', MAPPED],
	['http://127.0.0.1:PORT#@8.8.8.8/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://127.0.0.1:PORT?@8.8.8.8/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://127.0.0.1:PORT\\@8.8.8.8/sample.jpg', /points to 127\.0\.0\.1, /],
	['HTTP://127.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['https://127.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://%31%32%37.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://%30x7f.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://１２７.０.０.１:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://127。0。0。1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://①②⑦.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://ｌｏｃａｌｈｏｓｔ:PORT/sample.jpg', /localhost resolves to/],
	['  http://127.0.0.1:PORT/sample.jpg  ', /points to 127\.0\.0\.1, /],
];

/**
 * Tabs and newlines, which a URL parser removes anywhere, and backslashes for slashes: a URL parser reads 127.0.0.1
 * in each; for image_url the core's own rule (an http(s) URL, written with "//" and without whitespace) answers first.
 */
const UNUSUAL: Array<[string, RegExp]> = [
	['http:\\\\127.0.0.1:PORT\\sample.jpg', /points to 127\.0\.0\.1, /],
	['http://12\t7.0.0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://127.0.\n0.1:PORT/sample.jpg', /points to 127\.0\.0\.1, /],
	['http://[::ffff:\r\n7f00:1]:PORT/sample.jpg', MAPPED],
	['http://local\thost:PORT/sample.jpg', /localhost resolves to/],
];

/**
 * This machine's own private interface addresses (here eth0's 192.0.2.2, fd00::2 and its fe80:: address): the server
 * itself by another name. (A public address on an interface would be public: see the report on the guard.)
 */
function ownAddresses(): Array<[string, RegExp]> {
	const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
	return all
		.filter((a) => !a.internal && privateAddress(a.address))
		.map((a) => [`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:PORT/sample.jpg`, new RegExp(`points to ${a.address.replace(/\./g, '\\.')}, a private`)]);
}

const at = (url: string) => url.replace('PORT', String(port));

async function expectRefused(field: 'image_url' | 'webhook_url', url: string, detail: RegExp, code = 'URL_NOT_ALLOWED') {
	const r =
		field === 'image_url'
			? await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', image_url: at(url) })
			: await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', webhook_url: at(url) }, { bytes: SAMPLE }));
	expect({ url, status: r.status, type: r.headers.get('content-type'), code: r.body.code }).toEqual({ url, status: 422, type: 'application/problem+json; charset=utf-8', code });
	expect(r.body).toMatchObject({ status: 422, title: expect.any(String), detail: expect.stringMatching(detail) });
	if (code === 'URL_NOT_ALLOWED') expect(r.body.detail).toMatch(new RegExp(`^${field}[: ]`));
	if (/private|resolves/.test(r.body.detail)) expect(r.body.detail).toContain('UPSCALE_ALLOW_PRIVATE_URLS=1');
	for (const secret of [CD_KEY, key.key, key.webhook_secret]) expect(r.body.detail).not.toContain(secret);
}

describe.each(['image_url', 'webhook_url'] as const)('%s in a private spelling is refused, naming the address', (field) => {
	it.each(SPELLINGS)('%j', async (url, detail) => {
		await expectRefused(field, url, detail);
		expect(reached).toEqual([]);
	});

	it.each(UNUSUAL)('%j (whitespace or backslashes)', async (url, detail) => {
		if (field === 'image_url') await expectRefused(field, url, /is not an http\(s\) URL of an image/, 'INVALID_INPUT');
		else await expectRefused(field, url, detail);
		expect(reached).toEqual([]);
	});

	it("this machine's own addresses", async () => {
		const own = ownAddresses();
		for (const [url, detail] of own) await expectRefused(field, url, detail);
		expect(reached).toEqual([]);
	});
});

test('nothing was created, fetched, called or spent', async () => {
	expect((await call(s.url, key.key, 'GET', '/v1/jobs')).body.data).toEqual([]);
	expect(cd.requests.filter((r) => r.route === 'async' || r.route === 'sync')).toEqual([]);
	expect(reached).toEqual([]);
});
