/** The core's defences against hostile answers and names, through its public functions (no network, virtual time). */
import { fileNameFromUrl, redact, safeFileName, Transport, DEFAULT_RETRY, upscaledName, UpscaleError } from '../../core';
import { ScriptedHttp, VirtualTime } from '../helpers/virtual';

describe('redact', () => {
	const key = 'sk+live/Secret=Key&0123456789';

	it('removes the key as sent, trimmed, URL-encoded, and base64-encoded at any offset', () => {
		for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
			const b64 = Buffer.from(`${prefix}${key}tail`).toString('base64');
			// The characters that encode only the key's bytes, whatever precedes it.
			const own = b64.slice(Math.ceil(prefix.length / 3) * 4, Math.floor((prefix.length + key.length) / 3) * 4);
			expect(own.length).toBeGreaterThanOrEqual(32);
			const out = redact(`echo ${b64}`, [key]);
			expect(out).toContain('***');
			expect(out).not.toContain(own);
			expect(out).not.toContain(own.slice(0, 12));
		}
		expect(redact(`x ${encodeURIComponent(key)} y`, [key])).toBe('x *** y');
		expect(redact(`x ${key} y`, [`  ${key}  `])).toBe('x *** y');
		expect(redact('nothing here', [key, undefined, 'abc'])).toBe('nothing here');
	});
});

describe('file names from hostile URLs and inputs', () => {
	it.each([
		['https://h/x/..%2F..%2Fescaped.jpg', 'escaped.jpg'],
		['https://h/50%off.jpg', '50%off.jpg'],
		['https://h/%2e%2e', 'image'],
		['https://h/a%0Ab%00.jpg', 'ab.jpg'],
		['https://h/', 'image'],
		['https://h/.hidden.png', 'hidden.png'],
		['not a url', 'image'],
	])('%s → %s', (url, name) => {
		expect(fileNameFromUrl(url)).toBe(name);
	});

	it('upscaledName keeps the stem, drops folders and dots, caps the length', () => {
		expect(upscaledName('photo.jpeg', 'png')).toBe('photo-upscaled.png');
		expect(upscaledName('../../etc/passwd', 'jpg')).toBe('passwd-upscaled.jpg');
		expect(upscaledName('..', 'jpg')).toBe('image-upscaled.jpg');
		expect(safeFileName('x'.repeat(500))).toHaveLength(120);
	});
});

describe('downloads follow redirects, within bounds', () => {
	const transport = (http: ScriptedHttp, time = new VirtualTime()) =>
		new Transport({ provider: 'clipdrop', vendorName: 'Clipdrop', ports: { http, sleep: time.sleep, clock: time.clock }, authHeaders: { 'x-api-key': 'k' }, retry: DEFAULT_RETRY });
	const get = (t: Transport, kind: 'download' | 'read' = 'download') => t.send({ method: 'GET', url: 'https://a.example/start.jpg', kind, deadline: Date.now() + 1e12, what: 'downloading the result' });

	it('follows relative and absolute Locations, and never sends the key', async () => {
		const http = new ScriptedHttp((_req, n) => (n === 1 ? { status: 301, headers: { location: '/moved.jpg' } } : n === 2 ? { status: 307, headers: { location: 'https://b.example/final.jpg' } } : { status: 200, text: 'ok' }));
		const res = await get(transport(http));
		expect(res.status).toBe(200);
		expect(http.requests.map((r) => r.url)).toEqual(['https://a.example/start.jpg', 'https://a.example/moved.jpg', 'https://b.example/final.jpg']);
		expect(http.requests.every((r) => !('x-api-key' in r.headers))).toBe(true);
	});

	it('stops after 5 redirects, and refuses a non-http target or a missing Location', async () => {
		const loop = new ScriptedHttp(() => ({ status: 302, headers: { location: '/again' } }));
		await expect(get(transport(loop))).rejects.toThrow('Downloading the result failed: more than 5 redirects.');
		expect(loop.requests).toHaveLength(6);
		const file = new ScriptedHttp(() => ({ status: 302, headers: { location: 'file:///etc/passwd' } }));
		await expect(get(transport(file))).rejects.toThrow('the server redirected to a file: address (only http and https are followed)');
		const none = new ScriptedHttp(() => ({ status: 302 }));
		const e = await get(transport(none)).catch((x: UpscaleError) => x);
		expect(e).toBeInstanceOf(UpscaleError);
		expect((e as UpscaleError).message).toBe('Downloading the result failed: the server answered 302 (a redirect) without saying where to.');
	});

	it('an API request (status, submit) does not follow a redirect: the vendor answered it', async () => {
		const http = new ScriptedHttp(() => ({ status: 302, headers: { location: 'https://elsewhere.example/' } }));
		const res = await get(transport(http), 'read');
		expect(res.status).toBe(302);
		expect(http.requests).toHaveLength(1);
	});
});
