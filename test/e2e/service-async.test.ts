/**
 * What a flow platform needs from `upscale serve` (issue 29 §1), over real HTTP against the Clipdrop fake: the async
 * request-reply pattern (202 + Location + Retry-After until the job has ended, then 200), the image as base64 in JSON
 * (checked like an upload, every refusal as problem+json before anything is stored or sent), and download_url, a
 * signed link that needs no header (changed, foreign or expired links refused; it survives a restart, stops with its
 * key, and comes in webhooks too).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ClipdropFake } from '../fakes/clipdrop';
import { runCli, tempDir } from '../helpers/cli';
import { gif, jpeg, png } from '../helpers/images';
import { call, createKey, finished, form, Receiver, startService, type ApiAnswer, type Service } from '../helpers/service';

jest.setTimeout(120_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-async-key-0123456789';
const PUBLIC = 'https://upscale.acme.test/api';
const TOO_LARGE = 'The image is larger than 30 MB, the most the vendors accept.';

let cd: ClipdropFake;
const services: Service[] = [];
const secrets: string[] = [CD_KEY];

async function service(env: Record<string, string>, dataDir = tempDir()): Promise<Service> {
	const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, UPSCALE_ALLOW_PRIVATE_URLS: '1', ...env }, dataDir);
	services.push(s);
	return s;
}

async function keyIn(dir: string, name = 'flow') {
	const k = await createKey(dir, name);
	secrets.push(k.key, k.webhook_secret);
	return k;
}

/** A link on UPSCALE_PUBLIC_URL, sent to the server itself (the public name stands for a proxy in front of it). */
const local = (s: Service, url: string) => url.replace(PUBLIC, s.url);
const submits = () => cd.requests.filter((r) => r.route === 'async' || r.route === 'sync').length;

/** GET without any header, as the next step of a flow fetches a link. */
async function fetchBare(url: string): Promise<ApiAnswer> {
	const res = await fetch(url);
	const bytes = Buffer.from(await res.arrayBuffer());
	return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(bytes.toString()) : bytes.toString(), bytes };
}

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 10_000 }, taskDurationMs: 300 });
	await cd.start();
});

afterAll(async () => {
	await Promise.all(services.map((s) => s.kill('SIGKILL')));
	await cd.stop();
	const out = services.map((s) => s.output()).join('\n');
	for (const secret of secrets) expect(out).not.toContain(secret);
});

beforeEach(() => {
	cd.reset();
	cd.opts.taskDurationMs = 300;
});

describe('the async request-reply pattern, as Power Automate and Logic Apps poll', () => {
	let s: Service;
	let key: { key: string };

	beforeAll(async () => {
		const dir = tempDir();
		key = await keyIn(dir);
		s = await service({ UPSCALE_PUBLIC_URL: `${PUBLIC}/` }, dir);
	});

	test('POST: 202, Location on UPSCALE_PUBLIC_URL and Retry-After; Location: 202 + Retry-After while it runs, then 200 with the job', async () => {
		cd.opts.taskDurationMs = 1500;
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect(r.status).toBe(202);
		expect(r.headers.get('location')).toBe(`${PUBLIC}/v1/jobs/${r.body.id}`);
		expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
		expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		// The poller: follow Location while it answers 202.
		const seen: Array<{ status: number; retryAfter: string | null; job: string }> = [];
		let poll: ApiAnswer;
		do {
			poll = await call(local(s, r.headers.get('location')!), key.key, 'GET', '');
			seen.push({ status: poll.status, retryAfter: poll.headers.get('retry-after'), job: poll.body.status });
			if (poll.status === 202) await new Promise((res) => setTimeout(res, 100));
		} while (poll.status === 202);
		const running = seen.slice(0, -1);
		expect(running.length).toBeGreaterThan(0);
		for (const p of running) {
			expect(['queued', 'running']).toContain(p.job);
			expect(Number(p.retryAfter)).toBeGreaterThanOrEqual(1);
			expect(Number(p.retryAfter)).toBeLessThanOrEqual(30);
		}
		expect(seen[seen.length - 1]).toEqual({ status: 200, retryAfter: null, job: 'succeeded' });
		expect(poll.body).toMatchObject({ id: r.body.id, output: { width: 640 }, result_url: `${PUBLIC}/v1/jobs/${r.body.id}/result` });
	});

	test('a failed and a canceled job end the polling too (200), and say so in status', async () => {
		cd.faults.push({ route: 'async', kind: 'fail-task' });
		const failed = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		await finished(s.url, key.key, failed.body.id);
		const f = await call(s.url, key.key, 'GET', `/v1/jobs/${failed.body.id}`);
		expect([f.status, f.headers.get('retry-after'), f.body.status, f.body.error.code]).toEqual([200, null, 'failed', 'TASK_FAILED']);
		cd.opts.taskDurationMs = 20_000;
		const long = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect((await call(s.url, key.key, 'GET', `/v1/jobs/${long.body.id}`)).status).toBe(202);
		await call(s.url, key.key, 'DELETE', `/v1/jobs/${long.body.id}`);
		const c = await call(s.url, key.key, 'GET', `/v1/jobs/${long.body.id}`);
		expect([c.status, c.body.status]).toEqual([200, 'canceled']);
	});

	test('with wait, a job still running when the time is up is a 202 with Retry-After', async () => {
		cd.opts.taskDurationMs = 20_000;
		const r = await call(s.url, key.key, 'POST', '/v1/jobs?wait=1', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect([r.status, r.body.status]).toEqual([202, 'running']);
		const again = await call(s.url, key.key, 'GET', `/v1/jobs/${r.body.id}?wait=1`);
		expect(again.status).toBe(202);
		expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		await call(s.url, key.key, 'DELETE', `/v1/jobs/${r.body.id}`);
	});

	test('without UPSCALE_PUBLIC_URL, Location is relative: never built from the Host header the caller sent', async () => {
		const dir = tempDir();
		const k = await keyIn(dir);
		const plain = await service({}, dir);
		const res = await new Promise<http.IncomingMessage>((done, fail) => {
			const body = JSON.stringify({ provider: 'clipdrop', image_base64: SAMPLE.toString('base64') });
			const req = http.request(`${plain.url}/v1/jobs`, { method: 'POST', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', authorization: `Bearer ${k.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, done);
			req.on('error', fail);
			req.end(body);
		});
		res.resume();
		expect(res.statusCode).toBe(202);
		expect(res.headers.location).toMatch(/^\/v1\/jobs\/job_[0-9a-z]+$/);
	});
});

describe('image_base64 (JSON)', () => {
	let s: Service;
	let dir: string;
	let key: { key: string };
	const inputs = () => readdirSync(join(dir, 'inputs'));

	beforeAll(async () => {
		dir = tempDir();
		key = await keyIn(dir);
		s = await service({}, dir);
	});

	test('plain base64 (with line breaks) and a data: URI upscale as an upload does; the same Idempotency-Key and bytes make one job', async () => {
		const wrapped = SAMPLE.toString('base64').replace(/.{76}/g, '$&\r\n');
		const a = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', scale: 2, image_base64: wrapped, wait: 20 });
		expect([a.status, a.body.status]).toEqual([200, 'succeeded']);
		expect(a.body).toMatchObject({ input: { format: 'jpeg', width: 320, height: 240, bytes: SAMPLE.length, file_name: null, url: null }, output: { width: 640 } });
		expect(JSON.stringify(a.body.options)).not.toContain('image_base64');
		const pic = await png(40, 30);
		const body = { provider: 'clipdrop', width: 80, image_base64: `data:image/png;base64,${pic.toString('base64')}` };
		const [b, c] = await Promise.all([0, 1].map(() => call(s.url, key.key, 'POST', '/v1/jobs', body, { 'idempotency-key': 'b64-once' })));
		expect(b.body.id).toBe(c.body.id);
		expect(await finished(s.url, key.key, b.body.id)).toMatchObject({ status: 'succeeded', input: { format: 'png', width: 40 }, output: { width: 80 } });
		const other = await call(s.url, key.key, 'POST', '/v1/jobs', { ...body, image_base64: (await png(41, 30)).toString('base64') }, { 'idempotency-key': 'b64-once' });
		expect([other.status, other.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
		expect(submits()).toBe(2);
	});

	test('every bad image_base64 is refused as problem+json before anything is stored or sent', async () => {
		const b64 = (bytes: Buffer) => bytes.toString('base64');
		const jpg = b64(await jpeg(40, 30));
		const cases: Array<[string, object | FormData, number, string, string | RegExp]> = [
			['not base64', { image_base64: 'iVBORw0K#GgoAAAA' }, 422, 'INVALID_INPUT', 'image_base64 is not base64: it has "#" at character 9 (base64 uses A-Z, a-z, 0-9, + and / with = at the end).'],
			['padding inside', { image_base64: 'iVBO=Rw0' }, 422, 'INVALID_INPUT', 'image_base64 is not base64: "=" may only close it (one or two at the end).'],
			['cut short', { image_base64: jpg.slice(0, 4 * 20 + 1) }, 422, 'INVALID_INPUT', 'image_base64 is not base64: its length is one character off (was it cut short?).'],
			['empty', { image_base64: '' }, 422, 'INVALID_INPUT', "image_base64 is empty: give the image's bytes in base64, or as a data: URI."],
			['only spaces', { image_base64: ' \r\n ' }, 422, 'INVALID_INPUT', /is empty/],
			['an empty data: URI', { image_base64: 'data:image/png;base64,' }, 422, 'INVALID_INPUT', /is empty/],
			['not a string', { image_base64: 42 }, 422, 'INVALID_OPTIONS', /image_base64 must be a string/],
			['not an image', { image_base64: b64(Buffer.from('hello world, this is not an image at all')) }, 422, 'INVALID_INPUT', 'The file is not a PNG, JPEG or WebP image (its first bytes match none of them).'],
			['a GIF', { image_base64: b64(await gif(20, 20)) }, 422, 'INVALID_INPUT', /GIF, which is not supported/],
			['a data: URI that lies', { image_base64: `data:image/png;base64,${jpg}` }, 422, 'INVALID_INPUT', 'image_base64 says it is image/png (its data: URI) but holds a JPEG image: give the right media type (image/jpeg), or the base64 alone.'],
			['a data: URI of text', { image_base64: `data:text/plain;base64,${jpg}` }, 422, 'INVALID_INPUT', /says it is text\/plain/],
			['a data: URI not in base64', { image_base64: 'data:image/jpeg,%FF%D8%FF' }, 422, 'INVALID_INPUT', /is a data: URI that is not base64-encoded/],
			['a data: URI without a comma', { image_base64: `data:image/jpeg;base64${jpg.slice(0, 20)}` }, 422, 'INVALID_INPUT', /has no comma/],
			['beside image_url', { image_base64: jpg, image_url: 'https://images.example/a.jpg' }, 422, 'INVALID_INPUT', 'Send one image: image_url or image_base64, not both.'],
			['in a multipart request', form({ provider: 'clipdrop', image_base64: jpg.slice(0, 100) }, { bytes: SAMPLE }), 422, 'INVALID_INPUT', 'image_base64 is for JSON requests: in a multipart request, send the file as the field "image".'],
			['over 30 MB once decoded', { image_base64: b64(Buffer.alloc(30 * 1024 * 1024 + 3, 7)) }, 413, 'PAYLOAD_TOO_LARGE', TOO_LARGE],
		];
		for (const [what, body, status, code, detail] of cases) {
			const payload = body instanceof FormData ? body : { provider: 'clipdrop', ...body };
			const r = await call(s.url, key.key, 'POST', '/v1/jobs', payload);
			expect({ what, status: r.status, type: r.headers.get('content-type'), code: r.body.code }).toEqual({ what, status, type: 'application/problem+json; charset=utf-8', code });
			if (typeof detail === 'string') expect({ what, detail: r.body.detail }).toEqual({ what, detail });
			else expect({ what, detail: r.body.detail }).toEqual({ what, detail: expect.stringMatching(detail) });
		}
		expect(submits()).toBe(0);
		expect(inputs()).toEqual([]);
		expect((await call(s.url, key.key, 'GET', '/v1/jobs?limit=100')).body.data.filter((j: { input: { url: string | null; file_name: string | null } }) => !j.input.url && !j.input.file_name)).toHaveLength(2);
	});

	test('a body larger than any 30 MB image needs is refused from its Content-Length, before a byte of it is sent', async () => {
		const answer = await new Promise<{ status: number; body: string }>((done, fail) => {
			const req = http.request(`${s.url}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'content-length': String(60 * 1024 * 1024) } }, (res) => {
				let text = '';
				res.on('data', (c: Buffer) => (text += c.toString()));
				res.on('end', () => done({ status: res.statusCode!, body: text }));
			});
			req.on('error', fail);
			req.flushHeaders();
		});
		expect(answer.status).toBe(413);
		expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: TOO_LARGE });
	});
});

describe('download_url: a signed link that needs no header', () => {
	let s: Service;
	let dir: string;
	let key: { id: string; key: string; webhook_secret: string };
	let job: { id: string; download_url: string; result_expires_at: string };

	beforeAll(async () => {
		dir = tempDir();
		key = await keyIn(dir);
		s = await service({ UPSCALE_PUBLIC_URL: PUBLIC }, dir);
		job = (await call(s.url, key.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE, name: 'cat.jpg' }))).body;
	});

	test('a succeeded job has one, on UPSCALE_PUBLIC_URL, valid until the result is deleted; fetched bare it is the result', async () => {
		const expires = Math.floor(Date.parse(job.result_expires_at) / 1000);
		expect(job.download_url).toMatch(new RegExp(`^${PUBLIC}/v1/jobs/${job.id}/download\\?expires=${expires}&signature=[A-Za-z0-9_-]{43}$`));
		const bare = await fetchBare(local(s, job.download_url));
		const keyed = await call(s.url, key.key, 'GET', `/v1/jobs/${job.id}/result`);
		expect([bare.status, bare.headers.get('content-type'), bare.headers.get('content-disposition')]).toEqual([200, 'image/jpeg', 'attachment; filename="cat-upscaled.jpg"']);
		expect(bare.bytes.equals(keyed.bytes)).toBe(true);
		// The same link every time the job is read; none while a job has no result.
		expect((await call(s.url, key.key, 'GET', `/v1/jobs/${job.id}`)).body.download_url).toBe(job.download_url);
		cd.opts.taskDurationMs = 20_000;
		const running = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		expect(running.body.download_url).toBeNull();
		await call(s.url, key.key, 'DELETE', `/v1/jobs/${running.body.id}`);
	});

	test('a changed, incomplete or foreign link is 403 LINK_INVALID, and says nothing of the job', async () => {
		const other = (await call(s.url, key.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: SAMPLE }))).body;
		const u = new URL(local(s, job.download_url));
		const sig = u.searchParams.get('signature')!;
		const exp = u.searchParams.get('expires')!;
		const flip = (t: string) => t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
		const path = `/v1/jobs/${job.id}/download`;
		const invalid = 'This download link is not valid: it was changed, or was not made by this server. Take download_url again from the job (GET /v1/jobs/{id} with your key).';
		const incomplete = 'This download link is incomplete (it needs both expires and signature, once each): copy the whole download_url of the job.';
		for (const [what, target, detail] of [
			['signature changed', `${path}?expires=${exp}&signature=${flip(sig)}`, invalid],
			['signature padded', `${path}?expires=${exp}&signature=${sig}=`, invalid],
			['expiry moved', `${path}?expires=${Number(exp) + 86_400}&signature=${sig}`, invalid],
			['expiry not a number', `${path}?expires=soon&signature=${sig}`, invalid],
			["another job's signature", `${path}?${new URL(other.download_url).search.slice(1)}`, invalid],
			['a job that does not exist', `/v1/jobs/job_0000000000000000nope/download?expires=${exp}&signature=${sig}`, invalid],
			['no signature', `${path}?expires=${exp}`, incomplete],
			['no query', path, incomplete],
			['expires twice', `${path}?expires=${exp}&expires=${exp}&signature=${sig}`, incomplete],
		]) {
			const r = await fetchBare(`${s.url}${target}`);
			expect({ what, status: r.status, code: r.body.code, detail: r.body.detail }).toEqual({ what, status: 403, code: 'LINK_INVALID', detail });
			expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
		}
		// A key does not make a bad link good, and the link is not a way around the key for the other routes.
		expect((await call(s.url, key.key, 'GET', `${path}?expires=${exp}&signature=${flip(sig)}`)).status).toBe(403);
		expect((await fetchBare(`${s.url}/v1/jobs/${job.id}/result?expires=${exp}&signature=${sig}`)).status).toBe(401);
	});

	test('webhooks carry download_url, and it works', async () => {
		const receiver = await new Receiver().start();
		try {
			const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, webhook_url: receiver.url }, { bytes: SAMPLE }));
			const [hook] = await receiver.waitFor(1);
			const payload = new Webhook(key.webhook_secret).verify(hook.body, hook.headers as Record<string, string>) as { data: { id: string; download_url: string } };
			expect(payload.data.id).toBe(r.body.id);
			expect(payload.data.download_url).toMatch(new RegExp(`^${PUBLIC}/v1/jobs/${r.body.id}/download\\?expires=\\d+&signature=`));
			expect((await fetchBare(local(s, payload.data.download_url))).status).toBe(200);
		} finally {
			await receiver.stop();
		}
	});

	test('links survive a restart (the secret is the data directory’s, private, never printed); a revoked key’s links stop', async () => {
		const secretFile = join(dir, 'link-secret');
		expect(statSync(secretFile).mode & 0o777).toBe(0o600);
		const secret = readFileSync(secretFile, 'utf8').trim();
		await s.kill('SIGTERM');
		s = await service({ UPSCALE_PUBLIC_URL: PUBLIC }, dir);
		expect((await call(s.url, key.key, 'GET', `/v1/jobs/${job.id}`)).body.download_url).toBe(job.download_url);
		expect((await fetchBare(local(s, job.download_url))).status).toBe(200);
		expect(s.output()).not.toContain(secret);
		expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
		const revoked = await runCli(['keys', 'revoke', key.id], { UPSCALE_DATA_DIR: dir });
		expect(revoked.code).toBe(0);
		let r = await fetchBare(local(s, job.download_url));
		for (let i = 0; i < 40 && r.status === 200; i++) {
			await new Promise((res) => setTimeout(res, 100));
			r = await fetchBare(local(s, job.download_url));
		}
		expect([r.status, r.body.code, r.body.detail]).toEqual([403, 'LINK_INVALID', 'This download link no longer works: the client key that made the job was revoked.']);
	});
});

describe('download_url: expiry and the address it is built on', () => {
	test('a link expires with the result (UPSCALE_RETENTION): 410 LINK_EXPIRED', async () => {
		const dir = tempDir();
		const k = await keyIn(dir);
		const s = await service({ UPSCALE_RETENTION: '2s' }, dir);
		const job = (await call(s.url, k.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: SAMPLE }))).body;
		// Without UPSCALE_PUBLIC_URL, on the address the server listens on (127.0.0.1 here).
		expect(job.download_url).toMatch(new RegExp(`^${s.url}/v1/jobs/${job.id}/download\\?`));
		expect((await fetchBare(job.download_url)).status).toBe(200);
		const expires = Number(new URL(job.download_url).searchParams.get('expires'));
		while (Date.now() < expires * 1000 + 200) await new Promise((res) => setTimeout(res, 200));
		const r = await fetchBare(job.download_url);
		expect([r.status, r.body.code, r.body.detail]).toEqual([410, 'LINK_EXPIRED', `This download link expired at ${new Date(expires * 1000).toISOString()}, when the server deleted the result: submit the job again.`]);
	});

	test('listening on every address without UPSCALE_PUBLIC_URL, the server gives no link rather than one nobody can reach', async () => {
		const dir = tempDir();
		const k = await keyIn(dir);
		const s = await service({ HOST: '0.0.0.0' }, dir);
		const job = (await call(s.url.replace('0.0.0.0', '127.0.0.1'), k.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', scale: 2, endpoint: 'sync' }, { bytes: SAMPLE }))).body;
		expect(job).toMatchObject({ status: 'succeeded', download_url: null });
	});
});
