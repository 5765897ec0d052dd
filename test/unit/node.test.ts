/** The n8n node's execute path with mocked n8n helpers; vendor HTTP intercepted by nock@14 (over fetch). */
import nock from 'nock';
import { nockOffline } from '../helpers/nock-offline';
import { NodeApiError, NodeOperationError, WAIT_INDEFINITELY, type INodeExecutionData } from 'n8n-workflow';
import { Upscaler } from '../../nodes/Upscaler/Upscaler.node';
import { ClipdropApi } from '../../credentials/ClipdropApi.credentials';
import { XimilarApi } from '../../credentials/XimilarApi.credentials';
import { runCredentialTest } from '../helpers/credential-test';
import { context, type ContextSetup } from '../helpers/n8n-context';
import { dims, jpeg } from '../helpers/images';

const CD = 'http://clipdrop.unit';
const XM = 'http://ximilar.unit';
let seq = 0;
const key = () => `cd-unit-key-${++seq}-abcdef`;
let sample: Buffer;
let big: Buffer;

nockOffline();
afterEach(() => nock.cleanAll());

beforeAll(async () => {
	sample = await jpeg(300, 200);
	big = await jpeg(600, 400);
});

const bin = (b: Buffer, fileName = 'cat.jpg') => ({ data: { data: b.toString('base64'), mimeType: 'image/jpeg', fileName } });

async function run(setup: ContextSetup): Promise<INodeExecutionData[]> {
	const ctx = context(setup);
	const [out] = await new Upscaler().execute.call(ctx);
	return out;
}

async function failure(setup: ContextSetup): Promise<Error> {
	try {
		await run(setup);
	} catch (e) {
		return e as Error;
	}
	throw new Error('expected the node to fail');
}

const clipdropCreds = (k: string) => ({ clipdropApi: { apiKey: `  ${k} `, baseUrl: CD, requestsPerMinute: 600 } });
const cdParams = (extra: Record<string, unknown> = {}) => ({ provider: 'clipdrop', operation: 'upscale', inputSource: 'binary', binaryPropertyName: 'data', sizeMode: 'scale', scale: 2, strategy: 'smooth', waitForResult: true, options: { pollInterval: 0.1 }, ...extra });

describe('Upscale with Clipdrop', () => {
	it('maps parameters to the sync request, and the result to json + binary + pairedItem', async () => {
		const k = key();
		let body = '';
		nock(CD, { reqheaders: { 'x-api-key': k } })
			.post('/image-upscaling/v1/upscale', (b) => ((body = Buffer.from(String(b), 'hex').toString('latin1')), true))
			.reply(200, big, { 'content-type': 'image/jpeg', 'x-credits-consumed': '1', 'x-remaining-credits': '41' });
		const [item] = await run({ params: cdParams(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(k) });
		expect(body).toMatch(/name="target_width"\r\n\r\n600\r\n/);
		expect(body).not.toContain('strategy');
		expect(item.json).toMatchObject({ provider: 'clipdrop', status: 'completed', execution: 'sync', input: { width: 300, height: 200 }, output: { width: 600, height: 400, format: 'jpeg' }, credits: { consumed: 1, remaining: 41 }, taskId: null });
		expect(item.binary!.data).toMatchObject({ fileName: 'cat-upscaled.jpg', mimeType: 'image/jpeg' });
		expect(await dims(Buffer.from(item.binary!.data.data, 'base64'))).toMatchObject({ width: 600, height: 400 });
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('exact size with only a width; detailed strategy goes async; custom output field and name', async () => {
		const k = key();
		let submitted = '';
		nock(CD)
			.post('/image-upscaling/v1/async-upscale', (b) => ((submitted = Buffer.from(String(b), 'hex').toString('latin1')), true))
			.reply(200, { taskId: 't-9' }, { 'x-credits-consumed': '2', 'x-remaining-credits': '8' })
			.get('/async-tasks/v1/task-status/t-9')
			.reply(200, { status: 'queued', position: 0 })
			.get('/async-tasks/v1/task-status/t-9')
			.reply(200, { status: 'completed' })
			.get('/async-tasks/v1/result/t-9')
			.reply(200, { downloadUrl: 'http://storage.unit/r.jpg?sig=x' });
		nock('http://storage.unit').get('/r.jpg').query(true).reply(200, big, { 'content-type': 'image/jpeg' });
		const ctx = context({
			params: cdParams({ sizeMode: 'exact', width: 600, height: 0, strategy: 'detailed', options: { pollInterval: 0.1, outputBinaryPropertyName: 'big', fileName: 'out.jpg' } }),
			items: [{ binary: bin(sample) }],
			credentials: clipdropCreds(k),
		});
		const [[item]] = await new Upscaler().execute.call(ctx);
		expect(submitted).toMatch(/name="strategy"\r\n\r\ndetailed\r\n/);
		expect(submitted).toMatch(/name="target_height"\r\n\r\n400\r\n/);
		expect(item.json).toMatchObject({ execution: 'async', taskId: 't-9', resultUrl: 'http://storage.unit/r.jpg?sig=x' });
		expect(item.binary!.big.fileName).toBe('out.jpg');
		// The signed URL was fetched without the credential.
		const download = ctx.requests.find((r) => r.url.startsWith('http://storage.unit'))!;
		expect(download.headers).not.toHaveProperty('x-api-key');
	});

	it('without waiting: submits and returns the task id, no binary', async () => {
		nock(CD).post('/image-upscaling/v1/async-upscale').reply(200, { taskId: { value: 'obj-1' } }, { 'x-credits-consumed': '1', 'x-remaining-credits': '5' });
		const [item] = await run({ params: cdParams({ waitForResult: false }), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()) });
		expect(item.json).toMatchObject({ status: 'submitted', taskId: 'obj-1', credits: { consumed: 1, remaining: 5 }, params: { strategy: 'smooth' } });
		expect(item.binary).toBeUndefined();
	});

	it('a vendor failure is a NodeApiError with the next step, the status and no key', async () => {
		const k = key();
		nock(CD).post('/image-upscaling/v1/upscale').reply(403, { error: `Invalid api key ${k}` });
		const e = await failure({ params: cdParams(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(k) });
		expect(e).toBeInstanceOf(NodeApiError);
		expect(e.message).toBe('Clipdrop rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page. Clipdrop said: "Invalid api key ***".');
		expect((e as NodeApiError).httpCode).toBe('403');
		expect((e as NodeApiError).description).toContain('Error code: AUTH');
		expect(JSON.stringify(e)).not.toContain(k);
	});

	it('bad input is a NodeOperationError naming the item, and nothing is sent', async () => {
		const e = await failure({ params: cdParams(), items: [{ binary: bin(sample) }, { binary: bin(Buffer.from('plain text'), 'notes.txt') }], credentials: clipdropCreds(key()) });
		expect(e).toBeInstanceOf(NodeOperationError);
		expect(e.message).toBe('The file is not a PNG, JPEG or WebP image (its first bytes match none of them).');
		expect((e as NodeOperationError).context.itemIndex).toBe(1);
	});

	it('continueOnFail turns each failure into an error item and keeps the others', async () => {
		nock(CD).post('/image-upscaling/v1/upscale').times(2).reply(200, big, { 'content-type': 'image/jpeg' });
		const out = await run({
			params: cdParams(),
			items: [{ binary: bin(sample) }, { binary: bin(Buffer.alloc(0)) }, {}, { binary: bin(sample) }],
			credentials: clipdropCreds(key()),
			continueOnFail: true,
		});
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(out[0].json.status).toBe('completed');
		expect(out[1].json).toEqual({ error: 'The image is empty (0 bytes).', details: { code: 'INVALID_INPUT', provider: 'clipdrop' } });
		expect(out[2].json.error).toMatch(/expects the node's input data to contain a binary file 'data'/);
		expect(out[3].json.status).toBe('completed');
	});

	it('Exact Size needs a width or a height', async () => {
		const e = await failure({ params: cdParams({ sizeMode: 'exact', width: 0, height: 0 }), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()) });
		expect(e.message).toBe('Exact Size needs a width or a height (or both).');
	});

	it('stops polling promptly when the execution is cancelled', async () => {
		nock(CD)
			.post('/image-upscaling/v1/async-upscale')
			.reply(200, { taskId: 't-long' })
			.get('/async-tasks/v1/task-status/t-long')
			.times(100)
			.reply(200, { status: 'queued', position: 5 });
		const cancel = new AbortController();
		const started = Date.now();
		setTimeout(() => cancel.abort(), 300);
		const e = await failure({ params: cdParams({ options: { execution: 'async', pollInterval: 5 } }), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), cancelSignal: cancel.signal });
		expect(Date.now() - started).toBeLessThan(2000);
		expect(e.message).toBe('Cancelled while waiting for task t-long.');
	});
});

describe('Upscale with Ximilar', () => {
	it('sends every service parameter and the token with the Token scheme, even when pasted with a prefix', async () => {
		let body: any;
		nock(XM, { reqheaders: { authorization: 'Token tok-123' } })
			.get('/account/v2/details/')
			.reply(200, { credits_counter: 10, credits_limit: 1000 })
			.post('/account/v2/request', (b) => ((body = b), true))
			.reply(201, { id: 'r-1', status: 'CREATED' })
			.get('/account/v2/request/r-1/status')
			.reply(200, { status: 'DONE' })
			.get('/account/v2/request/r-1')
			.reply(200, { id: 'r-1', status: 'DONE', response: { records: [{ _upscaled_image_url: 'http://files.unit/u.png', _upscaled_width: 600, _upscaled_height: 400, _status: { code: 200 } }], status: { code: 200, text: 'OK' } } })
			.get('/account/v2/details/')
			.reply(200, { credits_counter: 40, credits_limit: 1000 });
		nock('http://files.unit').get('/u.png').reply(200, big, { 'content-type': 'image/jpeg' });
		const [item] = await run({
			params: { provider: 'ximilar', operation: 'upscale', inputSource: 'url', imageUrl: 'https://img.unit/a.jpg', ximilarScale: 4, mode: 'ironed_out', model: 'gan', format: 'webp', quality: 70, tuneColors: false, waitForResult: true, options: { pollInterval: 0.1, webhookUrl: 'https://hooks.unit/done' } },
			credentials: { ximilarApi: { apiToken: 'Bearer tok-123', baseUrl: XM } },
		});
		expect(body).toEqual({ type: 'upscaler', endpoint: 'upscale_4x', records: [{ _url: 'https://img.unit/a.jpg' }], mode: 'ironed_out', tune_colors: false, model_type: 'gan', image_format: 'webp', image_quality: 70, webhook: { endpoint: 'https://hooks.unit/done' } });
		expect(item.json).toMatchObject({ provider: 'ximilar', credits: { consumed: 30, remaining: 960 }, input: null });
		expect(item.binary!.data.fileName).toBe('a-upscaled.jpg');
	});

	it('omits quality with "Same as Input" and reports a bad token clearly', async () => {
		nock(XM).get('/account/v2/details/').reply(401, { detail: 'Invalid token.' });
		const e = await failure({
			params: { provider: 'ximilar', operation: 'upscale', inputSource: 'binary', binaryPropertyName: 'data', ximilarScale: 2, mode: 'artifact_removal', model: 'classic', format: 'keep', quality: 70, tuneColors: true, waitForResult: true, options: {} },
			items: [{ binary: bin(sample) }],
			credentials: { ximilarApi: { apiToken: 'bad', baseUrl: XM } },
		});
		expect(e.message).toBe('Ximilar rejected the API token (401): check the token (the API Token of the Ximilar API credential). Ximilar said: "Invalid token.".');
	});
});

describe('Get Task', () => {
	const gt = (extra: Record<string, unknown> = {}) => ({ provider: 'clipdrop', operation: 'getTask', taskId: ' t-5 ', download: true, taskOptions: {}, ...extra });

	it('reports a queued task with position and eta as a date', async () => {
		nock(CD).get('/async-tasks/v1/task-status/t-5').reply(200, { status: 'queued', position: 2, eta: 1_800_000_000_000 });
		const [item] = await run({ params: gt(), credentials: clipdropCreds(key()) });
		expect(item.json).toEqual({ provider: 'clipdrop', operation: 'getTask', taskId: 't-5', status: 'queued', vendorStatus: 'queued', position: 2, eta: new Date(1_800_000_000_000).toISOString(), failure: null, resultUrl: null, resultExpiresAt: null });
		expect(item.binary).toBeUndefined();
	});

	it('downloads a completed task into the chosen field', async () => {
		nock(CD).get('/async-tasks/v1/task-status/t-5').reply(200, { status: 'completed' }).get('/async-tasks/v1/result/t-5').reply(200, { downloadUrl: 'http://storage.unit/t5.jpg' });
		nock('http://storage.unit').get('/t5.jpg').reply(200, big, { 'content-type': 'image/jpeg' });
		const [item] = await run({ params: gt({ taskOptions: { outputBinaryPropertyName: 'img' } }), credentials: clipdropCreds(key()) });
		expect(item.json).toMatchObject({ status: 'completed', output: { width: 600, height: 400 } });
		expect(item.binary!.img.fileName).toBe('task-t-5.jpg');
	});

	it('reports a failed task as data (for an IF node), not as an error', async () => {
		nock(CD).get('/async-tasks/v1/task-status/t-5').reply(200, { status: 'failed' });
		const [item] = await run({ params: gt(), credentials: clipdropCreds(key()) });
		expect(item.json.status).toBe('failed');
	});
});

describe('credentials (their declarative tests, run as n8n runs them)', () => {
	it('Clipdrop: a 404 for a made-up task means the key is good; the bodies of a missing or refused key fail it', async () => {
		const c = new ClipdropApi();
		nock(CD, { reqheaders: { 'x-api-key': 'good' } }).get('/async-tasks/v1/task-status/n8n-credential-test').reply(404, { error: 'Task not found' });
		expect(await runCredentialTest(c, { apiKey: ' good ', baseUrl: `${CD}/` })).toEqual({ status: 'OK', message: 'Connection successful!' });
		nock(CD).get('/async-tasks/v1/task-status/n8n-credential-test').reply(403, { error: 'Invalid api key' });
		expect(await runCredentialTest(c, { apiKey: 'nope-nope', baseUrl: CD })).toEqual({
			status: 'Error',
			message: 'Clipdrop rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page.',
		});
		nock(CD).get('/async-tasks/v1/task-status/n8n-credential-test').reply(401, { error: 'No api key provided' });
		expect((await runCredentialTest(c, { apiKey: ' ', baseUrl: CD })).message).toBe('Clipdrop received no API key (401): set the Clipdrop API key (the API Key field).');
	});

	it('a Base URL without http(s):// is refused before anything is sent, in words', async () => {
		for (const [cred, name, own] of [[new ClipdropApi(), 'Clipdrop', 'https://clipdrop-api.co'], [new XimilarApi(), 'Ximilar', 'https://api.ximilar.com']] as const) {
			expect(await runCredentialTest(cred, { apiKey: 'k', apiToken: 'k', baseUrl: 'api.example.com' })).toEqual({
				status: 'Error',
				message: `The ${name} Base URL "api.example.com" is not a web address: it must start with https:// or http:// (${name}'s own is ${own}). Nothing was sent.`,
			});
		}
	});

	it('Ximilar: the header tolerates a pasted prefix; the account details answer the test; 401 names the field', async () => {
		const x = new XimilarApi();
		expect((await x.authenticate({ apiToken: ' Token abc ', baseUrl: XM }, { url: '/' })).headers).toEqual({ Authorization: 'Token abc' });
		nock(XM, { reqheaders: { authorization: 'Token abc' } }).get('/account/v2/details/').reply(200, { id: 1 });
		expect(await runCredentialTest(x, { apiToken: 'abc', baseUrl: XM })).toEqual({ status: 'OK', message: 'Connection successful!' });
		nock(XM).get('/account/v2/details/').reply(401, { detail: 'Invalid token.' });
		expect((await runCredentialTest(x, { apiToken: 'abc', baseUrl: XM })).message).toBe('Ximilar rejected the API token (401): check the token (the API Token field).');
	});
});

describe('version 2, the agent tool, and errors as n8n shows them', () => {
	const v2 = (extra: Record<string, unknown> = {}) => {
		const { waitForResult: _drop, ...rest } = cdParams(extra);
		return { waitMode: 'poll', ...rest };
	};
	const asyncDone = (id: string) =>
		nock(CD)
			.post('/image-upscaling/v1/async-upscale')
			.reply(200, { taskId: id }, { 'x-credits-consumed': '1', 'x-remaining-credits': '9' })
			.get(`/async-tasks/v1/task-status/${id}`)
			.reply(200, { status: 'completed' })
			.get(`/async-tasks/v1/result/${id}`)
			.reply(200, { downloadUrl: `http://storage.unit/${id}.jpg?sig=x` });

	it('keeps the input item: its fields and binaries stay, the result is added', async () => {
		nock(CD).post('/image-upscaling/v1/upscale').reply(200, big, { 'content-type': 'image/jpeg', 'x-credits-consumed': '1' });
		const items = [{ json: { orderId: 42, status: 'paid' }, binary: { ...bin(sample), thumb: { data: 'AA==', mimeType: 'image/png', fileName: 't.png' } } }];
		const [item] = await run({ params: v2({ options: { outputBinaryPropertyName: 'upscaled' } }), items, credentials: clipdropCreds(key()), typeVersion: 2 });
		expect(item.json).toMatchObject({ orderId: 42, status: 'completed', provider: 'clipdrop' });
		expect(Object.keys(item.binary!).sort()).toEqual(['data', 'thumb', 'upscaled']);
		expect(item.binary!.upscaled.fileName).toBe('cat-upscaled.jpg');
	});

	it('Return Task submits and returns the task; output options kept from before are not used', async () => {
		let submitted = '';
		nock(CD)
			.post('/image-upscaling/v1/async-upscale', (b) => ((submitted = Buffer.from(String(b), 'hex').toString('latin1')), true))
			.reply(200, { taskId: 't-r' }, { 'x-credits-consumed': '1' });
		const [item] = await run({ params: v2({ waitMode: 'returnTask', options: { execution: 'sync', outputBinaryPropertyName: 'x' } }), items: [{ json: { keep: 1 }, binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2 });
		expect(submitted).toContain('name="strategy"');
		expect(item.json).toMatchObject({ keep: 1, taskId: 't-r', status: 'submitted' });
		expect(Object.keys(item.binary!)).toEqual(['data']);
	});

	it('as an agent tool: the async endpoint, and a result an agent can use (URL, size, credits, task id), no binary', async () => {
		asyncDone('t-tool');
		nock('http://storage.unit').get('/t-tool.jpg').query(true).reply(200, big, { 'content-type': 'image/jpeg' });
		const [item] = await run({ params: v2(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2, tool: true });
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ taskId: 't-tool', resultUrl: 'http://storage.unit/t-tool.jpg?sig=x', width: 600, height: 400, creditsUsed: 1 });
		expect(typeof item.json.resultExpiresAt).toBe('string');
	});

	it('"Custom API Call" (which n8n adds to the operations) says to use the HTTP Request node', async () => {
		const e = await failure({ params: v2({ operation: '__CUSTOM_API_CALL__' }), credentials: clipdropCreds(key()), typeVersion: 2 });
		expect(e).toBeInstanceOf(NodeOperationError);
		expect(e.message).toBe('A custom API call is made with n8n\'s HTTP Request node: add one, set Authentication to "Predefined Credential Type" and choose Clipdrop API. This node upscales images (Upscale Image) and fetches tasks (Get Task).');
	});

	it('a Base URL without http(s):// says the URL is wrong (nothing was sent), not "connection failed"', async () => {
		const e = await failure({ params: v2(), items: [{ binary: bin(sample) }], credentials: { clipdropApi: { apiKey: 'k-123456', baseUrl: 'clipdrop-api.co' } }, typeVersion: 2 });
		expect(e).toBeInstanceOf(NodeOperationError);
		expect(e.message).toBe('The Clipdrop Base URL "clipdrop-api.co" is not a web address: it must start with https:// or http:// (Clipdrop\'s own is https://clipdrop-api.co). Nothing was sent.');
	});

	it("the vendor's words once (message), not again in the description; 429 names the credential's field", async () => {
		nock(CD).post('/image-upscaling/v1/upscale').reply(403, { error: 'Invalid api key' });
		const e = (await failure({ params: v2(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2 })) as NodeApiError;
		expect(e.message.match(/Invalid api key/g)).toHaveLength(1);
		expect(e.description).toBe('Error code: AUTH');
		nock(CD).post('/image-upscaling/v1/upscale').times(10).reply(429, { error: 'Too many requests' }, { 'retry-after': '0' });
		const limited = await failure({ params: v2(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2 });
		expect(limited.message).toContain('set it (Requests per Minute in the Clipdrop API credential)');
		expect(limited.message).not.toMatch(/CLIPDROP_/);
	});

	it("a failure that is not the vendor's is not labelled as the vendor's; n8n's own errors pass by name", async () => {
		const broken = context({ params: v2(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2 });
		broken.helpers.getBinaryDataBuffer = async () => {
			throw new TypeError('disk went away');
		};
		const e = await new Upscaler().execute.call(broken).catch((x: Error) => x);
		expect(e).toBeInstanceOf(NodeOperationError);
		expect((e as NodeOperationError).message).toBe('Unexpected failure: disk went away');
		expect((e as NodeOperationError).description).toBe('Error code: INTERNAL');

		// Another copy of n8n-workflow: same name, other class.
		class NodeOperationErrorCopy extends Error {
			override name = 'NodeOperationError';
		}
		const foreign = context({ params: v2(), items: [{ binary: bin(sample) }], credentials: clipdropCreds(key()), typeVersion: 2 });
		foreign.helpers.assertBinaryData = () => {
			throw new NodeOperationErrorCopy('No binary data found');
		};
		const f = await new Upscaler().execute.call(foreign).catch((x: Error) => x);
		expect(f).toBeInstanceOf(NodeOperationErrorCopy);
	});
});

describe('Resume on Webhook (Ximilar), the submitting side', () => {
	const params = (extra: Record<string, unknown> = {}) => ({ provider: 'ximilar', operation: 'upscale', inputSource: 'url', imageUrl: '={{ $json.url }}', ximilarScale: 2, mode: 'artifact_removal', model: 'classic', format: 'keep', tuneColors: true, waitMode: 'webhook', options: {}, ...extra });
	const at = (i: number) => (name: string) => (name === 'imageUrl' ? `https://img.unit/${i}.jpg` : (params() as Record<string, unknown>)[name]);
	const RESUME = 'https://n8n.example.com/webhook-waiting/7?signature=s3cr3t';

	it('submits every item, gives the last the resume URL with the others\' ids, and waits without holding a worker', async () => {
		const bodies: any[] = [];
		let n = 0;
		nock(XM)
			.post('/account/v2/request', (b) => (bodies.push(b), true))
			.times(2)
			.reply(201, () => ({ id: `r-${++n}`, status: 'CREATED' }))
			.get('/account/v2/details/')
			.times(4)
			.reply(200, { credits_counter: 10, credits_limit: 1000 });
		const ctx = context({
			params: (name, i) => at(i)(name),
			items: [{ json: { n: 0 } }, { json: { n: 1 } }],
			credentials: { ximilarApi: { apiToken: 'tok', baseUrl: XM } },
			typeVersion: 2,
			resumeUrl: RESUME,
		});
		const [out] = await new Upscaler().execute.call(ctx);
		expect(bodies[0].webhook).toBeUndefined();
		expect(bodies[1].webhook).toEqual({ endpoint: `${RESUME}&task=r-1&task=%7E` });
		expect(ctx.waitTill).toEqual(WAIT_INDEFINITELY);
		expect(out.map((o) => o.json)).toMatchObject([
			{ n: 0, taskId: 'r-1', status: 'submitted', waitMode: 'webhook' },
			{ n: 1, taskId: 'r-2', status: 'submitted', waitMode: 'webhook' },
		]);
	});

	it("refuses, before sending anything, when Ximilar could not call n8n back (n8n's default WEBHOOK_URL is localhost)", async () => {
		const e = await failure({ params: (name) => at(0)(name), credentials: { ximilarApi: { apiToken: 'tok' } }, typeVersion: 2, resumeUrl: 'http://localhost:5678/webhook-waiting/3?signature=s' });
		expect(e).toBeInstanceOf(NodeOperationError);
		expect(e.message).toBe(
			'Ximilar could not call this n8n back: its resume URL starts with http://localhost:5678, an address only this machine or network can reach. Set n8n\'s WEBHOOK_URL to a public address (for example https://n8n.example.com/), or choose Wait Mode "Poll". Nothing was sent.',
		);
		expect(e.message).not.toContain('s3cr3t');
	});

	it('a private n8n is fine when the Base URL is private too (a proxy or test server on the same network)', async () => {
		const ctx = context({ params: (name) => at(0)(name), credentials: { ximilarApi: { apiToken: 'tok', baseUrl: 'http://127.0.0.1:1' } }, typeVersion: 2, resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/3?signature=s' });
		nock('http://127.0.0.1:1').post('/account/v2/request').reply(201, { id: 'r-9', status: 'CREATED' }).get('/account/v2/details/').times(2).reply(200, { credits_counter: 1, credits_limit: 9 });
		const [out] = await new Upscaler().execute.call(ctx);
		expect(out[0].json).toMatchObject({ taskId: 'r-9', status: 'submitted' });
	});

	it('more items than one webhook call can carry are refused before anything is sent', async () => {
		const items = Array.from({ length: 101 }, () => ({ json: {} }));
		const e = await failure({ params: (name) => at(0)(name), items, credentials: { ximilarApi: { apiToken: 'tok', baseUrl: XM } }, typeVersion: 2, resumeUrl: RESUME });
		expect(e.message).toBe('Resume on Webhook takes up to 100 items per execution (one webhook call carries every task ID); this execution has 101. Split them with a Loop Over Items node, or choose Wait Mode "Poll".');
	});

	it('as an AI Agent tool it polls instead (a tool call cannot pause the execution)', async () => {
		nock(XM)
			.get('/account/v2/details/')
			.reply(200, { credits_counter: 10, credits_limit: 1000 })
			.post('/account/v2/request', (b) => !b.webhook)
			.reply(201, { id: 'r-t', status: 'CREATED' })
			.get('/account/v2/request/r-t/status')
			.reply(200, { status: 'DONE' })
			.get('/account/v2/request/r-t')
			.reply(200, { id: 'r-t', status: 'DONE', response: { records: [{ _upscaled_image_url: 'http://files.unit/t.png', _upscaled_width: 600, _upscaled_height: 400, _status: { code: 200 } }], status: { code: 200, text: 'OK' } } })
			.get('/account/v2/details/')
			.reply(200, { credits_counter: 35, credits_limit: 1000 });
		nock('http://files.unit').get('/t.png').reply(200, big, { 'content-type': 'image/jpeg' });
		const ctx = context({ params: (name) => (name === 'options' ? { pollInterval: 0.1 } : at(0)(name)), credentials: { ximilarApi: { apiToken: 'tok', baseUrl: XM } }, typeVersion: 2, tool: true, resumeUrl: RESUME });
		const [out] = await new Upscaler().execute.call(ctx);
		expect(ctx.waitTill).toBeUndefined();
		expect(out[0].json).toMatchObject({ taskId: 'r-t', status: 'completed', resultUrl: 'http://files.unit/t.png' });
	});
});
