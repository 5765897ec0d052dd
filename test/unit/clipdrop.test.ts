import { UpscaleClient, readTaskId, type Progress, type Upscaler } from '../../core';
import { jpeg, webp } from '../helpers/images';
import { failure, freshKey, netFail, ports, ScriptedHttp, VirtualTime, type Handler } from '../helpers/virtual';

const BASE = 'https://clipdrop.test';
let small: Buffer;
let result: Buffer;

beforeAll(async () => {
	small = await jpeg(400, 300);
	result = await jpeg(800, 600);
});

function setup(handler: Handler, opts: { key?: string; time?: VirtualTime } = {}) {
	const http = new ScriptedHttp(handler);
	const p = ports(http, opts.time);
	const key = opts.key ?? freshKey('cd');
	const client = new UpscaleClient({ provider: 'clipdrop', apiKey: key, baseUrl: BASE, ports: p });
	return { http, client, time: p.time, key };
}


const imageReply = (bytes: Buffer, headers: Record<string, string> = {}) => ({ status: 200, body: new Uint8Array(bytes), headers: { 'content-type': 'image/jpeg', ...headers } });

/** A Clipdrop that runs async tasks: queued twice (with eta), then completed. */
function asyncVendor(opts: { statuses?: Array<Record<string, unknown>>; taskId?: unknown } = {}): Handler {
	let polls = 0;
	const statuses = opts.statuses ?? [{ status: 'queued', position: 2 }, { status: 'queued', position: 0 }, { status: 'completed' }];
	return (req) => {
		if (req.url.endsWith('/image-upscaling/v1/async-upscale')) return { json: { taskId: opts.taskId ?? 'task-1' }, headers: { 'x-credits-consumed': '1', 'x-remaining-credits': '41' } };
		if (req.url.includes('/task-status/')) return { json: statuses[Math.min(polls++, statuses.length - 1)] };
		if (req.url.includes('/result/')) return { json: { downloadUrl: 'https://storage.test/result.jpg?sig=1' } };
		if (req.url.startsWith('https://storage.test/')) return imageReply(result);
		return { status: 404, json: { error: 'no route' } };
	};
}

describe('Clipdrop sync upscale', () => {
	it('sends the documented multipart fields with the key and reads credits from the headers', async () => {
		const { http, client, key } = setup(() => imageReply(result, { 'x-credits-consumed': '1', 'x-remaining-credits': '99' }));
		const r = await client.upscale({ bytes: small, fileName: 'car.jpg' }, { scale: 2 });
		expect(r).toMatchObject({ provider: 'clipdrop', execution: 'sync', width: 800, height: 600, format: 'jpeg', extension: 'jpg', credits: { consumed: 1, remaining: 99 } });
		expect(r.input).toEqual({ format: 'jpeg', width: 400, height: 300, bytes: small.length });
		const req = http.requests[0];
		expect(req.url).toBe(`${BASE}/image-upscaling/v1/upscale`);
		expect(req.method).toBe('POST');
		expect(req.headers['x-api-key']).toBe(key);
		expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
		expect(Number(req.headers['content-length'])).toBe(Buffer.byteLength(req.bodyText, 'latin1'));
		expect(req.bodyText).toContain('name="image_file"; filename="car.jpg"\r\nContent-Type: image/jpeg');
		expect(req.bodyText).toMatch(/name="target_width"\r\n\r\n800\r\n/);
		expect(req.bodyText).toMatch(/name="target_height"\r\n\r\n600\r\n/);
		expect(req.bodyText).not.toContain('strategy');
	});

	it('accepts WebP input and reports the WebP answer the docs promise for transparent images', async () => {
		const out = await webp(200, 200, { alpha: true });
		const { client } = setup(() => ({ status: 200, body: new Uint8Array(out), headers: { 'content-type': 'image/webp' } }));
		const r = await client.upscale({ bytes: await webp(100, 100, { alpha: true }) }, {});
		expect(r).toMatchObject({ format: 'webp', extension: 'webp', contentType: 'image/webp', credits: { consumed: null, remaining: null } });
	});

	it('computes the other side from the aspect ratio when only a width is given', async () => {
		const { http, client } = setup(() => imageReply(result));
		await client.upscale({ bytes: small }, { width: 1000 });
		expect(http.requests[0].bodyText).toMatch(/name="target_height"\r\n\r\n750\r\n/);
	});

	it('fails clearly when a 200 carries no image', async () => {
		const { client } = setup(() => ({ status: 200, json: { hello: 1 } }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('VENDOR');
		expect(e.message).toMatch(/answered 200 but with application\/json instead of an image/);
	});

	it('fails clearly when the image bytes are not an image at all', async () => {
		const { client } = setup(() => ({ status: 200, text: 'garbage', headers: { 'content-type': 'image/octet' } }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.message).toMatch(/returned something that is not an image/);
	});
});

describe('Clipdrop errors, as the user reads them', () => {
	it.each([
		[400, { error: 'Input image format is not valid' }, 'INVALID_INPUT', /rejected the request as malformed \(400\).*Clipdrop said: "Input image format is not valid"/],
		[401, { error: 'No api key provided' }, 'AUTH', /received no API key \(401\): set the Clipdrop API key/],
		[402, { error: 'Your account has no remaining credits' }, 'NO_CREDITS', /no credits left \(402\)/],
		[403, { error: 'Invalid api key' }, 'AUTH', /rejected the API key \(403: invalid or revoked\)/],
		[500, { error: 'boom' }, 'VENDOR', /server error \(500\).*try again later.*"boom"/],
		[418, {}, 'VENDOR', /answered 418.*does not expect/],
	])('%d → %s', async (status, body, code, text) => {
		const { client } = setup(() => ({ status, json: body }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe(code);
		expect(e.status).toBe(status);
		expect(e.message).toMatch(text);
		expect(e.local).toBe(false);
	});

	it('never shows the key, even when the vendor echoes it', async () => {
		const key = freshKey('secret-key');
		const { client } = setup(() => ({ status: 403, json: { error: `Invalid api key ${key}` } }), { key });
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.message).not.toContain(key);
		expect(e.vendorMessage).not.toContain(key);
		expect(e.message).toContain('***');
	});

	it('does not resend a sync upscale after a 5xx (the vendor may have charged)', async () => {
		const { http, client } = setup(() => ({ status: 502, text: '<html>bad gateway</html>' }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('VENDOR');
		expect(http.requests).toHaveLength(1);
	});

	it('does not resend a submit after a connection lost mid-request', async () => {
		const { http, client } = setup(() => netFail('sent', 'ECONNRESET'));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('NETWORK');
		expect(e.message).toMatch(/may have reached the vendor, so it was not sent again/);
		expect(http.requests).toHaveLength(1);
	});

	it('resends a submit that never reached the server (connection refused), then succeeds', async () => {
		const { http, client } = setup((_, n) => (n < 3 ? netFail('connect', 'ECONNREFUSED') : imageReply(result)));
		await client.upscale({ bytes: small }, {});
		expect(http.requests).toHaveLength(3);
	});

	it('gives up on a host that never answers, with the next step', async () => {
		const { http, client } = setup(() => netFail('connect', 'ENOTFOUND'));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('NETWORK');
		expect(e.message).toMatch(/could not be reached.*ENOTFOUND.*check your network connection or the base URL/i);
		expect(http.requests).toHaveLength(4);
	});

	it('retries 429s after Retry-After and succeeds', async () => {
		const { http, client, time } = setup((_, n) => (n <= 2 ? { status: 429, json: { error: 'Too many requests' }, headers: { 'retry-after': '3' } } : imageReply(result)));
		const t0 = time.t;
		await client.upscale({ bytes: small }, {});
		expect(http.requests).toHaveLength(3);
		expect(time.t - t0).toBeGreaterThanOrEqual(6000);
		expect(client.transport.rateLimited).toBe(2);
	});

	it('reports RATE_LIMITED when 429s do not stop', async () => {
		const { http, client } = setup(() => ({ status: 429, json: { error: 'Too many requests, blocked by the rate limiter.' } }));
		const e = await failure(client.upscale({ bytes: small }, { timeoutMs: 3_600_000 }));
		expect(e.code).toBe('RATE_LIMITED');
		expect(e.message).toMatch(/kept refusing requests with 429/);
		expect(http.requests).toHaveLength(9);
	});

	it('stops at the time limit while rate limited', async () => {
		const { client } = setup(() => ({ status: 429, json: {}, headers: { 'retry-after': '30' } }));
		const e = await failure(client.upscale({ bytes: small }, { timeoutMs: 10_000 }));
		expect(e.code).toBe('TIMEOUT');
		expect(e.message).toMatch(/time limit ran out while waiting for the request budget/);
	});
});

describe('Clipdrop local rejections (no request sent)', () => {
	const local = async (bytes: Buffer, options: Record<string, unknown>) => {
		const { http, client } = setup(() => imageReply(result));
		const e = await failure(client.upscale({ bytes }, options));
		expect(http.requests).toHaveLength(0);
		expect(e.local).toBe(true);
		return e;
	};

	it('rejects Ximilar options, naming them', async () => {
		const e = await local(small, { mode: 'ironed_out', format: 'png' });
		expect(e.code).toBe('INVALID_OPTIONS');
		expect(e.message).toMatch(/^mode, format are Ximilar options; Clipdrop takes a scale or a width\/height/);
		expect((await local(small, { webhook: { url: 'https://x.y/z' } })).message).toMatch(/webhook is a Ximilar option/);
		expect((await local(small, { tuneColors: false, quality: 5, format: 'jpg', model: 'gan' })).message).toMatch(/model, format, quality, tune colors are Ximilar options/);
	});

	it('rejects a scale together with a size', async () => {
		expect((await local(small, { scale: 2, width: 100 })).message).toBe('Give either a scale or a width/height, not both.');
	});

	it('rejects a sync job whose output is over 4096 px, and an input over 16 MP', async () => {
		expect((await local(small, { execution: 'sync', width: 5000 })).message).toMatch(/cannot do this synchronously: the sync endpoint's output is at most 4096x4096 \(asked: 5000x3750\)/);
		const big = await jpeg(4200, 4100, { quality: 10 });
		expect((await local(big, { execution: 'sync', width: 4096, height: 4000 })).message).toMatch(/inputs up to 16 megapixels \(this one: 17.2 MP\)/);
		expect((await local(small, { execution: 'sync', strategy: 'detailed' })).message).toMatch(/a strategy is only available on the async endpoint/);
	});

	it('rejects WebP for async, inputs over 8192 px per side and outputs over 12288', async () => {
		const w = await webp(100, 100);
		expect((await local(w, { execution: 'async' })).message).toMatch(/accepts PNG or JPEG only \(this is WEBP\)/);
		expect((await local(small, { execution: 'async', width: 13000 })).message).toMatch(/output is at most 12288x12288/);
		expect((await local(small, { strategy: 'smooth', width: 13000 })).message).toMatch(/^Clipdrop cannot upscale this image as asked:/);
	});

	it('rejects a lying header before it costs anything', async () => {
		const { pngHeaderClaiming } = await import('../helpers/images');
		const e = await local(pngHeaderClaiming(100000, 100000), {});
		expect(e.code).toBe('INVALID_OPTIONS');
		expect(e.message).toMatch(/inputs up to 16 megapixels.*inputs up to 8192 px per side/);
	});

	it('rejects files over 30 MB', async () => {
		const huge = Buffer.concat([small.subarray(0, small.length - 2), Buffer.alloc(31 * 1024 * 1024), Buffer.from([0xff, 0xd9])]);
		const e = await local(huge, {});
		expect(e.code).toBe('INVALID_INPUT');
		expect(e.message).toMatch(/is 31.0 MB; Clipdrop accepts at most 30 MB/);
	});
});

describe('Clipdrop async flow', () => {
	it('picks async for a strategy, polls by the vendor pace, downloads without the key', async () => {
		const progress: Progress[] = [];
		const { http, client, key, time } = setup(asyncVendor());
		const r = await client.upscale({ bytes: small }, { strategy: 'detailed' }, { onProgress: (p) => progress.push(p) });
		expect(r).toMatchObject({ execution: 'async', taskId: 'task-1', credits: { consumed: 1, remaining: 41 }, width: 800, resultUrl: 'https://storage.test/result.jpg?sig=1' });
		expect(r.resultExpiresAt).toBe(time.t + 3600_000);
		const urls = http.requests.map((q) => q.url.replace(BASE, ''));
		expect(urls).toEqual([
			'/image-upscaling/v1/async-upscale',
			'/async-tasks/v1/task-status/task-1',
			'/async-tasks/v1/task-status/task-1',
			'/async-tasks/v1/task-status/task-1',
			'/async-tasks/v1/result/task-1',
			'https://storage.test/result.jpg?sig=1',
		]);
		expect(http.requests[0].bodyText).toMatch(/name="strategy"\r\n\r\ndetailed\r\n/);
		expect(http.requests[5].headers['x-api-key']).toBeUndefined();
		expect(http.requests[5].auth).toBe(false);
		expect(http.requests[1].headers['x-api-key']).toBe(key);
		expect(progress.map((p) => p.stage)).toEqual(['uploading', 'queued', 'queued', 'downloading', 'done']);
		expect(progress[1]).toMatchObject({ position: 2, taskId: 'task-1' });
	});

	it('goes async on its own when the output is too big for sync', async () => {
		const { http, client } = setup(asyncVendor());
		await client.upscale({ bytes: small }, { scale: 12 });
		expect(http.requests[0].url).toMatch(/async-upscale$/);
		expect(http.requests[0].bodyText).toMatch(/name="strategy"\r\n\r\nsmooth\r\n/);
		expect(http.requests[0].bodyText).toMatch(/name="target_width"\r\n\r\n4800\r\n/);
	});

	it('accepts the task id as {value} too', async () => {
		const { client } = setup(asyncVendor({ taskId: { value: 'obj-id' } }));
		expect((await client.upscale({ bytes: small }, { execution: 'async' })).taskId).toBe('obj-id');
		expect(readTaskId({ taskId: 42 })).toBe('42');
		expect(readTaskId({ taskId: { value: '' } })).toBeUndefined();
		expect(readTaskId(undefined)).toBeUndefined();
	});

	it('sleeps until the eta instead of polling blindly', async () => {
		const time = new VirtualTime();
		const eta = time.t + 20_000;
		const { http, client } = setup(asyncVendor({ statuses: [{ status: 'queued', position: 5, eta }, { status: 'completed' }] }), { time });
		await client.upscale({ bytes: small }, { execution: 'async' });
		expect(http.requests.filter((q) => q.url.includes('task-status'))).toHaveLength(2);
		expect(time.slept).toContain(10_000); // capped at the max interval, then again to the eta
	});

	it('leaves a task it just submitted alone for the minimum pace (1 s) before the first check; a task resumed by id is checked at once', async () => {
		const time = new VirtualTime();
		const at: Record<string, number[]> = {};
		const vendor = asyncVendor({ statuses: [{ status: 'completed' }] });
		const { client } = setup(
			(req, i) => {
				const route = req.url.includes('task-status') ? 'status' : req.url.includes('async-upscale') ? 'submit' : 'other';
				(at[route] ??= []).push(time.t);
				return vendor(req, i);
			},
			{ time },
		);
		const r = await client.upscale({ bytes: small }, { execution: 'async' });
		expect(at.status).toHaveLength(1); // one check, not "queued" first and "completed" a second later
		expect(at.status[0] - at.submit[0]).toBeGreaterThanOrEqual(1000);
		expect(at.status[0] - at.submit[0]).toBeLessThan(1100);
		const resumedAt = time.t;
		await client.waitForTask(r.taskId!);
		expect(at.status).toHaveLength(2);
		expect(at.status[1]).toBe(resumedAt);
	});

	it('reads an unknown in-progress word as processing, and fails on a word it cannot read', async () => {
		const { client } = setup(asyncVendor({ statuses: [{ status: 'running' }, { status: 'completed' }] }));
		await expect(client.upscale({ bytes: small }, { execution: 'async' })).resolves.toMatchObject({ taskId: 'task-1' });
		const { client: c2 } = setup(asyncVendor({ statuses: [{ status: 'exploded' }] }));
		const e = await failure(c2.upscale({ bytes: small }, { execution: 'async' }));
		expect(e.code).toBe('VENDOR');
		expect(e.taskId).toBe('task-1');
		expect(e.message).toMatch(/unknown task status "exploded".*Get Task/);
	});

	it('reports a failed task with its id', async () => {
		const { client } = setup(asyncVendor({ statuses: [{ status: 'failed', error: 'model crashed' }] }));
		const e = await failure(client.upscale({ bytes: small }, { execution: 'async' }));
		expect(e.code).toBe('TASK_FAILED');
		expect(e.taskId).toBe('task-1');
		expect(e.message).toMatch(/reported that task task-1 failed: model crashed/);
	});

	it('times out with the task id and how to resume', async () => {
		const { client } = setup(asyncVendor({ statuses: [{ status: 'queued', position: 9 }] }));
		const e = await failure(client.upscale({ bytes: small }, { execution: 'async', timeoutMs: 20_000 }));
		expect(e.code).toBe('TIMEOUT');
		expect(e.taskId).toBe('task-1');
		expect(e.message).toMatch(/has not finished task task-1 within the time limit \(20 s\); it is still queued\. Fetch the result later with Get Task task-1/);
	});

	it('stops polling at once when cancelled', async () => {
		const ac = new AbortController();
		const { http, client } = setup(asyncVendor({ statuses: [{ status: 'queued' }] }));
		const p = client.upscale({ bytes: small }, { execution: 'async' }, { signal: ac.signal, onProgress: (s) => s.stage === 'queued' && ac.abort() });
		const e = await failure(p);
		expect(e.code).toBe('ABORTED');
		expect(e.taskId).toBe('task-1');
		expect(http.requests.filter((q) => q.url.includes('task-status'))).toHaveLength(1);
	});

	it('retries status polls on 5xx and dropped connections', async () => {
		let n = 0;
		const inner = asyncVendor();
		const { client } = setup((req, i) => {
			if (req.url.includes('task-status') && n++ < 3) return n === 2 ? netFail('sent', 'ECONNRESET') : { status: 503, text: 'busy' };
			return inner(req, i);
		});
		await expect(client.upscale({ bytes: small }, { execution: 'async' })).resolves.toMatchObject({ status: 'completed' });
	});

	it('signs a fresh URL once when the download URL expired', async () => {
		let results = 0;
		const inner = asyncVendor();
		const { http, client } = setup((req, i) => {
			if (req.url.includes('/result/')) return { json: { downloadUrl: `https://storage.test/r${++results}.jpg` } };
			if (req.url === 'https://storage.test/r1.jpg') return { status: 403, text: '<Error><Message>Request has expired</Message></Error>' };
			return inner(req, i);
		});
		const r = await client.upscale({ bytes: small }, { execution: 'async' });
		expect(r.resultUrl).toBe('https://storage.test/r2.jpg');
		expect(http.requests.filter((q) => q.url.includes('/result/'))).toHaveLength(2);
	});

	it('says RESULT_EXPIRED when the fresh URL fails too', async () => {
		const inner = asyncVendor();
		const { client } = setup((req, i) => (req.url.startsWith('https://storage.test') ? { status: 403, text: 'expired' } : inner(req, i)));
		const e = await failure(client.upscale({ bytes: small }, { execution: 'async' }));
		expect(e.code).toBe('RESULT_EXPIRED');
		expect(e.message).toMatch(/result URL no longer works \(403\): Clipdrop keeps results for one hour/);
	});

	it('explains answers it cannot read: no task id, no status, no download URL', async () => {
		const a = asyncVendor({ statuses: [{ status: 'completed' }] });
		const cases: Array<[Handler, RegExp]> = [
			[(req) => (req.url.endsWith('async-upscale') ? { json: { ok: true } } : { status: 404 }), /accepted the upscale \(credits may have been spent\) but its answer has no task id/],
			[(req, i) => (req.url.includes('task-status') ? { text: '{"stat' } : a(req, i)), /task status answer has no status: "\{"stat"/],
			[(req, i) => (req.url.includes('/result/') ? { json: { url: 'x' } } : a(req, i)), /result answer has no download URL/],
		];
		for (const [handler, text] of cases) {
			const { client } = setup(handler);
			const e = await failure(client.upscale({ bytes: small }, { execution: 'async' }));
			expect(e.code).toBe('VENDOR');
			expect(e.message).toMatch(text);
		}
	});
});

describe('Clipdrop getTask, waitForTask, credentials', () => {
	it('reports a queued task with position and eta', async () => {
		const { client } = setup(() => ({ json: { status: 'queued', position: 3, eta: 1_800_000_000_000 } }));
		expect(await client.getTask('abc')).toEqual({ provider: 'clipdrop', taskId: 'abc', status: 'queued', vendorStatus: 'queued', position: 3, etaMs: 1_800_000_000_000 });
	});

	it('ignores an eta that is not an epoch time ("WIP")', async () => {
		const { client } = setup(() => ({ json: { status: 'queued', position: 1, eta: 'WIP' } }));
		expect((await client.getTask('abc')).etaMs).toBeUndefined();
	});

	it('gives the result URL of a completed task, and the image on request', async () => {
		const { client } = setup(asyncVendor({ statuses: [{ status: 'completed' }] }));
		const info = await client.getTask('task-1');
		expect(info).toMatchObject({ status: 'completed', resultUrl: 'https://storage.test/result.jpg?sig=1' });
		expect(info.image).toBeUndefined();
		const withImage = await client.getTask('task-1', { download: true });
		expect(withImage.image).toMatchObject({ width: 800, height: 600, format: 'jpeg' });
	});

	it('says when a task id is unknown, and refuses ids that are not ids', async () => {
		const { client, http } = setup(() => ({ status: 404, json: { error: 'Task not found' } }));
		const e = await failure(client.getTask('nope'));
		expect(e.code).toBe('NOT_FOUND');
		expect(e.message).toMatch(/does not know this task \(404\)/);
		const bad = await failure(client.getTask('a/b'));
		expect(bad.message).toBe('"a/b" is not a valid task id.');
		expect((await failure(client.getTask('  '))).message).toBe('A task id is required.');
		expect(http.requests).toHaveLength(1);
	});

	it('waits for a task started earlier', async () => {
		const { client } = setup(asyncVendor());
		const r = await client.waitForTask('task-1');
		expect(r).toMatchObject({ taskId: 'task-1', execution: 'async', input: null, credits: { consumed: null, remaining: null } });
	});

	it('resumes a stored task through the Upscaler contract (what the job engine calls): polls, downloads, never submits', async () => {
		const { client, http } = setup(asyncVendor());
		const upscaler: Upscaler = client;
		const r = await upscaler.resume('task-1', { timeoutMs: 60_000 });
		expect(r).toMatchObject({ provider: 'clipdrop', taskId: 'task-1', execution: 'async', width: 800, height: 600 });
		expect(http.requests.some((q) => q.url.endsWith('/async-upscale'))).toBe(false);
	});

	it('checks a key without spending a credit: 404 on a made-up task means the key is good', async () => {
		const { client, http } = setup(() => ({ status: 404, json: { error: 'Task not found' } }));
		await expect(client.verifyCredentials()).resolves.toBeUndefined();
		expect(http.requests[0].url).toMatch(/\/async-tasks\/v1\/task-status\/credential-check-\d+$/);
		const { client: bad } = setup(() => ({ status: 403, json: { error: 'Invalid api key' } }));
		expect((await failure(bad.verifyCredentials())).code).toBe('AUTH');
	});

	it('has no balance endpoint', async () => {
		const { client } = setup(() => ({ status: 500 }));
		expect(await client.balance()).toEqual({ used: null, remaining: null });
	});
});

describe('input from a URL', () => {
	it('downloads the image for Clipdrop (without the key) and names the file after the URL', async () => {
		const { http, client } = setup((req) => (req.url === 'https://img.test/photos/cat.jpg' ? imageReply(small) : imageReply(result)));
		await client.upscale({ url: 'https://img.test/photos/cat.jpg' }, {});
		expect(http.requests[0].headers['x-api-key']).toBeUndefined();
		expect(http.requests[1].bodyText).toContain('filename="cat.jpg"');
	});

	it('says when the URL cannot be fetched or is not a URL', async () => {
		const { client } = setup(() => ({ status: 404, text: 'nope' }));
		const e = await failure(client.upscale({ url: 'https://img.test/missing.jpg' }, {}));
		expect(e.message).toBe('Could not download the image from https://img.test/missing.jpg: the server answered 404.');
		const e2 = await failure(client.upscale({ url: 'file:///etc/passwd' }, {}));
		expect(e2.message).toBe('"file:///etc/passwd" is not an http(s) URL of an image.');
	});

	it('refuses a URL whose body is over 30 MB', async () => {
		const { TransportError } = await import('../../core');
		const { client } = setup(() => {
			throw new TransportError('too big', 'received', 'TOO_LARGE');
		});
		const e = await failure(client.upscale({ url: 'https://img.test/huge.jpg' }, {}));
		expect(e.code).toBe('INVALID_INPUT');
		expect(e.message).toBe('The image at the URL is larger than 30 MB.');
	});
});

describe('submit without waiting', () => {
	it('validates, submits async and returns the task id with the credits', async () => {
		const { http, client } = setup(asyncVendor());
		const s = await client.submit({ bytes: small }, { scale: 3 });
		expect(s).toEqual({
			provider: 'clipdrop',
			taskId: 'task-1',
			status: 'submitted',
			input: { format: 'jpeg', width: 400, height: 300, bytes: small.length },
			target: { width: 1200, height: 900 },
			credits: { consumed: 1, remaining: 41 },
			params: { target_width: 1200, target_height: 900, strategy: 'smooth' },
		});
		expect(http.requests).toHaveLength(1);
		expect(http.requests[0].url).toMatch(/async-upscale$/);
	});

	it('rejects what async cannot take, before any request', async () => {
		const { http, client } = setup(asyncVendor());
		const e = await failure(client.submit({ bytes: await webp(10, 10) }, {}));
		expect(e.message).toMatch(/cannot do this asynchronously: the async endpoint accepts PNG or JPEG only/);
		expect(http.requests).toHaveLength(0);
	});
});

describe('check() from metadata alone', () => {
	it('returns the plan, or the same local error upscale() would give, without a request', () => {
		const { http, client } = setup(() => ({ status: 500 }));
		expect(client.check({ format: 'jpeg', width: 400, height: 300, bytes: 1000 }, { scale: 2 })).toEqual({ execution: 'sync', target: { width: 800, height: 600 } });
		expect(client.check({ format: 'png', width: 400, height: 300, bytes: 1000 }, { scale: 12 })).toMatchObject({ execution: 'async', target: { width: 4800, height: 3600 } });
		expect(() => client.check({ format: 'webp', width: 5000, height: 4000, bytes: 1000 }, {})).toThrow(/cannot upscale this image as asked/);
		expect(() => client.check({ format: 'jpeg', width: 10, height: 10, bytes: 40 * 1048576 }, {})).toThrow(/Clipdrop accepts at most 30 MB/);
		expect(http.requests).toHaveLength(0);
	});
});

describe('onSubmitted', () => {
	it('hands over the task id as soon as it exists, before polling', async () => {
		const seen: Array<[string, number]> = [];
		const { http, client } = setup(asyncVendor());
		await client.upscale({ bytes: small }, { execution: 'async' }, { onSubmitted: (id) => void seen.push([id, http.requests.length]) });
		expect(seen).toEqual([['task-1', 1]]);
	});

	it('beforeSend is awaited before the paid request leaves, on both endpoints', async () => {
		for (const execution of ['async', 'sync'] as const) {
			const { http, client } = setup(execution === 'async' ? asyncVendor() : async () => imageReply(await jpeg(64, 48)));
			const log: string[] = [];
			await client.upscale({ bytes: small }, { execution }, {
				beforeSend: async () => {
					await new Promise((r) => setTimeout(r, 20));
					log.push(`recorded with ${http.requests.length} requests sent`);
				},
			});
			expect(log).toEqual(['recorded with 0 requests sent']);
		}
	});
});
