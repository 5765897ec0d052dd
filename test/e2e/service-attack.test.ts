/**
 * The job service's newest surface attacked from outside, over HTTP, as a hostile or merely odd client would
 * (`upscale serve` as a user starts it, against the strict Clipdrop fake). Each test here is one problem found: what
 * the client should see. Fine behaviour found on the way is covered by service-async and service-webhooks.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';
import { ClipdropFake } from '../fakes/clipdrop';
import { tempDir } from '../helpers/cli';
import { call, createKey, finished, Receiver, startService, type Service } from '../helpers/service';

jest.setTimeout(120_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-attack-key-0123456789abcdef';
type Key = { id: string; key: string; webhook_secret: string };

let cd: ClipdropFake;
const services: Service[] = [];
const secrets: string[] = [CD_KEY];

async function serve(env: Record<string, string> = {}): Promise<{ s: Service; key: Key }> {
	const dir = tempDir();
	const key = await createKey(dir, 'attacker');
	secrets.push(key.key, key.webhook_secret);
	const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, ...env }, dir);
	services.push(s);
	return { s, key };
}

/** A JSON POST /v1/jobs with an exact Content-Length (the body may end in JSON whitespace to make it large). */
function postJson(base: string, key: string, body: string, query = ''): Promise<{ status: number; body: any }> {
	return new Promise((done, fail) => {
		const req = http.request(`${base}/v1/jobs${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
		});
		req.on('error', fail);
		req.end(body);
	});
}

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 100_000 }, taskDurationMs: 300, rateLimit: false });
	await cd.start();
});

afterAll(async () => {
	const out = services.map((s) => s.output()).join('\n');
	await Promise.all(services.map((s) => s.kill('SIGKILL')));
	await cd.stop();
	for (const secret of secrets) expect(out).not.toContain(secret);
});

beforeEach(() => {
	cd.reset();
	cd.opts.taskDurationMs = 300;
});

describe('image_base64', () => {
	test('a data: URI of application/octet-stream (what a platform calls a file whose type it does not know) is taken, as a multipart upload of that type is', async () => {
		const { s, key } = await serve();
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_base64: `data:application/octet-stream;base64,${SAMPLE.toString('base64')}` });
		// Before the fix: 422 "image_base64 says it is application/octet-stream (its data: URI) but holds a JPEG image", while
		// `data:;base64,` (which RFC 2397 reads as text/plain) and a multipart part typed application/octet-stream pass.
		expect({ status: r.status, detail: r.body.detail }).toEqual({ status: 202, detail: undefined });
		expect(await finished(s.url, key.key, r.body.id)).toMatchObject({ status: 'succeeded', input: { format: 'jpeg', width: 320 } });
	});
});

describe('the JSON body budget', () => {
	test('two large JSON jobs waiting for their result (wait=25) do not hold back a third job: the budget is for reading bodies, not for waiting', async () => {
		const { s, key } = await serve();
		cd.opts.taskDurationMs = 60_000;
		const job = JSON.stringify({ provider: 'clipdrop', scale: 2, image_base64: SAMPLE.toString('base64') });
		// Two bodies near the largest a 30 MB image needs (JSON whitespace after the object), and a 2 MB one.
		const large = job + ' '.repeat(45_000_000 - job.length);
		const settled: string[] = [];
		const first = postJson(s.url, key.key, large, '?wait=25').then((r) => (settled.push('first'), r));
		const second = postJson(s.url, key.key, large, '?wait=25').then((r) => (settled.push('second'), r));
		// Both bodies are read and both jobs stored: what remains is the wait.
		let listed: Array<{ id: string }> = [];
		while (listed.length < 2) {
			await new Promise((r) => setTimeout(r, 100));
			listed = (await call(s.url, key.key, 'GET', '/v1/jobs?limit=10')).body.data;
		}
		const third = await postJson(s.url, key.key, job + ' '.repeat(2_000_000));
		// Before the fix, the third body is left unread until one of the first two has finished waiting (25 s here).
		expect({ status: third.status, answeredBefore: [...settled] }).toEqual({ status: 202, answeredBefore: [] });
		for (const j of [...listed, third.body]) await call(s.url, key.key, 'DELETE', `/v1/jobs/${j.id}`);
		await Promise.all([first, second]);
	});

	test('a body too large for any image is refused from its Content-Length before the client is told to send it (Expect: 100-continue)', async () => {
		const { s, key } = await serve();
		const u = new URL(s.url);
		const firstLine = await new Promise<string>((done, fail) => {
			const socket = net.connect(Number(u.port), u.hostname);
			let got = '';
			socket.on('data', (b: Buffer) => {
				got += b.toString();
				if (got.includes('\r\n')) {
					socket.destroy();
					done(got.slice(0, got.indexOf('\r\n')));
				}
			});
			socket.on('error', fail);
			socket.write(`POST /v1/jobs HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${key.key}\r\nContent-Type: application/json\r\nContent-Length: ${60 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`);
		});
		// Before the fix: "HTTP/1.1 100 Continue" (Node answers it before any route runs), so curl sends the 60 MB, then gets 413.
		expect(firstLine).toBe('HTTP/1.1 413 Payload Too Large');
	});
});

describe('webhook subscriptions', () => {
	test('one subscription per URL: a #fragment (never sent in a request) does not make another URL', async () => {
		const { s, key } = await serve({ UPSCALE_ALLOW_PRIVATE_URLS: '1' });
		const receiver = await new Receiver().start();
		try {
			const first = await call(s.url, key.key, 'POST', '/v1/webhooks', { url: receiver.url });
			expect(first.status).toBe(201);
			secrets.push(first.body.secret);
			const again = await call(s.url, key.key, 'POST', '/v1/webhooks', { url: `${receiver.url}#again` });
			if (again.body.secret) secrets.push(again.body.secret);
			// Before the fix: 201, and every job of the key is POSTed twice to the same receiver, signed with two secrets.
			expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'WEBHOOK_EXISTS' });
			expect((await call(s.url, key.key, 'GET', '/v1/webhooks')).body.data).toHaveLength(1);
		} finally {
			await receiver.stop();
		}
	});

	test('the Location of a created subscription is a resource the key can read', async () => {
		const { s, key } = await serve();
		const r = await call(s.url, key.key, 'POST', '/v1/webhooks', { url: 'https://8.8.8.8/hooks/upscale' });
		secrets.push(r.body.secret);
		expect([r.status, r.headers.get('location')]).toEqual([201, `/v1/webhooks/${r.body.id}`]);
		const read = await call(s.url, key.key, 'GET', r.headers.get('location')!);
		// Before the fix: 404 ROUTE_NOT_FOUND "No endpoint GET /v1/webhooks/whk_…: see /docs." (there is no such route).
		expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: { id: r.body.id, object: 'webhook_subscription', url: 'https://8.8.8.8/hooks/upscale', events: ['job.succeeded', 'job.failed'], created_at: r.body.created_at } });
	});
});

describe('download_url', () => {
	test('a link with a very long query (a pasted link gone wrong) is refused as problem+json like every other refusal', async () => {
		const { s } = await serve();
		const res = await fetch(`${s.url}/v1/jobs/job_0000000000000000nope/download?expires=1&signature=${'A'.repeat(20_000)}`);
		const body = await res.text();
		// Before the fix: 431 with Fastify's own {"error":"Request Header Fields Too Large",…} as application/json.
		expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: 431, type: expect.stringMatching(/^application\/problem\+json/) });
		expect(JSON.parse(body)).toMatchObject({ status: 431, code: expect.any(String), detail: expect.any(String) });
	});
});
