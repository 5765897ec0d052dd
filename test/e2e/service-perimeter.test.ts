/**
 * The job service's perimeter, attacked over HTTP as a stranger would: the key check on every route in odd URL
 * spellings (the route table is read from the server itself, so a new route is covered the day it is added),
 * uploads that leave nothing behind, file names in any script, answers that no Host header or frame can bend,
 * slow clients, one tenant's hanging webhook receivers, secrets kept out of logs and errors.
 * (Private addresses in every spelling: service-ssrf.test.ts.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { ClipdropFake } from '../fakes/clipdrop';
import { runCli, tempDir } from '../helpers/cli';
import { rawExchange, rawRequest } from '../helpers/raw-http';
import { call, createKey, finished, form, Receiver, startService, type Service } from '../helpers/service';

jest.setTimeout(180_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-perimeter-key-0123456789';
const ENV_KEY = 'perimeter-env-client-key-0123456789';

let cd: ClipdropFake;
const services: Service[] = [];
const secrets = [CD_KEY, ENV_KEY];

async function service(env: Record<string, string>, dataDir = tempDir()): Promise<Service> {
	const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, ...env }, dataDir);
	services.push(s);
	return s;
}

const portOf = (url: string) => Number(new URL(url).port);

/** A data directory with two client keys, one that misbehaves and one that should not notice (keys kept out of logs). */
async function twoClients() {
	const dir = tempDir();
	const noisy = await createKey(dir, 'noisy');
	const calm = await createKey(dir, 'calm');
	secrets.push(noisy.key, noisy.webhook_secret, calm.key, calm.webhook_secret);
	return { dir, noisy, calm };
}

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000 }, taskDurationMs: 100 });
	await cd.start();
});

afterAll(async () => {
	await Promise.all(services.map((s) => s.kill('SIGKILL')));
	await cd.stop();
	const out = services.map((s) => s.output()).join('\n');
	for (const s of secrets) expect(out).not.toContain(s);
});

/** Ways to spell one path that a router may still match (or that must at least never get past the key check). */
function spellings(path: string): string[] {
	const out = new Set<string>([path, `/${path}`, `${path}/`, `/.${path}`, `/x/..${path}`, `${path};x`, `${path}?x=1`, path.toUpperCase(), `${path}%00`, `${path}%20`, `/%2e${path}`, `${path}/.`, `${path}/..%2f`]);
	for (let i = 1; i < path.length; i++) {
		const c = path[i];
		if (c === '/') {
			out.add(`${path.slice(0, i)}/${path.slice(i)}`);
			out.add(`${path.slice(0, i)}%2f${path.slice(i + 1)}`);
			continue;
		}
		const hex = c.charCodeAt(0).toString(16);
		out.add(`${path.slice(0, i)}%${hex}${path.slice(i + 1)}`);
		out.add(`${path.slice(0, i)}%${hex.toUpperCase()}${path.slice(i + 1)}`);
		out.add(`${path.slice(0, i)}%25${hex}${path.slice(i + 1)}`);
	}
	return [...out];
}

describe('the key check sits on the matched route', () => {
	let s: Service;
	let port: number;
	let routes: { public: string[]; keyed: string[] };

	beforeAll(async () => {
		s = await service({ UPSCALE_API_KEYS: ENV_KEY });
		port = portOf(s.url);
		// The server logs its route table at debug level as it starts: a route added tomorrow is attacked here too.
		const line = s.output().split('\n').find((l) => l.includes('"msg":"routes"'));
		routes = JSON.parse(line!) as typeof routes;
	});
	const parse = (r: string, open: boolean) => ({ method: r.split(' ')[0], url: r.split(' ')[1], public: open });
	const declared = () => [...routes.public.map((r) => parse(r, true)), ...routes.keyed.map((r) => parse(r, false))];

	test('every route is declared: the public ones are the page, health, metrics, the API documents and the signed download link', () => {
		const open = declared().filter((r) => r.public).map((r) => r.url);
		const outside = open.filter((u) => !/^(\/|\/page\/options\.json|\/healthz|\/readyz|\/metrics|\/openapi\.json|\/docs(\/.*)?|\/v1\/jobs\/:id\/download)$/.test(u));
		expect(outside).toEqual([]);
		const closed = declared().filter((r) => !r.public);
		expect(closed.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['POST /v1/jobs', 'GET /v1/jobs', 'GET /v1/jobs/:id', 'GET /v1/jobs/:id/result', 'DELETE /v1/jobs/:id', 'GET /v1/credits']));
	});

	test('no spelling of a private route answers without a key: 401 every time, never a handler', async () => {
		const tried: string[] = [];
		for (const route of declared().filter((r) => !r.public)) {
			const path = route.url.replace(':id', 'job_0123456789abcdef');
			for (const target of [...spellings(path), `http://127.0.0.1:${port}${path}`]) {
				for (const headers of [{}, { authorization: 'Bearer not-a-key-of-this-server' }, { authorization: `Basic ${ENV_KEY}` }] as Array<Record<string, string>>) {
					const r = await rawRequest(port, route.method, target, { ...headers, 'content-type': 'application/json', 'content-length': '2' });
					tried.push(`${route.method} ${target} -> ${r.status}`);
					if (r.status !== 401) throw new Error(`${route.method} ${target} answered ${r.status} without a valid key:\n${r.text.slice(0, 400)}`);
					if (route.method !== 'HEAD') expect(r.text).toMatch(/"code":"UNAUTHORIZED"/);
				}
			}
		}
		expect(tried.length).toBeGreaterThan(300);
	});

	test('a path that matches no route needs a key too, and with one it is a 404', async () => {
		expect((await rawRequest(port, 'GET', '/v2/anything')).status).toBe(401);
		expect((await rawRequest(port, 'GET', '/v%31/nothing-here')).status).toBe(401);
		const r = await rawRequest(port, 'GET', '/v2/anything', { authorization: `Bearer ${ENV_KEY}` });
		expect(r.status).toBe(404);
	});

	test('the public routes answer without a key, however spelled, and never fail', async () => {
		for (const path of ['/healthz', '/openapi.json', '/page/options.json', '/']) {
			for (const target of spellings(path)) {
				const r = await rawRequest(port, 'GET', target);
				expect([target, [200, 401, 400].includes(r.status)]).toEqual([target, true]);
			}
		}
		expect((await rawRequest(port, 'GET', '/%68ealthz')).status).toBe(200);
		expect((await rawRequest(port, 'GET', '/docs/')).status).toBe(200);
		// The download link's route is public, but nothing comes out of it without this server's signature.
		for (const target of spellings('/v1/jobs/job_0123456789abcdef/download')) {
			const r = await rawRequest(port, 'GET', `${target}${target.includes('?') ? '&' : '?'}expires=99999999999&signature=${'A'.repeat(43)}`);
			expect([target, [403, 401, 400, 404].includes(r.status)]).toEqual([target, true]);
			expect(r.text).not.toMatch(/image\/|JOB_NOT_FOUND/);
		}
	});
});

describe('through `upscale serve`', () => {
	let s: Service;
	let key: { key: string; webhook_secret: string };
	let files: http.Server;
	let filesUrl = '';

	beforeAll(async () => {
		const dir = tempDir();
		key = await createKey(dir, 'alice');
		secrets.push(key.key, key.webhook_secret);
		s = await service({ UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_HEADERS_TIMEOUT: '2s', UPSCALE_REQUEST_TIMEOUT: '4s' }, dir);
		files = http.createServer((req, res) => {
			if (req.url?.startsWith('/sample.jpg')) return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE);
			res.writeHead(404).end();
		});
		await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
		filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
	});
	afterAll(() => new Promise<void>((r) => files.close(() => r())));

	const inputs = () => readdirSync(join(s.dataDir, 'inputs'));

	test('a decompression bomb (a 4 KB PNG whose zTXt unpacks to 4 MiB) is refused before anything is stored or sent', async () => {
		const before = cd.requests.length;
		const bomb = readFileSync(resolve(__dirname, '../fixtures/bad/ztxt-bomb.png'));
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: bomb, name: 'bomb.png', type: 'image/png' }));
		expect([r.status, r.body.code]).toEqual([422, 'INVALID_INPUT']);
		expect(r.body.detail).toBe(
			"The PNG file's metadata (a compressed zTXt chunk) unpacks to more than 1 MiB: image decoders and the vendors refuse such a file (a decompression bomb). Save the image again without its metadata.",
		);
		expect(cd.requests.length).toBe(before);
		expect(inputs()).toEqual([]);
	});

	test('a malformed multipart body is a 400 with what is wrong, not a server fault', async () => {
		const port = portOf(s.url);
		for (const [type, body, said] of [
			['multipart/form-data', '--x\r\n', 'Multipart: Boundary not found'],
			['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc', 'unexpected end of multipart data'],
		]) {
			const head = `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
			const r = await rawExchange(port, head, { giveUpMs: 10_000 });
			expect([type, r.status]).toEqual([type, 400]);
			expect(r.text).toContain('"code":"BAD_REQUEST"');
			expect(r.text).toContain(said);
		}
		expect(s.output()).not.toContain('"level":"error","msg":"request failed"');
		expect(inputs()).toEqual([]);
	});

	test('GET /v%31/credits without a key: 401, and the vendor is never asked', async () => {
		const before = cd.requests.length;
		const r = await rawRequest(portOf(s.url), 'GET', '/v%31/credits');
		expect(r.status).toBe(401);
		expect(r.text).toContain('Send your client key as \\"Authorization: Bearer <key>\\"');
		expect(cd.requests.length).toBe(before);
	});

	test('an upload to /v%31/jobs without a key: 401 before the body is read, nothing on disk', async () => {
		const r = await call(s.url, undefined, 'POST', '/v%31/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect(r.status).toBe(401);
		expect(r.body.code).toBe('UNAUTHORIZED');
		expect(inputs()).toEqual([]);
	});

	test('an upload cut off half way (6 MB of 12, spilled to disk) leaves nothing on disk', async () => {
		const boundary = 'xBOUNDARYx';
		const head = `--${boundary}\r\nContent-Disposition: form-data; name="provider"\r\n\r\nclipdrop\r\n--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
		const request = `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${12 * 1024 * 1024}\r\n\r\n${head}`;
		const chunk = Buffer.alloc(1024 * 1024, 7);
		await rawExchange(portOf(s.url), request, { trickle: Array.from({ length: 6 }, () => chunk), everyMs: 50, giveUpMs: 1000 });
		const until = Date.now() + 10_000;
		while (inputs().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
		expect(inputs()).toEqual([]);
	});

	test('a file name in any script downloads, with an ASCII fallback and the exact name (RFC 6266/8187)', async () => {
		for (const [name, fallback] of [
			['фото кота.jpg', '____ ____-upscaled.jpg'],
			['写真 (best).jpg', '__ (best)-upscaled.jpg'],
			['café%20noir.jpg', 'cafe_20noir-upscaled.jpg'],
			['😀.jpg', '__-upscaled.jpg'],
		]) {
			const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync', wait: 20 }, { bytes: SAMPLE, name }));
			expect(r.body.status).toBe('succeeded');
			const img = await call(s.url, key.key, 'GET', `/v1/jobs/${r.body.id}/result`);
			expect(img.status).toBe(200);
			const cd = img.headers.get('content-disposition')!;
			expect(cd).toMatch(/^[\x20-\x7e]+$/);
			const prefix = `attachment; filename="${fallback}"; filename*=UTF-8''`;
			expect(cd.slice(0, prefix.length)).toBe(prefix);
			const exact = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]);
			expect(exact).toBe(`${name.slice(0, name.lastIndexOf('.'))}-upscaled.jpg`);
			expect(img.headers.get('x-content-type-options')).toBe('nosniff');
		}
	});

	test("result links come from the server's own address, not the caller's Host header", async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: SAMPLE }));
		expect(r.body.result_url).toBe(`${s.url}/v1/jobs/${r.body.id}/result`);
		// fetch will not send another Host: spoken by hand.
		for (const target of [`/v1/jobs/${r.body.id}`, '/v1/jobs?limit=1']) {
			const spoofed = await rawRequest(portOf(s.url), 'GET', target, { authorization: `Bearer ${key.key}`, host: 'evil.example', 'x-forwarded-host': 'evil.example' });
			expect(spoofed.status).toBe(200);
			expect(spoofed.text).toContain(`${s.url}/v1/jobs/${r.body.id}/result`);
			expect(spoofed.text).not.toContain('evil.example');
		}
	});

	test('the page cannot be framed; every answer says nosniff', async () => {
		const page = await call(s.url, undefined, 'GET', '/');
		expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		for (const path of ['/', '/healthz', '/openapi.json', '/v1/jobs']) {
			const r = await call(s.url, undefined, 'GET', path);
			expect([path, r.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
			expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
		}
	});

	test("a failed download's log line keeps the URL's host and path, never its query (signed tokens)", async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: `${filesUrl}/missing.jpg?X-Amz-Signature=SIGNED-TOKEN-4711&user=me`, wait: 20 });
		expect(r.body.status).toBe('failed');
		expect(r.body.error.message).toContain('404');
		const failed = s.output().split('\n').find((l) => l.includes('"job failed"') && l.includes(r.body.id));
		expect(failed).toContain('/missing.jpg?…');
		expect(s.output()).not.toContain('SIGNED-TOKEN-4711');
	});

	test('a client that trickles its headers is cut off at the headers timeout (2 s here)', async () => {
		const bytes = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '.split('');
		const r = await rawExchange(portOf(s.url), 'G', { trickle: [...bytes.slice(1), ...Array(200).fill('a')], everyMs: 200, giveUpMs: 20_000 });
		expect(r.closedAfterMs).toBeDefined();
		expect(r.closedAfterMs!).toBeLessThan(15_000);
		expect([0, 408]).toContain(r.status);
	});

	test('a keyed upload that trickles its body is cut off at the request timeout (4 s here), and leaves nothing', async () => {
		const boundary = 'slowBOUNDARY';
		const head = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
		const request = `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n${head}`;
		const r = await rawExchange(portOf(s.url), request, { trickle: Array(200).fill('x'), everyMs: 200, giveUpMs: 30_000 });
		expect(r.closedAfterMs).toBeDefined();
		expect(r.closedAfterMs!).toBeLessThan(20_000);
		await new Promise((res) => setTimeout(res, 500));
		expect(inputs()).toEqual([]);
	});

	test('a stranger who trickles a body after the 401 is not kept: a pause of 2 s closes the connection', async () => {
		const request = 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n';
		const r = await rawExchange(portOf(s.url), request, { trickle: Array(20).fill('x'), everyMs: 3000, giveUpMs: 30_000 });
		expect(r.status).toBe(401);
		expect(r.closedAfterMs).toBeDefined();
		expect(r.closedAfterMs!).toBeLessThan(3_900); // before the request timeout (4 s) could close it
	});
});

describe('slow clients: silent connections', () => {
	test('a connection that sends nothing is closed at the headers timeout; a kept-alive one after UPSCALE_IDLE_TIMEOUT', async () => {
		const dir = tempDir();
		const s = await service({ UPSCALE_API_KEYS: ENV_KEY, UPSCALE_HEADERS_TIMEOUT: '3s', UPSCALE_IDLE_TIMEOUT: '30s' }, dir);
		const silent = await rawExchange(portOf(s.url), Buffer.alloc(0), { giveUpMs: 30_000 });
		expect(silent.closedAfterMs).toBeDefined();
		expect(silent.closedAfterMs!).toBeLessThan(20_000);
		// One request on a kept-alive connection, then nothing: closed once the idle timeout has passed.
		const idle = await rawExchange(portOf(s.url), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { giveUpMs: 90_000 });
		expect(idle.status).toBe(200);
		expect(idle.closedAfterMs).toBeDefined();
		expect(idle.closedAfterMs!).toBeGreaterThanOrEqual(25_000);
		expect(idle.closedAfterMs!).toBeLessThan(60_000);
		// A long poll (wait=25, the most) must outlive the idle timeout, so it may not be set below 30 s.
		const bad = await runCli(['serve'], { UPSCALE_DATA_DIR: dir, PORT: '0', UPSCALE_API_KEYS: ENV_KEY, CLIPDROP_API_KEY: CD_KEY, UPSCALE_IDLE_TIMEOUT: '10s' });
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('UPSCALE_IDLE_TIMEOUT must be a duration like "90s", "30m" or "24h" (at least 30 s, at most 365 d)');
	});
});

describe('configuration errors', () => {
	test('a client key that fails validation is named by its place, never echoed', async () => {
		const r = await runCli(['serve'], { UPSCALE_DATA_DIR: tempDir(), PORT: '0', UPSCALE_API_KEYS: `${ENV_KEY},short-secret-k`, CLIPDROP_API_KEY: CD_KEY });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('UPSCALE_API_KEYS: item 2 of 2 is too short for a client key (at least 16 characters)');
		expect(r.stderr).not.toContain('short-secret-k');
	});
});

describe('uploads no job needs are swept', () => {
	test('files in inputs/ older than the job timeout that no live job needs are deleted; fresh ones stay', async () => {
		const dir = tempDir();
		mkdirSync(join(dir, 'inputs'), { recursive: true });
		const old = (Date.now() - 3_600_000) / 1000;
		for (const name of ['job_0000000000000000.upload', 'job_1111111111111111', 'stray.tmp']) {
			writeFileSync(join(dir, 'inputs', name), 'x');
			utimesSync(join(dir, 'inputs', name), old, old);
		}
		writeFileSync(join(dir, 'inputs', 'job_2222222222222222.upload'), 'fresh');
		const s = await service({ UPSCALE_API_KEYS: ENV_KEY, UPSCALE_RETENTION: '2s', UPSCALE_JOB_TIMEOUT: '60s' }, dir);
		const until = Date.now() + 15_000;
		while (readdirSync(join(dir, 'inputs')).length > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
		expect(readdirSync(join(dir, 'inputs'))).toEqual(['job_2222222222222222.upload']);
		expect(s.output()).toContain('deleted uploads no job needs');
		expect(existsSync(join(dir, 'inputs'))).toBe(true);
	});
});

describe("one tenant's hanging webhook receivers", () => {
	test('delay no other tenant: a healthy receiver gets its message at once while 50 others hang', async () => {
		const { dir, noisy, calm } = await twoClients();
		const hanging: http.Server[] = [];
		const held: http.ServerResponse[] = [];
		for (let i = 0; i < 50; i++) {
			const h = http.createServer((_req, res) => void held.push(res));
			await new Promise<void>((r) => h.listen(0, '127.0.0.1', () => r()));
			hanging.push(h);
		}
		const healthy = await new Receiver().start();
		const s = await service({ UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_WEBHOOK_TIMEOUT: '20s', UPSCALE_WEBHOOK_RETRY: '1h' }, dir);
		try {
			// Jobs that fail at once (their image URL answers 404): each ends with a webhook.
			const files = http.createServer((_req, res) => res.writeHead(404).end());
			await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
			const gone = `http://127.0.0.1:${(files.address() as AddressInfo).port}/gone.jpg`;
			const ids = await Promise.all(
				hanging.map(async (h) => {
					const r = await call(s.url, noisy.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: gone, webhook_url: `http://127.0.0.1:${(h.address() as AddressInfo).port}/hook` });
					return r.body.id as string;
				}),
			);
			for (const id of ids) await finished(s.url, noisy.key, id);
			const until = Date.now() + 10_000;
			while (held.length < 32 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
			expect(held.length).toBe(32); // the noisy client's cap: the rest of its messages wait their turn
			const r = await call(s.url, calm.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: gone, webhook_url: healthy.url, wait: 20 });
			expect(r.body.status).toBe('failed');
			const [got] = await healthy.waitFor(1, 10_000);
			const lag = got.at - Date.parse(r.body.finished_at);
			process.stdout.write(`healthy receiver's delivery lag with 50 hanging receivers: ${lag} ms\n`);
			expect(lag).toBeLessThan(5_000); // the attempt timeout is 20 s: any wait behind a hanging attempt shows
			files.close();
		} finally {
			held.forEach((res) => res.destroy());
			await healthy.stop();
			await Promise.all(hanging.map((h) => new Promise((r) => h.close(r))));
		}
	});

	test("a receiver host shared by two clients: one client's hanging URLs there do not hold back the other's", async () => {
		const { dir, noisy, calm } = await twoClients();
		const held: http.ServerResponse[] = [];
		const arrived: number[] = [];
		const shared = http.createServer((req, res) => {
			if (req.url?.startsWith('/slow')) return void held.push(res);
			arrived.push(Date.now());
			res.writeHead(200).end();
		});
		await new Promise<void>((r) => shared.listen(0, '127.0.0.1', () => r()));
		const host = `http://127.0.0.1:${(shared.address() as AddressInfo).port}`;
		const s = await service({ UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_WEBHOOK_TIMEOUT: '20s', UPSCALE_WEBHOOK_RETRY: '1h' }, dir);
		try {
			// Its image URLs answer 200 with no image, so each job fails at once and sends its webhook.
			const ids = await Promise.all(Array.from({ length: 12 }, async (_, i) => (await call(s.url, noisy.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: `${host}/img-${i}.jpg`, webhook_url: `${host}/slow/${i}` })).body.id as string));
			for (const id of ids) await finished(s.url, noisy.key, id);
			const until = Date.now() + 10_000;
			while (held.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
			const before = arrived.length;
			const r = await call(s.url, calm.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: `${host}/img-calm.jpg`, webhook_url: `${host}/fast`, wait: 20 });
			expect(r.body.status).toBe('failed');
			const deadline = Date.now() + 10_000;
			while (arrived.length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
			const lag = arrived[before] - Date.parse(r.body.finished_at);
			process.stdout.write(`healthy client's delivery lag on a receiver host where another client's 12 webhooks hang: ${lag} ms\n`);
			expect(lag).toBeLessThan(5_000);
		} finally {
			held.forEach((res) => res.destroy());
			await new Promise((r) => shared.close(r));
		}
	});
});

describe("one client's slow image hosts", () => {
	test("leave a sending slot free: another client's job runs while they trickle", async () => {
		const { dir, noisy, calm } = await twoClients();
		const open: http.ServerResponse[] = [];
		const trickle = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(SAMPLE.length) });
			res.write(SAMPLE.subarray(0, 2)); // then nothing: the download waits for its time limit
			open.push(res);
		});
		await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', () => r()));
		const slow = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/slow.jpg`;
		const s = await service({ UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_PARALLEL_UPLOADS: '4' }, dir);
		try {
			for (let i = 0; i < 6; i++) await call(s.url, noisy.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_url: slow });
			const until = Date.now() + 10_000;
			while (open.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
			const started = Date.now();
			const r = await call(s.url, calm.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: SAMPLE }));
			expect(r.body.status).toBe('succeeded');
			process.stdout.write(`another client's job while 6 downloads trickle: ${Date.now() - started} ms\n`);
			expect(open.length).toBe(3); // alone, the noisy key took 3 of the 4 slots; its other 3 jobs wait their turn
		} finally {
			open.forEach((res) => res.destroy());
			await new Promise((r) => trickle.close(r));
		}
	});
});
