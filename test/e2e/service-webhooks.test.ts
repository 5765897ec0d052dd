/**
 * Webhook subscriptions (REST hooks) over real HTTP, `upscale serve` started as a user starts it, against the strict
 * Clipdrop fake: subscribe, list (no secrets), unsubscribe; every job of the key that ends is POSTed to each
 * subscription taking its event, signed with that subscription's secret (verified with standardwebhooks); keys
 * isolated; every refusal a client can meet (events, url, duplicates, the cap, private addresses) with its message; a
 * subscriber that is down (retried, then given up, logged without secrets); a revoked key's subscriptions stop; a
 * restart keeps them; and a fleet (REDIS_URL: an API instance takes the subscription, a worker delivers).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { ClipdropFake } from '../fakes/clipdrop';
import { runCli, tempDir } from '../helpers/cli';
import { startRedis } from '../helpers/redis';
import { call, createKey, finished, form, Receiver, startService, startWorker, type Service } from '../helpers/service';

jest.setTimeout(120_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-hooks-key-0123456789abcdef';
type Key = { id: string; key: string; webhook_secret: string };

let cd: ClipdropFake;
const services: Array<{ kill(signal?: NodeJS.Signals): Promise<number | null>; output(): string }> = [];
const secrets: string[] = [CD_KEY];
const receivers: Receiver[] = [];

async function serve(env: Record<string, string>, dir = tempDir()): Promise<Service> {
	const s = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, UPSCALE_WEBHOOK_RETRY: '200ms,300ms', ...env }, dir);
	services.push(s);
	return s;
}

async function receiver(): Promise<Receiver> {
	const r = await new Receiver().start();
	receivers.push(r);
	return r;
}

async function key(dir: string, name: string): Promise<Key> {
	const k = await createKey(dir, name);
	secrets.push(k.key, k.webhook_secret);
	return k;
}

async function subscribe(s: Service, k: Key, body: object): Promise<{ id: string; secret: string; url: string; events: string[] }> {
	const r = await call(s.url, k.key, 'POST', '/v1/webhooks', body);
	expect(r.status).toBe(201);
	secrets.push(r.body.secret);
	return r.body;
}

const job = (s: Service, k: Key, fields: Record<string, string | number> = {}) => call(s.url, k.key, 'POST', '/v1/jobs', form({ provider: 'clipdrop', scale: 2, ...fields }, { bytes: SAMPLE }));
const verify = (secret: string, got: { body: string; headers: Record<string, unknown> }) => new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: { id: string; status: string } };

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 100_000 }, taskDurationMs: 200 });
	await cd.start();
});

afterAll(async () => {
	const out = services.map((s) => s.output()).join('\n');
	await Promise.all(services.map((s) => s.kill('SIGKILL')));
	await Promise.all(receivers.map((r) => r.stop()));
	await cd.stop();
	// No vendor key, client key, webhook secret or subscription secret ever reaches the server's output.
	for (const secret of secrets) expect(out).not.toContain(secret);
});

describe('one server', () => {
	let s: Service;
	let dir: string;
	let alice: Key;
	let bob: Key;

	beforeAll(async () => {
		dir = tempDir();
		alice = await key(dir, 'alice');
		bob = await key(dir, 'bob');
		s = await serve({ UPSCALE_ALLOW_PRIVATE_URLS: '1' }, dir);
	});

	afterEach(async () => {
		for (const k of [alice, bob]) for (const w of (await call(s.url, k.key, 'GET', '/v1/webhooks')).body.data) await call(s.url, k.key, 'DELETE', `/v1/webhooks/${w.id}`);
	});

	test('subscribe: 201 with its secret once; the list has no secrets; another key neither sees nor deletes it', async () => {
		const hook = await receiver();
		const r = await call(s.url, alice.key, 'POST', '/v1/webhooks', { url: hook.url });
		expect(r.status).toBe(201);
		expect(r.body).toEqual({ id: expect.stringMatching(/^whk_[0-9a-z]+$/), object: 'webhook_subscription', url: hook.url, events: ['job.succeeded', 'job.failed'], secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{32,}$/), created_at: expect.any(String) });
		expect(r.headers.get('location')).toBe(`/v1/webhooks/${r.body.id}`);
		secrets.push(r.body.secret);
		const list = await call(s.url, alice.key, 'GET', '/v1/webhooks');
		expect(list.body).toEqual({ object: 'list', data: [{ id: r.body.id, object: 'webhook_subscription', url: hook.url, events: ['job.succeeded', 'job.failed'], created_at: r.body.created_at }] });
		expect(list.bytes.toString()).not.toContain(r.body.secret);
		expect((await call(s.url, bob.key, 'GET', '/v1/webhooks')).body.data).toEqual([]);
		const stranger = await call(s.url, bob.key, 'DELETE', `/v1/webhooks/${r.body.id}`);
		expect(stranger.status).toBe(404);
		expect(stranger.body).toMatchObject({ code: 'WEBHOOK_NOT_FOUND', detail: `No webhook subscription ${r.body.id} for this key.` });
		expect((await call(s.url, alice.key, 'GET', '/v1/webhooks')).body.data).toHaveLength(1);
		const del = await call(s.url, alice.key, 'DELETE', `/v1/webhooks/${r.body.id}`);
		expect(del.status).toBe(204);
		expect((await call(s.url, alice.key, 'DELETE', `/v1/webhooks/${r.body.id}`)).status).toBe(404);
		expect((await call(s.url, undefined, 'GET', '/v1/webhooks')).status).toBe(401);
	});

	test("every job of the key that ends goes to each subscription, signed with that subscription's secret; the job's webhook_url still gets its own", async () => {
		const [one, two, own, bobs] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
		const a = await subscribe(s, alice, { url: one.url });
		const b = await subscribe(s, alice, { url: two.url, events: ['job.succeeded'] });
		await subscribe(s, bob, { url: bobs.url });
		const r = await job(s, alice, { webhook_url: own.url });
		const done = await finished(s.url, alice.key, r.body.id);
		const [[toOne], [toTwo], [toOwn]] = await Promise.all([one.waitFor(1), two.waitFor(1), own.waitFor(1)]);
		expect(verify(a.secret, toOne)).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id, status: 'succeeded' } });
		expect(verify(b.secret, toTwo)).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id } });
		expect(verify(alice.webhook_secret, toOwn)).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id } });
		// Each is signed with its own secret only, and has its own webhook-id.
		expect(() => verify(b.secret, toOne)).toThrow();
		expect(() => verify(alice.webhook_secret, toOne)).toThrow();
		expect(new Set([toOne, toTwo, toOwn].map((g) => g.headers['webhook-id'])).size).toBe(3);
		// The job shows its own webhook_url's message, not the subscriptions'.
		const view = (await call(s.url, alice.key, 'GET', `/v1/jobs/${done.id}`)).body;
		expect(view.webhook).toMatchObject({ url: own.url, id: toOwn.headers['webhook-id'], status: 'delivered' });
		// Bob's subscription heard nothing of Alice's job.
		expect(bobs.received).toEqual([]);
	});

	test('events: a subscription to job.failed alone gets a failed job and not a succeeded one', async () => {
		const failed = await receiver();
		const sub = await subscribe(s, alice, { url: failed.url, events: ['job.failed', 'job.failed'] });
		expect(sub.events).toEqual(['job.failed']);
		await finished(s.url, alice.key, (await job(s, alice)).body.id);
		cd.faults.push({ route: 'async', kind: 'fail-task' });
		const bad = await job(s, alice);
		await finished(s.url, alice.key, bad.body.id);
		const [got] = await failed.waitFor(1);
		expect(verify(sub.secret, got)).toMatchObject({ type: 'job.failed', data: { id: bad.body.id, status: 'failed' } });
		// The succeeded job ended first: had it been sent, it would have arrived first.
		expect(failed.received).toHaveLength(1);
	});

	test('refusals, each with the message a client sees', async () => {
		const hook = await receiver();
		const cases: Array<[unknown, number, string, RegExp]> = [
			[{ url: hook.url, events: ['job.done'] }, 422, 'INVALID_OPTIONS', /events: "job\.done" is not an event; the events are job\.succeeded and job\.failed/],
			[{ url: hook.url, events: [] }, 422, 'INVALID_OPTIONS', /events must name at least one event \(job\.succeeded and job\.failed\), or be left out/],
			[{ url: hook.url, events: 'job.failed' }, 422, 'INVALID_OPTIONS', /events must be a list of event names/],
			[{}, 422, 'INVALID_OPTIONS', /url is required: the http\(s\) URL to call/],
			[{ url: 42 }, 422, 'INVALID_OPTIONS', /url must be a string/],
			[{ url: hook.url, secret: 'whsec_mine' }, 422, 'INVALID_OPTIONS', /unknown option: secret/],
			[{ url: 'ftp://example.com/x' }, 422, 'URL_NOT_ALLOWED', /url must be an http\(s\) URL \(got ftp:\)/],
			[{ url: 'https://user:pass@example.com/hook' }, 422, 'URL_NOT_ALLOWED', /url must not carry a user name or password/],
			[{ url: 'not a url' }, 422, 'URL_NOT_ALLOWED', /url "not a url" is not a valid URL/],
			[{ url: `https://example.com/${'a'.repeat(4100)}` }, 422, 'INVALID_OPTIONS', /url is longer than 4096 characters/],
			[[hook.url], 400, 'BAD_REQUEST', /The body must be a JSON object like \{"url"/],
		];
		for (const [body, status, code, detail] of cases) {
			const r = await call(s.url, alice.key, 'POST', '/v1/webhooks', body as object);
			expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status, code });
			expect(r.body.detail).toMatch(detail);
		}
		expect((await call(s.url, alice.key, 'POST', '/v1/webhooks', 'null', { 'content-type': 'application/json' })).body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
		// A multipart body is not a subscription.
		expect((await call(s.url, alice.key, 'POST', '/v1/webhooks', form({ url: hook.url }))).body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
		// Fifty thousand bad events get a short answer naming five of them.
		const many = await call(s.url, alice.key, 'POST', '/v1/webhooks', { url: hook.url, events: Array.from({ length: 50_000 }, (_, i) => `e${i}`) });
		expect(many.body.detail).toMatch(/^Invalid request: events: "e0" is not an event; .*"e4" is not an event; the events are job\.succeeded and job\.failed \(and 49995 more\)\.$/);
		expect(many.bytes.length).toBeLessThan(2000);
		expect((await call(s.url, alice.key, 'GET', '/v1/webhooks')).body.data).toEqual([]);
	});

	test('one subscription per URL (whatever its spelling), at most 20 per key; deleting one makes room', async () => {
		const first = await subscribe(s, alice, { url: 'https://Hooks.Example.com:443/upscale' });
		expect(first.url).toBe('https://hooks.example.com/upscale');
		const again = await call(s.url, alice.key, 'POST', '/v1/webhooks', { url: 'HTTPS://hooks.example.com/upscale' });
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ code: 'WEBHOOK_EXISTS', webhook_id: first.id, detail: `This key already has a subscription to this URL (${first.id}): use it, or delete it first (DELETE /v1/webhooks/${first.id}).` });
		// Another key may subscribe the same URL.
		await subscribe(s, bob, { url: 'https://hooks.example.com/upscale' });
		for (let i = 1; i < 20; i++) await subscribe(s, alice, { url: `https://hooks.example.com/upscale/${i}` });
		const full = await call(s.url, alice.key, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/upscale/20' });
		expect(full.status).toBe(409);
		expect(full.body).toMatchObject({ code: 'TOO_MANY_WEBHOOKS', detail: 'This key has 20 webhook subscriptions, the most one key may have: delete one (DELETE /v1/webhooks/{id}) first.' });
		expect((await call(s.url, alice.key, 'DELETE', `/v1/webhooks/${first.id}`)).status).toBe(204);
		await subscribe(s, alice, { url: 'https://hooks.example.com/upscale/20' });
	});

	test('a subscriber that is down: retried on the schedule, then given up and logged without its secret', async () => {
		const down = await receiver();
		down.statuses = [500, 502, 503];
		const sub = await subscribe(s, alice, { url: down.url });
		const r = await job(s, alice);
		await finished(s.url, alice.key, r.body.id);
		const got = await down.waitFor(3);
		expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1);
		expect(verify(sub.secret, got[2])).toMatchObject({ data: { id: r.body.id } });
		const until = Date.now() + 10_000;
		while (!/webhook given up/.test(s.output()) && Date.now() < until) await new Promise((w) => setTimeout(w, 50));
		const line = s.output().split('\n').find((l) => /webhook given up/.test(l) && l.includes(sub.id));
		expect(line).toMatch(/answered 503/);
		expect(line).toContain(r.body.id);
		expect(s.output()).not.toContain(sub.secret);
	});

	test('a deleted subscription gets no more; a revoked key\'s subscriptions stop', async () => {
		const gone = await receiver();
		const sub = await subscribe(s, alice, { url: gone.url });
		await call(s.url, alice.key, 'DELETE', `/v1/webhooks/${sub.id}`);
		await finished(s.url, alice.key, (await job(s, alice)).body.id);
		const carol = await key(dir, 'carol');
		const heard = await receiver();
		await subscribe(s, carol, { url: heard.url });
		cd.opts.taskDurationMs = 1500;
		const r = await job(s, carol);
		expect((await runCli(['keys', 'revoke', carol.id], { UPSCALE_DATA_DIR: dir })).code).toBe(0);
		expect((await call(s.url, carol.key, 'GET', '/v1/webhooks')).status).toBe(401);
		// The job ends after the revocation; a later job of a live key (sent after it) shows the sender has moved on.
		cd.opts.taskDurationMs = 200;
		const live = await receiver();
		await subscribe(s, bob, { url: live.url });
		await finished(s.url, bob.key, (await job(s, bob)).body.id);
		await live.waitFor(1);
		const ended = () => s.output().split('\n').some((l) => l.includes('"msg":"job succeeded"') && l.includes(r.body.id));
		const until = Date.now() + 10_000;
		while (!ended() && Date.now() < until) await new Promise((w) => setTimeout(w, 50));
		expect(ended()).toBe(true);
		expect(gone.received).toEqual([]);
		expect(heard.received).toEqual([]);
	});

	test('a restart keeps the subscriptions and their secrets', async () => {
		const hook = await receiver();
		const sub = await subscribe(s, alice, { url: hook.url });
		await s.kill('SIGTERM');
		s = await serve({ UPSCALE_ALLOW_PRIVATE_URLS: '1' }, dir);
		expect((await call(s.url, alice.key, 'GET', '/v1/webhooks')).body.data.map((w: { id: string }) => w.id)).toEqual([sub.id]);
		const r = await job(s, alice);
		const [got] = await hook.waitFor(1);
		expect(verify(sub.secret, got)).toMatchObject({ data: { id: r.body.id } });
	});
});

test('without UPSCALE_ALLOW_PRIVATE_URLS a private address is refused when subscribing, in any spelling', async () => {
	const dir = tempDir();
	const k = await key(dir, 'dave');
	const s = await serve({}, dir);
	for (const [url, said] of [
		['http://127.0.0.1:9/hook', /url points to 127\.0\.0\.1, a private or loopback address/],
		['http://[::ffff:127.0.0.1]/hook', /url points to ::ffff:7f00:1, a private or loopback address/],
		['http://2130706433/hook', /url points to 127\.0\.0\.1/],
		['http://localhost:8080/hook', /url: localhost resolves to 127\.0\.0\.1, a private or loopback address/],
		['http://169.254.169.254/latest', /169\.254\.169\.254, a private/],
	] as Array<[string, RegExp]>) {
		const r = await call(s.url, k.key, 'POST', '/v1/webhooks', { url });
		expect({ url, status: r.status, code: r.body.code }).toEqual({ url, status: 422, code: 'URL_NOT_ALLOWED' });
		expect(r.body.detail).toMatch(said);
		expect(r.body.detail).toContain('UPSCALE_ALLOW_PRIVATE_URLS=1');
	}
	expect((await call(s.url, k.key, 'GET', '/v1/webhooks')).body.data).toEqual([]);
});

test('a fleet: a subscription taken by one API instance is delivered by a worker and seen by the other instance', async () => {
	const redis = await startRedis();
	try {
		const dir = tempDir();
		const k = await key(dir, 'erin');
		const env = { CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, UPSCALE_ALLOW_PRIVATE_URLS: '1', UPSCALE_WEBHOOK_RETRY: '200ms', REDIS_URL: redis.url };
		const a = await serve(env, dir);
		const b = await serve(env, dir);
		const worker = await startWorker(env, dir);
		services.push(worker);
		const hook = await receiver();
		const sub = await subscribe(a, k, { url: hook.url });
		expect((await call(b.url, k.key, 'GET', '/v1/webhooks')).body.data.map((w: { id: string }) => w.id)).toEqual([sub.id]);
		const dup = await call(b.url, k.key, 'POST', '/v1/webhooks', { url: hook.url });
		expect(dup.body).toMatchObject({ status: 409, code: 'WEBHOOK_EXISTS', webhook_id: sub.id });
		const r = await job(b, k);
		const [got] = await hook.waitFor(1);
		expect(verify(sub.secret, got)).toMatchObject({ type: 'job.succeeded', data: { id: r.body.id } });
		expect((await call(b.url, k.key, 'DELETE', `/v1/webhooks/${sub.id}`)).status).toBe(204);
		expect((await call(a.url, k.key, 'GET', '/v1/webhooks')).body.data).toEqual([]);
		await Promise.all([a, b, worker].map((p) => p.kill('SIGTERM')));
	} finally {
		await redis.stop();
	}
});
