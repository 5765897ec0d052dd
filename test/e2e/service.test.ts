/**
 * `upscale serve` over real HTTP, started as a user starts it, against the vendor fakes: both vendors and the local
 * engine, sync and async, every error as problem+json, idempotency under concurrent identical POSTs, signed
 * webhooks verified with the standardwebhooks library (and retried after a failing receiver), SSRF refusals, key
 * isolation, cancel, retention, and a restart after SIGKILL.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { runCli, tempDir } from '../helpers/cli';
import { dims, gif, jpeg } from '../helpers/images';
import { call, createKey, finished, form, Receiver, startService, type Service } from '../helpers/service';

jest.setTimeout(120_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-service-key-0123456789';
const CD_EMPTY = 'cd-service-key-no-credits-0123';
const CD_REVOKED = 'cd-service-key-revoked-012345';
const XM_TOKEN = 'xm-service-token-0123456789';

let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
let stall: Array<() => void> = [];
const services: Service[] = [];
const secrets: string[] = [CD_KEY, CD_EMPTY, CD_REVOKED, XM_TOKEN];

const vendorEnv = () => ({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, XIMILAR_BASE_URL: xm.url, XIMILAR_API_TOKEN: XM_TOKEN });
const submits = (fake: ClipdropFake | XimilarFake) => fake.requests.filter((r) => r.route === 'async' || r.route === 'sync').length;

async function serviceWith(env: Record<string, string>, dataDir = tempDir()) {
	const s = await startService({ ...vendorEnv(), UPSCALE_ALLOW_PRIVATE_URLS: '1', ...env }, dataDir);
	services.push(s);
	return s;
}

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000, [CD_EMPTY]: 0, [CD_REVOKED]: 100 }, revoked: [CD_REVOKED], taskDurationMs: 300 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 100_000 } }, taskDurationMs: 300 });
	await cd.start();
	await xm.start();
	files = http.createServer((req, res) => {
		if (req.url === '/sample.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE);
		// Sends half the image, then holds the rest until told to go on.
		if (req.url === '/stalled.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(SAMPLE.length) });
			res.write(SAMPLE.subarray(0, 100));
			stall.push(() => res.end(SAMPLE.subarray(100)));
			return;
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await Promise.all(services.map((s) => s.kill('SIGKILL')));
	stall.forEach((f) => f());
	await cd.stop();
	await xm.stop();
	files.close();
	// No vendor key, client key or webhook secret ever reaches the server's output.
	const out = services.map((s) => s.output()).join('\n');
	for (const s of secrets) expect(out).not.toContain(s);
});

beforeEach(() => {
	cd.reset();
	xm.reset();
	cd.opts.taskDurationMs = 300;
});

describe('the job API, both vendors and the local engine', () => {
	let s: Service;
	let key: { id: string; key: string; webhook_secret: string };
	let other: { id: string; key: string; webhook_secret: string };
	let receiver: Receiver;

	beforeAll(async () => {
		const dir = tempDir();
		key = await createKey(dir, 'alice');
		other = await createKey(dir, 'bob');
		secrets.push(key.key, key.webhook_secret, other.key, other.webhook_secret);
		receiver = await new Receiver().start();
		s = await serviceWith({ UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_WEBHOOK_RETRY: '200ms,300ms,300ms' }, dir);
	});
	afterAll(() => receiver.stop());

	test('Clipdrop, multipart upload: 202 with the job, async (a task id), then the image with its type', async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE, name: 'cat.jpg' }));
		expect(r.status).toBe(202);
		expect(r.headers.get('location')).toBe(`/v1/jobs/${r.body.id}`);
		expect(r.body).toMatchObject({ object: 'job', provider: 'clipdrop', status: expect.stringMatching(/queued|running/), input: { format: 'jpeg', width: 320, height: 240, file_name: 'cat.jpg' } });
		const job = await finished(s.url, key.key, r.body.id);
		expect(job).toMatchObject({ status: 'succeeded', execution: 'async', vendor_task_id: expect.any(String), credits: { consumed: 1, remaining: expect.any(Number) }, output: { width: 640, height: 480, content_type: 'image/jpeg' }, error: null });
		expect(submits(cd)).toBe(1);
		const img = await call(s.url, key.key, 'GET', `/v1/jobs/${job.id}/result`);
		expect(img.status).toBe(200);
		expect(img.headers.get('content-type')).toBe('image/jpeg');
		expect(img.headers.get('content-disposition')).toBe('attachment; filename="cat-upscaled.jpg"');
		expect(await dims(img.bytes)).toMatchObject({ width: 640, height: 480 });
	});

	test('Clipdrop on its sync endpoint, with wait: 200 and the finished job in one answer', async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs?wait=20', form({ provider: 'clipdrop', width: 500, endpoint: 'sync' }, { bytes: SAMPLE }));
		expect(r.status).toBe(200);
		expect(r.body).toMatchObject({ status: 'succeeded', execution: 'sync', vendor_task_id: null, output: { width: 500, height: 375 } });
	});

	test('Ximilar from image_url (JSON), async, and on its sync endpoint', async () => {
		const a = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'ximilar', scale: 4, image_url: `${filesUrl}/sample.jpg`, wait: 20 });
		expect(a.status).toBe(200);
		expect(a.body).toMatchObject({ status: 'succeeded', execution: 'async', vendor_task_id: expect.any(String), input: { url: `${filesUrl}/sample.jpg`, width: 320 }, output: { width: 1280, height: 960 } });
		const b = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'ximilar', scale: 2, mode: 'high_fidelity', endpoint: 'sync', image_url: `${filesUrl}/sample.jpg`, wait: 20 });
		expect(b.body).toMatchObject({ status: 'succeeded', execution: 'sync', output: { width: 640 } });
	});

	test('the local engine (fast): no credits, no vendor request', async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'local', scale: 2, fast: true, wait: 20 }, { bytes: await jpeg(64, 48) }));
		expect(r.body).toMatchObject({ status: 'succeeded', provider: 'local', credits: { consumed: 0 }, output: { width: 128, height: 96 } });
		expect(submits(cd) + submits(xm)).toBe(0);
	});

	test('the local engine (best quality): ESRGAN-thick x4; refused with fast mode or beyond 4x', async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'local', scale: 3, best: true, wait: 20 }, { bytes: await jpeg(48, 32) }));
		expect(r.body).toMatchObject({ status: 'succeeded', provider: 'local', output: { width: 144, height: 96 } });
		for (const [extra, message] of [
			[{ fast: true }, 'Choose fast mode or best quality, not both.'],
			[{ scale: 6 }, 'The best-quality model upscales at most 4x (asked: 6.00x); the default model goes up to 8x.'],
		] as const) {
			const bad = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'local', scale: 2, best: true, ...extra }, { bytes: await jpeg(48, 32) }));
			expect([bad.status, bad.body.detail]).toEqual([422, message]);
		}
	});

	test('refusals before anything is stored or spent, each as problem+json with its code', async () => {
		const cases: Array<[string, Promise<{ status: number; body: any; headers: Headers }>, number, string, RegExp]> = [  
			['no key', call(s.url, undefined, 'GET', '/v1/jobs'), 401, 'UNAUTHORIZED', /Authorization: Bearer/],
			['unknown key', call(s.url, 'usk_not-a-key-of-this-server', 'GET', '/v1/jobs'), 401, 'UNAUTHORIZED', /not known/],
			['text body', call(s.url, key.key, 'POST', '/v1/jobs', 'hello', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', /multipart\/form-data/],
			['broken JSON', call(s.url, key.key, 'POST', '/v1/jobs', '{"provider":', { 'content-type': 'application/json' }), 400, 'BAD_REQUEST', /not valid JSON/],
			['scale out of range', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 99 }, { bytes: SAMPLE })), 422, 'INVALID_OPTIONS', /scale must be at most 16/],
			['unknown field', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', colour: 'red' }, { bytes: SAMPLE })), 422, 'INVALID_OPTIONS', /unknown option: colour/],
			['option of another vendor', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'ximilar', strategy: 'detailed' }, { bytes: SAMPLE })), 422, 'INVALID_OPTIONS', /[Ss]trategy/],
			['Ximilar scale 3', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'ximilar', scale: 3 }, { bytes: SAMPLE })), 422, 'INVALID_OPTIONS', /2, 4 or 8/],
			['a GIF', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: await gif(20, 20), name: 'a.gif', type: 'image/gif' })), 422, 'INVALID_INPUT', /GIF/],
			['not an image', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: Buffer.from('hello world, not an image at all'), name: 'a.jpg' })), 422, 'INVALID_INPUT', /not .*image|PNG, JPEG or WebP/i],
			['an empty file', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: Buffer.alloc(0) })), 422, 'INVALID_INPUT', /empty/],
			['no image', call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop' }), 422, 'INVALID_INPUT', /No image/],
			['file and URL', call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', image_url: `${filesUrl}/sample.jpg` }, { bytes: SAMPLE })), 422, 'INVALID_INPUT', /not both/],
			['wait too long', call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', image_url: `${filesUrl}/sample.jpg`, wait: 60 }), 422, 'INVALID_OPTIONS', /wait must be at most 25/],
			['file:// URL', call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'ximilar', image_url: 'file:///etc/passwd' }), 422, 'INVALID_INPUT', /not an http\(s\) URL/],
			['ftp webhook', call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'ximilar', image_url: `${filesUrl}/sample.jpg`, webhook_url: 'ftp://example.com/x' }), 422, 'URL_NOT_ALLOWED', /http\(s\)/],
			['no such job', call(s.url, key.key, 'GET', '/v1/jobs/job_0000000000nope'), 404, 'JOB_NOT_FOUND', /No job/],
			['no such endpoint', call(s.url, key.key, 'GET', '/v1/nothing'), 404, 'ROUTE_NOT_FOUND', /No endpoint GET \/v1\/nothing/],
			['bad list limit', call(s.url, key.key, 'GET', '/v1/jobs?limit=1000'), 422, 'INVALID_OPTIONS', /limit must be a number from 1 to 100/],
		];
		for (const [what, pending, status, code, detail] of cases) {
			const r = await pending;
			expect({ what, status: r.status, type: r.headers.get('content-type'), code: r.body.code }).toEqual({ what, status, type: 'application/problem+json; charset=utf-8', code });
			expect(r.body).toMatchObject({ type: expect.stringContaining('#'), title: expect.any(String), status, detail: expect.stringMatching(detail) });
		}
		expect((await call(s.url, undefined, 'GET', '/v1/jobs')).headers.get('www-authenticate')).toBe('Bearer');
		expect(submits(cd) + submits(xm)).toBe(0);
		expect(readdirSync(join(s.dataDir, 'inputs'))).toEqual([]);
	});

	test('an upload over 30 MB is cut off and refused with 413', async () => {
		const big = Buffer.alloc(31 * 1024 * 1024, 1);
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: big }));
		expect(r.status).toBe(413);
		expect(r.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: 'The image is larger than 30 MB, the most the vendors accept.' });
		expect(readdirSync(join(s.dataDir, 'inputs'))).toEqual([]);
	});

	test('a JSON job body larger than a 30 MB image in base64 needs is refused with 413 (other JSON bodies: over 1 MB)', async () => {
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', { provider: 'clipdrop', image_url: `${filesUrl}/sample.jpg`, padding: 'x'.repeat(46 * 1024 * 1024) });
		expect(r.status).toBe(413);
		expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
		expect(r.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The image is larger than 30 MB, the most the vendors accept.' });
		const hook = await call(s.url, key.key, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/x', padding: 'x'.repeat(1024 * 1024) });
		expect([hook.status, hook.body.detail]).toEqual([413, 'The JSON body is larger than 1 MB.']);
		expect(submits(cd) + submits(xm)).toBe(0);
	});

	test('Idempotency-Key: 10 identical POSTs at once make one job and one vendor submit; another body with the key is refused', async () => {
		const post = () => call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }), { 'idempotency-key': 'order-4711' });
		const answers = await Promise.all(Array.from({ length: 10 }, post));
		const ids = new Set(answers.map((a) => a.body.id));
		expect(ids.size).toBe(1);
		expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
		await finished(s.url, key.key, answers[0].body.id);
		expect(submits(cd)).toBe(1);
		const again = await post();
		expect(again.body).toMatchObject({ id: answers[0].body.id, status: 'succeeded' });
		const changed = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 3 }, { bytes: SAMPLE }), { 'idempotency-key': 'order-4711' });
		expect(changed.status).toBe(422);
		expect(changed.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', job_id: answers[0].body.id });
		// The same key of another client is another key.
		const bobs = await call(s.url, other.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 3 }, { bytes: SAMPLE }), { 'idempotency-key': 'order-4711' });
		expect(bobs.status).toBe(202);
		expect(bobs.body.id).not.toBe(answers[0].body.id);
		await finished(s.url, other.key, bobs.body.id);
	});

	test('webhooks: signed (verified with standardwebhooks), retried after a failing receiver with the same id, every attempt recorded', async () => {
		receiver.received.length = 0;
		receiver.statuses = [500, 503];
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, webhook_url: receiver.url }, { bytes: SAMPLE }));
		const got = await receiver.waitFor(3);
		const ids = new Set(got.map((g) => g.headers['webhook-id']));
		expect(ids.size).toBe(1);
		const payload = new Webhook(key.webhook_secret).verify(got[2].body, got[2].headers as Record<string, string>) as { type: string; data: { id: string; status: string; result_url: string } };
		expect(payload).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id, status: 'succeeded', result_url: `${s.url}/v1/jobs/${r.body.id}/result` } });
		expect(() => new Webhook(other.webhook_secret).verify(got[2].body, got[2].headers as Record<string, string>)).toThrow();
		await new Promise((res) => setTimeout(res, 300));
		const job = (await call(s.url, key.key, 'GET', `/v1/jobs/${r.body.id}`)).body;
		expect(job.webhook).toMatchObject({ url: receiver.url, id: [...ids][0], status: 'delivered', next_attempt_at: null });
		expect(job.webhook.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 503, 200]);
	});

	test('a failed vendor task: the job fails with its code and message, and job.failed is sent', async () => {
		receiver.received.length = 0;
		receiver.statuses = [];
		cd.faults.push({ route: 'async', kind: 'fail-task' });
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, webhook_url: receiver.url }, { bytes: SAMPLE }));
		const job = await finished(s.url, key.key, r.body.id);
		expect(job).toMatchObject({ status: 'failed', error: { code: 'TASK_FAILED', nothing_charged: false }, result_url: null });
		const [hook] = await receiver.waitFor(1);
		expect(new Webhook(key.webhook_secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ type: 'job.failed', data: { id: r.body.id, error: { code: 'TASK_FAILED' } } });
		const res = await call(s.url, key.key, 'GET', `/v1/jobs/${r.body.id}/result`);
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ code: 'RESULT_NOT_READY', detail: expect.stringMatching(/^No result: the job failed/) });
	});

	test("keys are isolated: another client's job does not exist for it", async () => {
		const mine = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, wait: 20 }, { bytes: SAMPLE }));
		for (const [method, path] of [['GET', `/v1/jobs/${mine.body.id}`], ['GET', `/v1/jobs/${mine.body.id}/result`], ['DELETE', `/v1/jobs/${mine.body.id}`]]) {
			const r = await call(s.url, other.key, method, path);
			expect([path, r.status, r.body.code]).toEqual([path, 404, 'JOB_NOT_FOUND']);
		}
		const list = await call(s.url, other.key, 'GET', '/v1/jobs?limit=100');
		expect(list.body.data.map((j: { id: string }) => j.id)).not.toContain(mine.body.id);
	});

	test('cancel: a running job the vendor has (it may charge), and a finished one (409)', async () => {
		cd.opts.taskDurationMs = 20_000;
		const r = await call(s.url, key.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
		for (let i = 0; i < 100 && !(await call(s.url, key.key, 'GET', `/v1/jobs/${r.body.id}`)).body.vendor_task_id; i++) await new Promise((res) => setTimeout(res, 50));
		const c = await call(s.url, key.key, 'DELETE', `/v1/jobs/${r.body.id}`);
		expect(c.status).toBe(200);
		expect(c.body).toMatchObject({ status: 'canceled', cancel: { vendor_may_charge: true, message: expect.stringMatching(/Clipdrop already had the job \(task .+\) and may still charge/) } });
		const again = await call(s.url, key.key, 'DELETE', `/v1/jobs/${r.body.id}`);
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ code: 'ALREADY_FINISHED', detail: 'The job has already been canceled: there is nothing to cancel.' });
	});

	test('the list: newest first, paged with next_cursor, filtered by status', async () => {
		const p1 = await call(s.url, key.key, 'GET', '/v1/jobs?limit=2');
		expect(p1.body.data).toHaveLength(2);
		const p2 = await call(s.url, key.key, 'GET', `/v1/jobs?limit=2&cursor=${p1.body.next_cursor}`);
		const all = await call(s.url, key.key, 'GET', '/v1/jobs?limit=100');
		expect([...p1.body.data, ...p2.body.data].map((j: { id: string }) => j.id)).toEqual(all.body.data.slice(0, 4).map((j: { id: string }) => j.id));
		const created = all.body.data.map((j: { created_at: string }) => j.created_at);
		expect(created).toEqual([...created].sort().reverse());
		const failed = await call(s.url, key.key, 'GET', '/v1/jobs?status=failed');
		expect(failed.body.data.length).toBeGreaterThan(0);
		expect(failed.body.data.every((j: { status: string }) => j.status === 'failed')).toBe(true);
	});

	test('credits, health, readiness, metrics, the OpenAPI document and its docs page', async () => {
		const credits = await call(s.url, key.key, 'GET', '/v1/credits');
		expect(credits.body.providers).toEqual([
			expect.objectContaining({ provider: 'clipdrop', source: 'last_job', remaining: expect.any(Number) }),
			expect.objectContaining({ provider: 'ximilar', source: 'account', remaining: expect.any(Number) }),
			expect.objectContaining({ provider: 'local', source: 'free' }),
		]);
		expect((await call(s.url, undefined, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
		expect((await call(s.url, undefined, 'GET', '/readyz')).body).toMatchObject({ status: 'ready', providers: ['clipdrop', 'ximilar', 'local'] });
		const metrics = (await call(s.url, undefined, 'GET', '/metrics')).body as string;
		expect(metrics).toMatch(/upscale_jobs\{state="succeeded"\} [1-9]/);
		expect(metrics).toMatch(/upscale_vendor_requests_total\{provider="clipdrop"\} [1-9]/);
		expect(metrics).toContain('upscale_queue_depth 0');
		const doc = (await call(s.url, undefined, 'GET', '/openapi.json')).body;
		expect(Object.keys(doc.components.schemas.JobRequest.properties)).toEqual(expect.arrayContaining(['provider', 'scale', 'width', 'strategy', 'mode', 'model', 'format', 'quality', 'tune_colors', 'fast', 'endpoint', 'image_url', 'webhook_url', 'wait']));
		expect(doc.components.schemas.JobRequest.properties.scale).toMatchObject({ type: 'number', maximum: 16 });
		expect(doc.paths['/v1/jobs'].post.responses).toHaveProperty('429');
		const docs = await call(s.url, undefined, 'GET', '/docs/');
		expect(docs.status).toBe(200);
		expect(docs.body).toContain('swagger-ui');
	});
});

describe('limits and private addresses', () => {
	test('URLs into private networks are refused unless allowed; another provider is not offered', async () => {
		const dir = tempDir();
		const k = await createKey(dir);
		secrets.push(k.key, k.webhook_secret);
		const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY }, dir);
		services.push(s);
		for (const [field, url, detail] of [
			['image_url', `${filesUrl}/sample.jpg`, /points to 127\.0\.0\.1, a private or loopback address/],
			['image_url', 'http://10.1.2.3/a.jpg', /10\.1\.2\.3, a private/],
			['image_url', 'http://[::1]/a.jpg', /::1, a private/],
			['image_url', 'http://localhost/a.jpg', /localhost resolves to (127\.0\.0\.1|::1), a private/],
			['webhook_url', 'http://169.254.169.254/latest', /169\.254\.169\.254, a private/],
		] as const) {
			const body = { provider: 'clipdrop', image_url: `https://images.example/a.jpg`, [field]: url };
			const r = await call(s.url, k.key, 'POST', '/v1/jobs', field === 'webhook_url' ? form({ provider: 'clipdrop', webhook_url: url }, { bytes: SAMPLE }) : body);
			expect([url, r.status, r.body.code]).toEqual([url, 422, 'URL_NOT_ALLOWED']);
			expect(r.body.detail).toMatch(detail);
			expect(r.body.detail).toContain('UPSCALE_ALLOW_PRIVATE_URLS=1');
		}
		const x = await call(s.url, k.key, 'POST', '/v1/jobs', form({ provider: 'ximilar' }, { bytes: SAMPLE }));
		expect(x.status).toBe(422);
		expect(x.body).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', detail: 'Ximilar is not set up on this server; it offers clipdrop.' });
		expect((await call(s.url, k.key, 'GET', '/v1/jobs')).body.data).toEqual([]);
		expect(submits(cd)).toBe(0);
	});

	test('queue limits answer 429 with Retry-After; a queued job is canceled with nothing charged', async () => {
		cd.opts.taskDurationMs = 4000;
		const s = await serviceWith({ UPSCALE_API_KEYS: 'env-client-key-0123456789', UPSCALE_CONCURRENCY: '1', UPSCALE_MAX_JOBS_PER_KEY: '2' });
		secrets.push('env-client-key-0123456789');
		const key = 'env-client-key-0123456789';
		const a = await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: SAMPLE }));
		const b = await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: SAMPLE }));
		expect(b.body).toMatchObject({ status: 'queued', progress: { stage: 'queued', queue_position: 0 } });
		const c = await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: SAMPLE }));
		expect(c.status).toBe(429);
		expect(Number(c.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(c.body).toMatchObject({ code: 'TOO_MANY_JOBS', detail: expect.stringMatching(/already has 2 jobs queued or running \(at most 2\)/) });
		const canceled = await call(s.url, key, 'DELETE', `/v1/jobs/${b.body.id}`);
		expect(canceled.body).toMatchObject({ status: 'canceled', cancel: { vendor_may_charge: false, message: 'Canceled before anything was sent: nothing was charged.' } });
		// An env key has no webhook secret unless UPSCALE_WEBHOOK_SECRET is set.
		const hook = await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', webhook_url: 'http://127.0.0.1:9/x' }, { bytes: SAMPLE }));
		expect(hook.body).toMatchObject({ code: 'INVALID_OPTIONS', detail: expect.stringMatching(/UPSCALE_WEBHOOK_SECRET/) });
		await finished(s.url, key, a.body.id);
		expect(submits(cd)).toBe(1);
	});

	test('jobs are sent a few at a time (UPSCALE_PARALLEL_UPLOADS), in order; the rest wait in line with their position', async () => {
		const s = await serviceWith({ UPSCALE_API_KEYS: 'env-client-key-0123456789', UPSCALE_PARALLEL_UPLOADS: '2' });
		const key = 'env-client-key-0123456789';
		// Each submit takes 800 ms to be answered: the time a slow uplink needs for a big image.
		cd.faults.push({ route: 'async', kind: 'slow', delayMs: 800, times: 6 });
		const ids: string[] = [];
		for (let i = 0; i < 6; i++) ids.push((await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }))).body.id);
		const last = await call(s.url, key, 'GET', `/v1/jobs/${ids[5]}`);
		expect(last.body).toMatchObject({ status: 'queued', progress: { stage: 'queued', queue_position: 3 } });
		const jobs = await Promise.all(ids.map((id) => finished(s.url, key, id)));
		expect(jobs.map((j) => j.status)).toEqual(Array(6).fill('succeeded'));
		const sent = cd.requests.filter((r) => r.route === 'async').map((r) => r.at);
		expect(sent).toHaveLength(6);
		// Two at a time: the third submit leaves only once one of the first two has its task id.
		for (let i = 2; i < 6; i++) expect(sent[i] - sent[i - 2]).toBeGreaterThanOrEqual(750);
		const started = jobs.map((j) => Date.parse(j.started_at));
		expect(started).toEqual([...started].sort((a, b) => a - b));
	});

	test('a job the vendor refuses for the key or the balance fails with the code and a message that names no key', async () => {
		for (const [vendorKey, code, detail] of [
			[CD_EMPTY, 'NO_CREDITS', /credits/i],
			[CD_REVOKED, 'AUTH', /Clipdrop .*(key|refused)/i],
		] as const) {
			const s = await serviceWith({ UPSCALE_API_KEYS: 'env-client-key-0123456789', CLIPDROP_API_KEY: vendorKey });
			const r = await call(s.url, 'env-client-key-0123456789', 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2 }, { bytes: SAMPLE }));
			expect(r.status).toBe(202);
			const job = await finished(s.url, 'env-client-key-0123456789', r.body.id);
			expect(job).toMatchObject({ status: 'failed', error: { code, message: expect.stringMatching(detail) }, result_url: null });
			expect(job.error.message).not.toContain(vendorKey);
			expect(JSON.stringify(job)).not.toContain(vendorKey);
		}
	});

	test('readiness answers 503 with the reason once the last client key is revoked; the revoked key gets 401', async () => {
		const dir = tempDir();
		const k = await createKey(dir, 'only');
		secrets.push(k.key, k.webhook_secret);
		const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY }, dir);
		services.push(s);
		expect((await call(s.url, undefined, 'GET', '/readyz')).status).toBe(200);
		const revoke = await runCli(['keys', 'revoke', k.id], { UPSCALE_DATA_DIR: dir });
		expect(revoke.code).toBe(0);
		let ready = await call(s.url, undefined, 'GET', '/readyz');
		for (let i = 0; i < 40 && ready.status === 200; i++) {
			await new Promise((res) => setTimeout(res, 100));
			ready = await call(s.url, undefined, 'GET', '/readyz');
		}
		expect(ready.status).toBe(503);
		expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
		expect(ready.body).toMatchObject({ code: 'NOT_READY', detail: 'Not ready: no client key: run `upscale keys create` or set UPSCALE_API_KEYS.' });
		const refused = await call(s.url, k.key, 'GET', '/v1/jobs');
		expect(refused.status).toBe(401);
		expect(refused.body).toMatchObject({ code: 'UNAUTHORIZED' });
	});

	test('retention: the result is deleted after it and answers 410', async () => {
		const s = await serviceWith({ UPSCALE_API_KEYS: 'env-client-key-0123456789', UPSCALE_RETENTION: '2s' });
		const key = 'env-client-key-0123456789';
		const r = await call(s.url, key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', wait: 20 }, { bytes: SAMPLE }));
		expect((await call(s.url, key, 'GET', `/v1/jobs/${r.body.id}/result`)).status).toBe(200);
		expect(readdirSync(join(s.dataDir, 'results'))).toHaveLength(1);
		await new Promise((res) => setTimeout(res, 3500));
		const gone = await call(s.url, key, 'GET', `/v1/jobs/${r.body.id}/result`);
		expect(gone.status).toBe(410);
		expect(gone.body).toMatchObject({ code: 'RESULT_GONE' });
		expect(readdirSync(join(s.dataDir, 'results'))).toEqual([]);
		expect((await call(s.url, key, 'GET', `/v1/jobs/${r.body.id}`)).body).toMatchObject({ status: 'succeeded', result_url: null });
	});
});

describe('no lost work', () => {
	test('SIGKILL after the vendor has the task: the restart finishes it with one submit and sends its webhook', async () => {
		const dir = tempDir();
		const k = await createKey(dir);
		secrets.push(k.key, k.webhook_secret);
		const receiver = await new Receiver().start();
		cd.opts.taskDurationMs = 3000;
		const first = await serviceWith({}, dir);
		const r = await call(first.url, k.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, webhook_url: receiver.url }, { bytes: SAMPLE }));
		let taskId: string | null = null;
		for (let i = 0; i < 100 && !taskId; i++) {
			taskId = (await call(first.url, k.key, 'GET', `/v1/jobs/${r.body.id}`)).body.vendor_task_id;
			if (!taskId) await new Promise((res) => setTimeout(res, 30));
		}
		expect(taskId).toEqual(expect.any(String));
		await first.kill('SIGKILL');
		// The killed server's hold on its database (SQLite's lock directory) is left behind; the next server owns
		// the data directory (serve.lock) and clears it.
		expect(existsSync(join(dir, 'jobs.db.lock'))).toBe(true);
		const second = await serviceWith({}, dir);
		const job = await finished(second.url, k.key, r.body.id);
		expect(job).toMatchObject({ status: 'succeeded', vendor_task_id: taskId, output: { width: 640 } });
		expect(submits(cd)).toBe(1);
		const [hook] = await receiver.waitFor(1);
		expect(new Webhook(k.webhook_secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id } });
		expect(second.output()).toMatch(/"resumed":1/);
		await second.kill();
		await receiver.stop();
	});

	test('SIGKILL before the job was sent: failed on restart, saying nothing was charged; queued jobs run', async () => {
		const dir = tempDir();
		const k = await createKey(dir);
		secrets.push(k.key, k.webhook_secret);
		const first = await serviceWith({ UPSCALE_CONCURRENCY: '1' }, dir);
		stall = [];
		const caught = await call(first.url, k.key, 'POST', '/v1/jobs', { provider: 'clipdrop', image_url: `${filesUrl}/stalled.jpg` });
		const queued = await call(first.url, k.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop' }, { bytes: SAMPLE }));
		for (let i = 0; i < 100 && !stall.length; i++) await new Promise((res) => setTimeout(res, 30));
		expect((await call(first.url, k.key, 'GET', `/v1/jobs/${caught.body.id}`)).body.status).toBe('running');
		await first.kill('SIGKILL');
		const second = await serviceWith({}, dir);
		const failed = await finished(second.url, k.key, caught.body.id);
		expect(failed).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', nothing_charged: true, message: 'The server stopped before the job was sent to Clipdrop: nothing was charged. Submit it again.' } });
		expect(await finished(second.url, k.key, queued.body.id)).toMatchObject({ status: 'succeeded' });
		expect(submits(cd)).toBe(1);
		expect(existsSync(join(dir, 'inputs', caught.body.id))).toBe(false);
		await second.kill();
	});

	test('a second server on the same data directory is refused', async () => {
		const dir = tempDir();
		await createKey(dir);
		const s = await serviceWith({}, dir);
		await expect(startService({ ...vendorEnv() }, dir)).rejects.toThrow(/Another upscale serve \(pid \d+\) is using the data directory/);
		expect(await s.kill('SIGTERM')).toBe(0);
	});

	test('without a client key the server does not start, and says how to make one', async () => {
		await expect(startService({ ...vendorEnv() })).rejects.toThrow(/no client key can call this server: run `upscale keys create`/);
		const r = await runCli(['keys', 'list'], { UPSCALE_DATA_DIR: tempDir() });
		expect(r.stdout).toMatch(/No client keys in .*: create one with `upscale keys create`/);
	});
});
