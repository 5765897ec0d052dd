import { UpscaleClient, ximilarAuthorization, type UpscaleOptionsInput } from '../../core';
import { jpeg, png } from '../helpers/images';
import { failure, freshKey, ports, ScriptedHttp, type Handler } from '../helpers/virtual';

const BASE = 'https://ximilar.test';
let small: Buffer;
let result: Buffer;

beforeAll(async () => {
	small = await jpeg(200, 100);
	result = await jpeg(400, 200);
});

function setup(handler: Handler, key = freshKey('xm')) {
	const http = new ScriptedHttp(handler);
	const p = ports(http);
	const client = new UpscaleClient({ provider: 'ximilar', apiKey: key, baseUrl: BASE, ports: p });
	return { http, client, time: p.time, key };
}


const okBody = (url = 'https://files.test/up.jpg') => ({
	records: [{ _status: { code: 200, text: 'OK' }, _width: 200, _height: 100, _upscaled_width: 400, _upscaled_height: 200, _upscaled_image_url: url }],
	statistics: { 'processing time': 3.4 },
	status: { code: 200, text: 'OK', request_id: 'r1' },
});

/** A Ximilar account with a credit counter that moves by `cost` per upscale, and async requests. */
function vendor(opts: { states?: string[]; response?: unknown; cost?: number } = {}): Handler {
	let counter = 100;
	let polls = 0;
	const states = opts.states ?? ['CREATED', 'PROCESSING', 'DONE'];
	return (req) => {
		const path = req.url.replace(BASE, '');
		if (path === '/account/v2/details/') return { json: { credits_counter: counter, credits_limit: 1000 } };
		if (/^\/upscaler\/\dx\/upscale$/.test(path)) {
			counter += opts.cost ?? 25;
			return { json: okBody() };
		}
		if (path === '/account/v2/request') {
			counter += opts.cost ?? 25;
			return { status: 201, json: { id: 'req-1', status: 'CREATED' } };
		}
		if (path === '/account/v2/request/req-1/status') return { json: { status: states[Math.min(polls++, states.length - 1)] } };
		if (path === '/account/v2/request/req-1') return { json: { id: 'req-1', status: 'DONE', created: '2026-11-23T06:00:00Z', response: opts.response ?? okBody() } };
		if (req.url.startsWith('https://files.test/')) return { status: 200, body: new Uint8Array(result), headers: { 'content-type': 'image/jpeg' } };
		return { status: 404, json: { detail: 'Not found.' } };
	};
}

describe('Ximilar token header', () => {
	it('sends Token <token>, tolerating a pasted prefix and spaces', () => {
		expect(ximilarAuthorization('abc123')).toBe('Token abc123');
		expect(ximilarAuthorization('  Token abc123 ')).toBe('Token abc123');
		expect(ximilarAuthorization('Bearer abc123')).toBe('Token abc123');
		expect(ximilarAuthorization('token abc123')).toBe('Token abc123');
	});
	it('sends long dotted tokens (JWT) with the JWT scheme', () => {
		const jwt = `${'a'.repeat(30)}.${'b'.repeat(30)}.${'c'.repeat(30)}`;
		expect(ximilarAuthorization(jwt)).toBe(`JWT ${jwt}`);
		expect(ximilarAuthorization(`JWT ${jwt}`)).toBe(`JWT ${jwt}`);
	});
});

describe('Ximilar async upscale (the default)', () => {
	it('sends the documented body, polls, downloads and measures credits from the account', async () => {
		const { http, client, key } = setup(vendor({ cost: 30 }));
		const r = await client.upscale({ bytes: small, fileName: 'a.jpg' }, { scale: 4, mode: 'high_fidelity', model: 'gan', format: 'webp', quality: 70, tuneColors: false });
		expect(r).toMatchObject({ provider: 'ximilar', execution: 'async', taskId: 'req-1', width: 400, height: 200, credits: { consumed: 30, remaining: 870 }, vendorProcessingMs: 3400 });
		expect(r.resultExpiresAt).toBe(Date.parse('2026-11-23T06:00:00Z') + 24 * 3600_000);
		const submit = http.requests.find((q) => q.url.endsWith('/account/v2/request'))!;
		expect(submit.headers.authorization).toBe(`Token ${key}`);
		expect(submit.headers['content-type']).toBe('application/json');
		const body = JSON.parse(submit.bodyText);
		expect(body).toEqual({
			type: 'upscaler',
			endpoint: 'upscale_4x',
			records: [{ _base64: small.toString('base64') }],
			mode: 'high_fidelity',
			tune_colors: false,
			model_type: 'gan',
			image_format: 'webp',
			image_quality: 70,
		});
		const paths = http.requests.map((q) => q.url.replace(BASE, ''));
		expect(paths).toEqual([
			'/account/v2/details/',
			'/account/v2/request',
			'/account/v2/request/req-1/status',
			'/account/v2/request/req-1/status',
			'/account/v2/request/req-1/status',
			'/account/v2/request/req-1',
			'https://files.test/up.jpg',
			'/account/v2/details/',
		]);
		expect(http.requests[6].headers.authorization).toBeUndefined();
	});

	it('always sends the mode (the docs disagree on its default) and tune_colors, and omits model_type for classic', async () => {
		const { http, client } = setup(vendor());
		await client.upscale({ bytes: small }, { model: 'classic' });
		const body = JSON.parse(http.requests[1].bodyText);
		expect(body).toMatchObject({ endpoint: 'upscale_2x', mode: 'artifact_removal', tune_colors: true });
		expect(body).not.toHaveProperty('model_type');
		expect(body).not.toHaveProperty('image_format');
	});

	it('passes a URL through as _url, without downloading it', async () => {
		const { http, client } = setup(vendor());
		const r = await client.upscale({ url: 'https://img.test/p.jpg' }, { scale: 8, webhook: { url: 'https://hooks.test/x', headers: { 'x-k': 'v' } } });
		expect(r.input).toBeNull();
		const body = JSON.parse(http.requests[1].bodyText);
		expect(body.records).toEqual([{ _url: 'https://img.test/p.jpg' }]);
		expect(body.endpoint).toBe('upscale_8x');
		expect(body.webhook).toEqual({ endpoint: 'https://hooks.test/x', headers: { 'x-k': 'v' } });
		expect(http.requests.some((q) => q.url.startsWith('https://img.test'))).toBe(false);
	});

	it('reports credits as unknown when another job with the same key overlapped', async () => {
		const key = freshKey('xm-shared');
		const h = vendor();
		const a = setup(h, key);
		const b = setup(h, key);
		const [ra, rb] = await Promise.all([a.client.upscale({ bytes: small }, {}), b.client.upscale({ bytes: small }, {})]);
		expect(ra.credits.consumed).toBeNull();
		expect(rb.credits.consumed).toBeNull();
		expect(ra.credits.remaining).not.toBeNull();
	});

	it('fails a request whose response carries an error status, with Ximilar\'s words', async () => {
		const response = { records: [{ _status: { code: 400, text: 'Bad Request', error_description: 'Image is corrupted' } }], status: { code: 400, text: 'Bad Request' } };
		const { client } = setup(vendor({ response }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('TASK_FAILED');
		expect(e.taskId).toBe('req-1');
		expect(e.message).toMatch(/^Ximilar could not upscale the image \(400: Image is corrupted\)/);
	});

	it('fails a DONE request that has no image URL', async () => {
		const { client } = setup(vendor({ response: { records: [{}], status: { code: 200, text: 'OK' } } }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('TASK_FAILED');
		expect(e.message).toMatch(/finished without an upscaled image URL \(OK\)/);
	});

	it('treats RETRY as still working, and ends the wait on an undocumented state', async () => {
		const { client } = setup(vendor({ states: ['RETRY', 'DONE'] }));
		await expect(client.upscale({ bytes: small }, {})).resolves.toMatchObject({ status: 'completed' });
		const failed = setup(vendor({ states: ['API_LIMIT_EXCEEDED'], response: { records: [], status: { code: 429, text: 'limit exceeded' } } }));
		const e = await failure(failed.client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('TASK_FAILED');
		expect(e.message).toMatch(/reported that task req-1 failed: Ximilar ended the request in state API_LIMIT_EXCEEDED: limit exceeded/);
		const finished = setup(vendor({ states: ['FINISHED'] }));
		await expect(finished.client.upscale({ bytes: small }, {})).resolves.toMatchObject({ status: 'completed' });
	});

	it('explains a status answer without a status, and a submit answer without an id', async () => {
		const a = setup((req, i) => (req.url.endsWith('/status') ? { json: { state: 'x' } } : vendor()(req, i)));
		expect((await failure(a.client.upscale({ bytes: small }, {}))).message).toMatch(/status answer has no status/);
		const b = setup((req, i) => (req.url.endsWith('/account/v2/request') ? { status: 201, json: { ok: 1 } } : vendor()(req, i)));
		expect((await failure(b.client.upscale({ bytes: small }, {}))).message).toMatch(/accepted the request but its answer has no id/);
		const c = setup((req, i) => (req.url.endsWith('/status') ? { text: '<html>' } : vendor()(req, i)));
		expect((await failure(c.client.upscale({ bytes: small }, {}))).message).toMatch(/answered checking the task status with something that is not JSON: "<html>"/);
	});
});

describe('Ximilar sync upscale', () => {
	it('posts to /upscaler/{scale}x/upscale and downloads the URL it returns', async () => {
		const { http, client } = setup(vendor());
		const r = await client.upscale({ bytes: small }, { execution: 'sync', scale: 4 });
		expect(r).toMatchObject({ execution: 'sync', taskId: undefined, credits: { consumed: 25 }, resultUrl: 'https://files.test/up.jpg' });
		expect(http.requests[1].url).toBe(`${BASE}/upscaler/4x/upscale`);
		expect(JSON.parse(http.requests[1].bodyText)).toEqual({ records: [{ _base64: small.toString('base64') }], mode: 'artifact_removal', tune_colors: true });
	});

	it('reads an error in the sync body even with HTTP 200', async () => {
		const { client } = setup((req, i) =>
			req.url.includes('/upscaler/') ? { json: { records: [{ _status: { code: 500, text: 'unknown error' } }], status: { code: 500, text: 'unknown error', error_description: 'worker died' } } } : vendor()(req, i),
		);
		const e = await failure(client.upscale({ bytes: small }, { execution: 'sync' }));
		expect(e.code).toBe('TASK_FAILED');
		expect(e.message).toMatch(/\(500: unknown error\)/);
	});

	it('says RESULT_EXPIRED when the 24-hour file is gone', async () => {
		const { client } = setup((req, i) => (req.url.startsWith('https://files.test') ? { status: 404, text: '<Error/>' } : vendor()(req, i)));
		const e = await failure(client.upscale({ bytes: small }, { execution: 'sync' }));
		expect(e.code).toBe('RESULT_EXPIRED');
		expect(e.message).toMatch(/Ximilar keeps results for 24 hours/);
	});

	it('fails on a sync answer that is not JSON', async () => {
		const { client } = setup((req, i) => (req.url.includes('/upscaler/') ? { text: 'oops' } : vendor()(req, i)));
		expect((await failure(client.upscale({ bytes: small }, { execution: 'sync' }))).message).toMatch(/answered the upscale with something that is not JSON: "oops"/);
	});
});

describe('Ximilar errors', () => {
	it.each([
		[401, { detail: 'Invalid token.' }, 'AUTH', /rejected the API token \(401\).*Ximilar said: "Invalid token\."/],
		[403, { detail: 'You do not have permission to perform this action.' }, 'AUTH', /refused access \(403\).*Upscaler service is enabled/],
		[402, { status: { code: 402, text: 'Payment Required', error_description: 'Not enough credits' } }, 'NO_CREDITS', /no credits left \(402\).*"Not enough credits"/],
		[400, { status: { code: 400, text: 'Bad Request', error_description: 'records must be a list' } }, 'INVALID_INPUT', /rejected the request \(400\) while submitting.*"records must be a list"/],
		[429, { error: 'slow down' }, 'RATE_LIMITED', /kept refusing requests with 429/],
	])('%d on submit → %s', async (status, body, code, text) => {
		const { client } = setup((req, i) => (req.url.endsWith('/account/v2/request') ? { status, json: body } : vendor()(req, i)));
		const e = await failure(client.upscale({ bytes: small }, { timeoutMs: 3_600_000 }));
		expect(e.code).toBe(code);
		expect(e.message).toMatch(text);
	});

	it('fails on a bad token before submitting anything (the balance check comes first)', async () => {
		const { http, client } = setup(() => ({ status: 401, json: { detail: 'Invalid token.' } }));
		const e = await failure(client.upscale({ bytes: small }, {}));
		expect(e.code).toBe('AUTH');
		expect(http.requests).toHaveLength(1);
	});

	it('goes on when only the balance cannot be read', async () => {
		const inner = vendor();
		const { client } = setup((req, i) => (req.url.endsWith('/details/') ? { status: 500, text: 'x' } : inner(req, i)));
		const r = await client.upscale({ bytes: small }, {});
		expect(r.credits).toEqual({ consumed: null, remaining: null });
	});
});

describe('Ximilar local rejections (no request sent)', () => {
	it.each([
		[{ scale: 3 }, 'Ximilar upscales by 2, 4 or 8; 3 is not one of them.'],
		[{ width: 1000 }, 'width/height: Ximilar upscales by a factor of 2, 4 or 8 and takes no exact size or strategy (those are Clipdrop options). Use a scale instead.'],
		[{ strategy: 'smooth' }, 'strategy: Ximilar upscales by a factor of 2, 4 or 8'],
		[{ quality: 50 }, 'quality needs a format: Ximilar applies the output quality only when the output format is chosen.'],
		[{ execution: 'sync', webhook: { url: 'https://h.test/' } }, 'A webhook works only with async jobs; drop it or use async.'],
	])('%j', async (options, text) => {
		const { http, client } = setup(vendor());
		const e = await failure(client.upscale({ bytes: small }, options as UpscaleOptionsInput));
		expect(e.message).toContain(text);
		expect(e.local).toBe(true);
		expect(http.requests).toHaveLength(0);
	});

	it('refuses over 30 MB and over 50 MP', async () => {
		const { pngHeaderClaiming } = await import('../helpers/images');
		const { http, client } = setup(vendor());
		expect((await failure(client.upscale({ bytes: pngHeaderClaiming(100000, 100000) }, {}))).message).toMatch(/is 100000x100000 \(10000 MP\); this tool sends Ximilar at most 50 MP/);
		const huge = Buffer.concat([small.subarray(0, small.length - 2), Buffer.alloc(31 * 1024 * 1024), Buffer.from([0xff, 0xd9])]);
		expect((await failure(client.upscale({ bytes: huge }, {}))).message).toMatch(/31.0 MB; this tool sends Ximilar at most 30 MB/);
		expect(http.requests).toHaveLength(0);
	});

	it('keeps PNG transparency info for the plan', async () => {
		const { client } = setup(vendor());
		const r = await client.upscale({ bytes: await png(10, 10, { alpha: true }) }, {});
		expect(r.input).toMatchObject({ format: 'png', width: 10, height: 10 });
	});
});

describe('Ximilar getTask, balance, credentials', () => {
	it('maps states to queued/processing/completed', async () => {
		const { client } = setup(vendor());
		expect((await client.getTask('req-1')).status).toBe('queued');
		expect((await client.getTask('req-1')).status).toBe('processing');
		expect(await client.getTask('req-1', { download: true })).toMatchObject({ status: 'completed', resultUrl: 'https://files.test/up.jpg', image: { width: 400, height: 200 } });
	});

	it('reads the balance and checks the token with account details', async () => {
		const { client, http } = setup(vendor());
		expect(await client.balance()).toEqual({ used: 100, remaining: 900 });
		await client.verifyCredentials();
		expect(http.requests.map((q) => q.url)).toEqual([`${BASE}/account/v2/details/`, `${BASE}/account/v2/details/`]);
		const bad = setup(() => ({ status: 401, json: { detail: 'Invalid token.' } }));
		expect((await failure(bad.client.verifyCredentials())).code).toBe('AUTH');
		expect((await failure(bad.client.balance())).code).toBe('AUTH');
	});

	it('refuses to fetch the result of an unfinished request', async () => {
		const { client } = setup((req) => (req.url.endsWith('/req-1') ? { json: { id: 'req-1', status: 'PROCESSING' } } : { json: { status: 'DONE' } }));
		const e = await failure(client.getTask('req-1'));
		expect(e.message).toMatch(/has not finished this request yet \(state PROCESSING\)/);
	});
});

describe('Ximilar submit without waiting', () => {
	it('submits and reports the remaining balance (what it used is not known yet)', async () => {
		const { client } = setup(vendor());
		const s = await client.submit({ bytes: small }, { scale: 4 });
		expect(s).toMatchObject({ taskId: 'req-1', status: 'submitted', target: { width: 800, height: 400 }, credits: { consumed: null, remaining: 875 } });
	});
});
