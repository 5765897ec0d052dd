/** The fakes are strict: they accept only what the vendors document, and answer in the vendors' shapes. */
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { dims, jpeg, png, webp } from '../helpers/images';

let cd: ClipdropFake;
let xm: XimilarFake;
let img: Buffer;

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { good: 5, broke: 0, revoked: 10 }, revoked: ['revoked'], rateLimit: { requests: 20, windowMs: 60_000 }, taskDurationMs: 300, urlLifetimeMs: 400 });
	xm = new XimilarFake({ tokens: { tok: { limit: 1000 }, poor: { limit: 10 } }, taskDurationMs: 300, fileLifetimeMs: 60_000 });
	await cd.start();
	await xm.start();
	img = await jpeg(64, 48);
});
afterAll(async () => {
	await cd.stop();
	await xm.stop();
});
beforeEach(() => {
	cd.reset();
	xm.reset();
});

function form(fields: Record<string, string>, file: Buffer | null = img, fileField = 'image_file'): FormData {
	const f = new FormData();
	if (file) f.append(fileField, new Blob([file]), 'a.jpg');
	for (const [k, v] of Object.entries(fields)) f.append(k, v);
	return f;
}

async function post(url: string, body: FormData | string, headers: Record<string, string> = {}) {
	const r = await fetch(url, { method: 'POST', body, headers });
	const buf = Buffer.from(await r.arrayBuffer());
	let json: unknown;
	try {
		json = JSON.parse(buf.toString());
	} catch {
		json = undefined;
	}
	return { status: r.status, headers: r.headers, json: json as Record<string, unknown>, buf };
}

describe('Clipdrop fake', () => {
	const sync = () => `${cd.url}/image-upscaling/v1/upscale`;
	const asyncUrl = () => `${cd.url}/image-upscaling/v1/async-upscale`;
	const key = { 'x-api-key': 'good' };

	it('checks the key: missing 401, unknown or revoked 403, in the documented error JSON', async () => {
		expect(await post(sync(), form({ target_width: '10', target_height: '10' }))).toMatchObject({ status: 401, json: { error: 'No api key provided' } });
		expect(await post(sync(), form({ target_width: '10', target_height: '10' }), { 'x-api-key': 'nope' })).toMatchObject({ status: 403, json: { error: 'Invalid api key' } });
		expect((await post(sync(), form({ target_width: '10', target_height: '10' }), { 'x-api-key': 'revoked' })).status).toBe(403);
	});

	it('upscales for real to the requested size and reports credits in headers', async () => {
		const r = await post(sync(), form({ target_width: '128', target_height: '96' }), key);
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toBe('image/jpeg');
		expect(r.headers.get('x-credits-consumed')).toBe('1');
		expect(r.headers.get('x-remaining-credits')).toBe('4');
		expect(await dims(r.buf)).toEqual({ width: 128, height: 96, format: 'jpeg' });
	});

	it('answers WebP when the input has transparency', async () => {
		const r = await post(sync(), form({ target_width: '20', target_height: '20' }, await png(10, 10, { alpha: true })), key);
		expect(r.headers.get('content-type')).toBe('image/webp');
	});

	it.each([
		[{ target_width: '10' }, 'Missing target_height in request'],
		[{ target_width: '0', target_height: '10' }, 'target_width must be an integer between 1 and 4096'],
		[{ target_width: '4097', target_height: '10' }, 'target_width must be an integer between 1 and 4096'],
		[{ target_width: '10.5', target_height: '10' }, 'target_width must be an integer between 1 and 4096'],
		[{ target_width: '10', target_height: '10', strategy: 'smooth' }, 'Unexpected field: strategy'],
		[{ target_width: '10', target_height: '10', upscale: '2' }, 'Unexpected field: upscale'],
	])('sync rejects %j: %s', async (fields, error) => {
		expect(await post(sync(), form(fields), key)).toMatchObject({ status: 400, json: { error } });
	});

	it('sync rejects a missing file, a non-multipart body and a non-image', async () => {
		expect((await post(sync(), form({ target_width: '1', target_height: '1' }, null), key)).json).toEqual({ error: 'Missing image_file in request' });
		expect((await post(sync(), JSON.stringify({ target_width: 1 }), { ...key, 'content-type': 'application/json' })).json).toEqual({ error: 'Request body must be multipart/form-data' });
		expect((await post(sync(), form({ target_width: '1', target_height: '1' }, Buffer.from('not an image')), key)).json).toEqual({ error: 'Input image format is not valid' });
		expect((await post(sync(), form({ target_width: '1', target_height: '1' }, img, 'image'), key)).json).toEqual({ error: 'Unexpected file field: image' });
	});

	it('async: strategy required, PNG/JPEG only, 12288 max; charges detailed per megapixel', async () => {
		expect((await post(asyncUrl(), form({ target_width: '10', target_height: '10' }), key)).json).toEqual({ error: 'Missing strategy in request' });
		expect((await post(asyncUrl(), form({ target_width: '10', target_height: '10', strategy: 'fast' }), key)).json).toEqual({ error: 'strategy must be smooth or detailed' });
		expect((await post(asyncUrl(), form({ target_width: '10', target_height: '10', strategy: 'smooth' }, await webp(8, 8)), key)).json).toEqual({ error: 'Input image format is not valid' });
		expect((await post(asyncUrl(), form({ target_width: '12289', target_height: '10', strategy: 'smooth' }), key)).json).toEqual({ error: 'target_width must be an integer between 1 and 12288' });
		const r = await post(asyncUrl(), form({ target_width: '2048', target_height: '1024', strategy: 'detailed' }), key);
		expect(r.status).toBe(200);
		expect(r.headers.get('x-credits-consumed')).toBe('2');
		expect(typeof r.json.taskId).toBe('string');
	});

	it('402 when credits run out', async () => {
		const r = await post(sync(), form({ target_width: '10', target_height: '10' }), { 'x-api-key': 'broke' });
		expect(r).toMatchObject({ status: 402, json: { error: 'Your account has no remaining credits' } });
	});

	it('queues async tasks with position and eta, then signs an expiring download URL', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) ids.push((await post(asyncUrl(), form({ target_width: '100', target_height: '75', strategy: 'smooth' }), key)).json.taskId as string);
		const s = (await (await fetch(`${cd.url}/async-tasks/v1/task-status/${ids[2]}`, { headers: key })).json()) as Record<string, number | string>;
		expect(s.status).toBe('queued');
		expect(s.position).toBe(2);
		expect(s.eta).toBeGreaterThan(Date.now());
		expect((await fetch(`${cd.url}/async-tasks/v1/result/${ids[2]}`, { headers: key })).status).toBe(400);
		await new Promise((r) => setTimeout(r, 1000));
		expect(await (await fetch(`${cd.url}/async-tasks/v1/task-status/${ids[0]}`, { headers: key })).json()).toEqual({ status: 'completed' });
		const { downloadUrl } = (await (await fetch(`${cd.url}/async-tasks/v1/result/${ids[0]}`, { headers: key })).json()) as { downloadUrl: string };
		const d = await fetch(downloadUrl);
		expect(d.status).toBe(200);
		expect(await dims(Buffer.from(await d.arrayBuffer()))).toMatchObject({ width: 100, height: 75 });
		expect((await fetch(downloadUrl.replace(/signature=\w+/, 'signature=bad'))).status).toBe(403);
		await new Promise((r) => setTimeout(r, 450));
		const expired = await fetch(downloadUrl);
		expect(expired.status).toBe(403);
		expect(await expired.text()).toContain('Request has expired');
		expect((await fetch(`${cd.url}/async-tasks/v1/task-status/nope`, { headers: key })).status).toBe(404);
	});

	it('limits each key to N requests per window with 429 (polls included)', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 22; i++) statuses.push((await fetch(`${cd.url}/async-tasks/v1/task-status/x`, { headers: key })).status);
		expect(statuses.filter((s) => s === 404)).toHaveLength(20);
		expect(statuses.slice(20)).toEqual([429, 429]);
	});

	it('injects faults through the control API', async () => {
		await post(`${cd.url}/__control/faults`, JSON.stringify({ route: 'status', kind: 'status', status: 503, body: '{"error":"down"}' }));
		expect((await fetch(`${cd.url}/async-tasks/v1/task-status/x`, { headers: key })).status).toBe(503);
		expect((await fetch(`${cd.url}/async-tasks/v1/task-status/x`, { headers: key })).status).toBe(404);
		expect((await post(`${cd.url}/__control/faults`, '{"kind":1}')).status).toBe(400);
		const log = (await (await fetch(`${cd.url}/__control/requests`)).json()) as { requests: Array<Record<string, unknown>> };
		expect(log.requests.map((r) => r.status)).toEqual([503, 404]);
		expect(log.requests[0]).not.toHaveProperty('key');
	});
});

describe('Ximilar fake', () => {
	const tok = { authorization: 'Token tok', 'content-type': 'application/json' };
	const b64 = () => img.toString('base64');

	it('checks the token in DRF style', async () => {
		expect(await post(`${xm.url}/account/v2/details/`, '', {})).toMatchObject({ status: 405 });
		const none = await fetch(`${xm.url}/account/v2/details/`);
		expect(none.status).toBe(401);
		expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
		const bad = await fetch(`${xm.url}/account/v2/details/`, { headers: { authorization: 'Token wrong' } });
		expect(await bad.json()).toEqual({ detail: 'Invalid token.' });
		const bearer = await fetch(`${xm.url}/account/v2/details/`, { headers: { authorization: 'Bearer tok' } });
		expect(bearer.status).toBe(401);
		expect(await (await fetch(`${xm.url}/account/v2/details/`, { headers: tok })).json()).toMatchObject({ credits_counter: 0, credits_limit: 1000 });
	});

	it.each([
		[{ records: [] }, 'records must be a list with exactly one record'],
		[{ records: [{ _base64: 'AAAA' }, { _base64: 'AAAA' }] }, 'records must be a list with exactly one record'],
		[{ records: [{}] }, 'a record must contain exactly one of _url or _base64'],
		[{ records: [{ _base64: 'AAAA', _url: 'http://127.0.0.1/x' }] }, 'a record must contain exactly one of _url or _base64'],
		[{ records: [{ _base64: 'AAAA' }], mode: 'fast' }, 'mode must be one of artifact_removal, ironed_out, high_fidelity'],
		[{ records: [{ _base64: 'AAAA' }], model_type: 'classic' }, 'model_type must be gan when given'],
		[{ records: [{ _base64: 'AAAA' }], image_format: 'gif' }, 'image_format must be one of png, jpg, webp'],
		[{ records: [{ _base64: 'AAAA' }], image_quality: 80 }, 'image_quality is only available with image_format'],
		[{ records: [{ _base64: 'AAAA' }], image_format: 'png', image_quality: 101 }, 'image_quality must be an integer 1..100'],
		[{ records: [{ _base64: 'AAAA' }], tune_colors: 'yes' }, 'tune_colors must be a boolean'],
		[{ records: [{ _base64: 'AAAA' }], scale: 2 }, 'Unknown field: scale'],
		[{ records: [{ _base64: '!!!' }] }, '_base64 is not valid base64'],
		[{ records: [{ _base64: 'AAAA' }] }, 'Invalid image: the data could not be decoded'],
		[{ records: [{ _url: 'https://example.com/a.jpg' }] }, 'Cannot download image from https://example.com/a.jpg'],
	])('sync rejects %j', async (body, description) => {
		const r = await post(`${xm.url}/upscaler/2x/upscale`, JSON.stringify(body), tok);
		expect(r.status).toBe(400);
		expect(r.json).toEqual({ status: { code: 400, text: 'Bad Request', error_description: description } });
	});

	it('sync rejects a wrong content type and unparseable JSON', async () => {
		expect((await post(`${xm.url}/upscaler/2x/upscale`, '{}', { authorization: 'Token tok', 'content-type': 'text/plain' })).status).toBe(415);
		expect((await post(`${xm.url}/upscaler/2x/upscale`, '{"records":', tok)).json.detail).toMatch(/^JSON parse error/);
		expect((await post(`${xm.url}/upscaler/3x/upscale`, '{}', tok)).status).toBe(404);
	});

	it('sync upscales for real, honours format and charges by output size', async () => {
		const r = await post(`${xm.url}/upscaler/4x/upscale`, JSON.stringify({ records: [{ _base64: `data:image/jpeg;base64,${b64()}` }], image_format: 'png' }), tok);
		expect(r.status).toBe(200);
		const rec = (r.json.records as Array<Record<string, unknown>>)[0];
		expect(rec).toMatchObject({ _width: 64, _height: 48, _upscaled_width: 256, _upscaled_height: 192, _status: { code: 200, text: 'OK' } });
		const file = Buffer.from(await (await fetch(rec._upscaled_image_url as string)).arrayBuffer());
		expect(await dims(file)).toEqual({ width: 256, height: 192, format: 'png' });
		expect(await (await fetch(`${xm.url}/account/v2/details/`, { headers: tok })).json()).toMatchObject({ credits_counter: 25 });
		const poor = await post(`${xm.url}/upscaler/2x/upscale`, JSON.stringify({ records: [{ _base64: b64() }] }), { ...tok, authorization: 'Token poor' });
		expect(poor.status).toBe(402);
	});

	it('async: validates type and endpoint, runs CREATED → PROCESSING → DONE, hides other accounts\' requests, calls the webhook', async () => {
		const hooks: string[] = [];
		const http = await import('node:http');
		const hookServer = http.createServer((req, res) => {
			hooks.push(String(req.headers['x-secret']));
			res.end('ok');
		});
		await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
		const port = (hookServer.address() as { port: number }).port;
		const url = `${xm.url}/account/v2/request`;
		expect((await post(url, JSON.stringify({ type: 'tagging', endpoint: 'upscale_2x', records: [{ _base64: b64() }] }), tok)).json).toEqual({ detail: 'type must be "upscaler" for this service' });
		expect((await post(url, JSON.stringify({ type: 'upscaler', endpoint: 'upscale_3x', records: [{ _base64: b64() }] }), tok)).status).toBe(400);
		expect((await post(url, JSON.stringify({ type: 'upscaler', endpoint: 'upscale_2x', records: [{ _base64: b64() }], webhook: 'x' }), tok)).status).toBe(400);
		const created = await post(url, JSON.stringify({ type: 'upscaler', endpoint: 'upscale_2x', records: [{ _base64: b64() }], webhook: { endpoint: `http://127.0.0.1:${port}/hook`, headers: { 'x-secret': 's3' } } }), tok);
		expect(created.status).toBe(201);
		const id = created.json.id as string;
		expect(await (await fetch(`${url}/${id}/status`, { headers: tok })).json()).toEqual({ status: 'PROCESSING' });
		expect((await fetch(`${url}/${id}/status`, { headers: { authorization: 'Token poor' } })).status).toBe(404);
		await new Promise((r) => setTimeout(r, 500));
		const full = (await (await fetch(`${url}/${id}`, { headers: tok })).json()) as Record<string, any>;
		expect(full).toMatchObject({ id, status: 'DONE', type: 'upscaler' });
		expect(full.response.records[0]._upscaled_width).toBe(128);
		expect(hooks).toEqual(['s3']);
		hookServer.close();
	});
});
