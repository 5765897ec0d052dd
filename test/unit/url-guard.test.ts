/**
 * The job service's SSRF guard on clients' URLs (image_url, webhook_url): refused at POST time with a clear
 * message, and again at connect time, where a name is resolved anew (a DNS answer that changed since the check,
 * "DNS rebinding") and a redirect's literal address is checked on its own hop.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TransportError } from '../../core';
import { checkPublicUrl, clientUrlHttp } from '../../service/url-guard';

let server: http.Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
	server = http.createServer((_req, res) => {
		hits++;
		res.writeHead(200, { 'content-type': 'text/plain' }).end('inside');
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => (hits = 0));

const refusal = async (p: Promise<unknown>) => {
	try {
		await p;
	} catch (e) {
		return e as Error & { code?: string; causeCode?: string; phase?: string };
	}
	throw new Error('expected a refusal');
};

describe('checkPublicUrl (when a job is posted)', () => {
	it.each([
		['http://127.0.0.1/a.jpg', /points to 127\.0\.0\.1, a private or loopback address/],
		['http://[fd00::1]/a.jpg', /points to fd00::1, a private/],
		['http://192.168.1.20/a.jpg', /points to 192\.168\.1\.20, a private/],
		['http://localhost/a.jpg', /localhost resolves to (127\.0\.0\.1|::1), a private or loopback address/],
		['ftp://example.com/a.jpg', /must be an http\(s\) URL \(got ftp:\)/],
		['https://user:pw@example.com/a.jpg', /must not carry a user name or password/],
		['not a url', /is not a valid URL/],
	])('refuses %s', async (url, message) => {
		const e = await refusal(checkPublicUrl(url, 'image_url', false));
		expect(e.code).toBe('URL_NOT_ALLOWED');
		expect(e.message).toMatch(message);
	});

	it('lets private addresses through when the operator allows them, but never other schemes', async () => {
		await expect(checkPublicUrl('http://127.0.0.1/a.jpg', 'image_url', true)).resolves.toBeUndefined();
		expect((await refusal(checkPublicUrl('file:///etc/passwd', 'image_url', true))).message).toMatch(/got file:/);
	});
});

describe('clientUrlHttp (when connecting: every hop)', () => {
	it('refuses a name that resolves to a private address at connect time, without reaching it', async () => {
		const e = await refusal(clientUrlHttp(false).request({ method: 'GET', url: `http://localhost:${port}/a.jpg`, headers: {}, auth: false, timeoutMs: 5000 }));
		expect(e).toBeInstanceOf(TransportError);
		expect(e.causeCode).toBe('EPRIVATEADDR');
		expect(e.message).not.toMatch(/inside/);
		expect(hits).toBe(0);
	});

	it.each([`http://127.0.0.1:PORT/next.jpg`, `http://[::1]:PORT/next.jpg`, 'http://10.0.0.7/next.jpg', 'http://169.254.169.254/latest/meta-data'])(
		'refuses a hop to the literal private address %s (where a redirect would lead) before connecting',
		async (url) => {
			const e = await refusal(clientUrlHttp(false).request({ method: 'GET', url: url.replace('PORT', String(port)), headers: {}, auth: false, timeoutMs: 5000 }));
			expect(e).toBeInstanceOf(TransportError);
			expect(e).toMatchObject({ causeCode: 'EPRIVATEADDR', phase: 'connect' });
			expect(hits).toBe(0);
		},
	);

	it('reaches private addresses when the operator allows them', async () => {
		const r = await clientUrlHttp(true).request({ method: 'GET', url: `http://localhost:${port}/a.jpg`, headers: {}, auth: false, timeoutMs: 5000 });
		expect(r.status).toBe(200);
		expect(hits).toBe(1);
	});
});
