/**
 * Upscale Image's Output choice (n8n's guideline for AI tools: at most 10 fields, or a choice): Simplified is ten flat
 * fields, Raw every fact. Raw stays the default in workflows (saved workflows keep their output), Simplified is the
 * default as an AI Agent's tool, in the panel (n8n's `@tool` rule, evaluated as the editor does) and at run time.
 */
import nock from 'nock';
import { nockOffline } from '../helpers/nock-offline';
import { NodeHelpers, NodeOperationError, type INodeParameters, type INodeTypeDescription } from 'n8n-workflow';
import { Upscaler } from '../../nodes/Upscaler/Upscaler.node';
import { context, type ContextSetup } from '../helpers/n8n-context';
import { jpeg } from '../helpers/images';

const CD = 'http://clipdrop.output.unit';
const STORE = 'http://storage.output.unit';
let sample: Buffer;
let big: Buffer;
let seq = 0;

nockOffline();
afterEach(() => nock.cleanAll());

beforeAll(async () => {
	sample = await jpeg(300, 200);
	big = await jpeg(600, 400);
});

const TEN = ['taskId', 'status', 'fileName', 'mimeType', 'width', 'height', 'creditsUsed', 'creditsRemaining', 'resultUrl', 'resultExpiresAt'];
const RAW = ['provider', 'operation', 'taskId', 'status', 'execution', 'input', 'output', 'credits', 'resultUrl', 'resultExpiresAt', 'vendorProcessingMs', 'elapsedMs', 'params'];
const bin = () => ({ data: { data: sample.toString('base64'), mimeType: 'image/jpeg', fileName: 'cat.jpg' } });
const creds = () => ({ clipdropApi: { apiKey: `cd-output-key-${++seq}`, baseUrl: CD, requestsPerMinute: 600 } });
const params = (extra: Record<string, unknown> = {}) => ({
	provider: 'clipdrop',
	operation: 'upscale',
	inputSource: 'binary',
	binaryPropertyName: 'data',
	sizeMode: 'scale',
	scale: 2,
	strategy: 'smooth',
	waitMode: 'poll',
	options: { pollInterval: 0.1 },
	...extra,
});

/** Clipdrop's async endpoint: submitted, completed, a signed URL with the 600 × 400 image behind it. */
function asyncDone(id: string) {
	nock(CD)
		.post('/image-upscaling/v1/async-upscale')
		.reply(200, { taskId: id }, { 'x-credits-consumed': '1', 'x-remaining-credits': '9' })
		.get(`/async-tasks/v1/task-status/${id}`)
		.reply(200, { status: 'completed' })
		.get(`/async-tasks/v1/result/${id}`)
		.reply(200, { downloadUrl: `${STORE}/${id}.jpg?sig=x` });
	nock(STORE).get(`/${id}.jpg`).query(true).reply(200, big, { 'content-type': 'image/jpeg' });
}

async function run(setup: Omit<ContextSetup, 'credentials'>) {
	const [out] = await new Upscaler().execute.call(context({ credentials: creds(), typeVersion: 2, ...setup }));
	return out;
}

const flat = (json: object) => Object.values(json).every((v) => v === null || typeof v !== 'object');

describe('Output: Simplified or Raw', () => {
	it('as an AI tool, by default: ten flat fields (task ID, file, size, credits, the URL and its expiry), no binary', async () => {
		asyncDone('t-s1');
		const [item] = await run({ params: params(), items: [{ binary: bin() }], tool: true });
		expect(Object.keys(item.json)).toEqual(TEN);
		expect(flat(item.json)).toBe(true);
		expect(item.json).toMatchObject({ taskId: 't-s1', status: 'completed', fileName: 'cat-upscaled.jpg', mimeType: 'image/jpeg', width: 600, height: 400, creditsUsed: 1, creditsRemaining: 9, resultUrl: `${STORE}/t-s1.jpg?sig=x` });
		expect(new Date(String(item.json.resultExpiresAt)).toISOString()).toBe(item.json.resultExpiresAt);
		expect(item.binary).toBeUndefined();
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('as an AI tool with Raw chosen: every fact, as before the choice existed', async () => {
		asyncDone('t-s2');
		const [item] = await run({ params: params({ output: 'raw' }), items: [{ binary: bin() }], tool: true });
		expect(Object.keys(item.json)).toEqual(RAW);
		expect(item.json).toMatchObject({ taskId: 't-s2', execution: 'async', output: { width: 600, height: 400 }, credits: { consumed: 1, remaining: 9 } });
	});

	it('in a workflow saved before the choice (no Output value), versions 1 and 2: Raw, unchanged', async () => {
		for (const typeVersion of [1, 2]) {
			asyncDone(`t-old-${typeVersion}`);
			const p = typeVersion === 1 ? { ...params({ waitForResult: true, options: { pollInterval: 0.1, execution: 'async' } }), waitMode: undefined } : params({ options: { pollInterval: 0.1, execution: 'async' } });
			const [item] = await run({ params: p, items: [{ binary: bin() }], typeVersion });
			expect(Object.keys(item.json)).toEqual(RAW);
			expect(item.binary!.data.fileName).toBe('cat-upscaled.jpg');
		}
	});

	it('Simplified in a workflow: the ten fields (the input item kept around them) and the image, named as fileName says', async () => {
		asyncDone('t-s3');
		const options = { pollInterval: 0.1, execution: 'async', fileName: 'big.jpg', outputBinaryPropertyName: 'upscaled' };
		const [item] = await run({ params: params({ output: 'simple', options }), items: [{ json: { orderId: 7 }, binary: bin() }] });
		expect(Object.keys(item.json)).toEqual(['orderId', ...TEN]);
		expect(item.json).toMatchObject({ orderId: 7, fileName: 'big.jpg', width: 600, height: 400 });
		expect(item.binary!.upscaled).toMatchObject({ fileName: 'big.jpg', mimeType: 'image/jpeg' });
		expect(Object.keys(item.binary!).sort()).toEqual(['data', 'upscaled']);
	});

	it('Simplified with Return Task: the same ten fields, status submitted, the size asked for, no file yet', async () => {
		nock(CD).post('/image-upscaling/v1/async-upscale').reply(200, { taskId: 't-s4' }, { 'x-credits-consumed': '1', 'x-remaining-credits': '4' });
		const [item] = await run({ params: params({ output: 'simple', waitMode: 'returnTask' }), items: [{ binary: bin() }] });
		expect(item.json).toEqual({ taskId: 't-s4', status: 'submitted', fileName: null, mimeType: null, width: 600, height: 400, creditsUsed: 1, creditsRemaining: 4, resultUrl: null, resultExpiresAt: null });
	});

	it('an Output value the node does not know fails the item, naming the choices, before anything is sent', async () => {
		const submit = nock(CD).post('/image-upscaling/v1/upscale').reply(200, big, { 'content-type': 'image/jpeg' });
		const e = await run({ params: params({ output: 'full' }), items: [{ binary: bin() }] }).catch((x: Error) => x);
		expect(e).toBeInstanceOf(NodeOperationError);
		expect((e as Error).message).toBe('Output is "Raw" or "Simplified"; this node has "full". Choose one in the node\'s Output parameter.');
		expect(submit.isDone()).toBe(false);
	});
});

describe('Output in the panel, as n8n evaluates it', () => {
	const d = new Upscaler().description;
	/** The description n8n derives for the node as an agent's tool (its name ends in "Tool"). */
	const asTool: INodeTypeDescription = { ...d, name: `${d.name}Tool` };
	const panel = (values: INodeParameters, description = d) => NodeHelpers.getNodeParameters(description.properties, values, true, false, { typeVersion: 2 }, description)!;

	it('Raw by default in a workflow, Simplified as an AI tool', () => {
		expect(panel({ provider: 'clipdrop' }).output).toBe('raw');
		expect(panel({ provider: 'ximilar' }, asTool).output).toBe('simple');
	});

	it('offered for Poll and Return Task, not for Resume on Webhook (whose items are made when the vendor calls)', () => {
		expect(panel({ provider: 'ximilar', waitMode: 'returnTask' })).toHaveProperty('output');
		expect(panel({ provider: 'ximilar', waitMode: 'webhook' })).not.toHaveProperty('output');
	});

	it('Get Task offers it too: Raw in a workflow, Simplified as an AI tool, whatever Wait Mode the node last had', () => {
		expect(panel({ provider: 'clipdrop', operation: 'getTask' }).output).toBe('raw');
		expect(panel({ provider: 'ximilar', operation: 'getTask', waitMode: 'webhook' }, asTool).output).toBe('simple');
	});

	it("the options are n8n's (Raw, Simplified), sorted, each saying what it carries", () => {
		const entries = d.properties.filter((x) => x.name === 'output');
		expect(entries.map((p) => p.default)).toEqual(['raw', 'simple', 'raw', 'simple']);
		for (const p of entries) {
			expect((p.options as Array<{ name: string; value: string }>).map((o) => [o.name, o.value])).toEqual([
				['Raw', 'raw'],
				['Simplified', 'simple'],
			]);
		}
	});
});

describe('Get Task: Output Simplified or Raw', () => {
	const TASK_TEN = ['taskId', 'status', 'position', 'failure', 'fileName', 'mimeType', 'width', 'height', 'resultUrl', 'resultExpiresAt'];
	const gt = (extra: Record<string, unknown> = {}) => ({ provider: 'clipdrop', operation: 'getTask', taskId: 't-g1', download: true, taskOptions: {}, ...extra });
	const completed = (id: string) => {
		nock(CD).get(`/async-tasks/v1/task-status/${id}`).reply(200, { status: 'completed' }).get(`/async-tasks/v1/result/${id}`).reply(200, { downloadUrl: `${STORE}/${id}.jpg?sig=x` });
		nock(STORE).get(`/${id}.jpg`).query(true).reply(200, big, { 'content-type': 'image/jpeg' });
	};

	it('as an AI tool, by default: ten flat fields of a queued task (its place in line), no binary', async () => {
		nock(CD).get('/async-tasks/v1/task-status/t-g1').reply(200, { status: 'queued', position: 3, eta: 1_800_000_000_000 });
		const [item] = await run({ params: gt(), items: [{ json: {} }], tool: true });
		expect(item.json).toEqual({ taskId: 't-g1', status: 'queued', position: 3, failure: null, fileName: null, mimeType: null, width: null, height: null, resultUrl: null, resultExpiresAt: null });
		expect(item.binary).toBeUndefined();
	});

	it('as an AI tool, a completed task: the image facts and the URL the agent can hand on, no binary', async () => {
		completed('t-g2');
		const [item] = await run({ params: gt({ taskId: 't-g2' }), items: [{ json: {} }], tool: true });
		expect(Object.keys(item.json)).toEqual(TASK_TEN);
		expect(flat(item.json)).toBe(true);
		expect(item.json).toMatchObject({ taskId: 't-g2', status: 'completed', fileName: 'task-t-g2.jpg', mimeType: 'image/jpeg', width: 600, height: 400, resultUrl: `${STORE}/t-g2.jpg?sig=x` });
		expect(item.binary).toBeUndefined();
	});

	it('Simplified in a workflow: the ten fields beside the input item, and the image as binary named as fileName says', async () => {
		completed('t-g3');
		const [item] = await run({ params: gt({ taskId: 't-g3', output: 'simple', taskOptions: { fileName: 'done.jpg' } }), items: [{ json: { orderId: 9 } }] });
		expect(Object.keys(item.json)).toEqual(['orderId', ...TASK_TEN]);
		expect(item.json).toMatchObject({ fileName: 'done.jpg', width: 600 });
		expect(item.binary!.data).toMatchObject({ fileName: 'done.jpg', mimeType: 'image/jpeg' });
	});

	it('Raw, the default in a workflow (and for workflows saved before the choice): every fact, nested output', async () => {
		completed('t-g4');
		const [item] = await run({ params: gt({ taskId: 't-g4' }), items: [{ json: {} }] });
		expect(Object.keys(item.json)).toEqual(['provider', 'operation', 'taskId', 'status', 'vendorStatus', 'position', 'eta', 'failure', 'resultUrl', 'resultExpiresAt', 'output']);
		expect(item.binary!.data.fileName).toBe('task-t-g4.jpg');
	});

	it('a failed task in Simplified says so in its status, as data', async () => {
		nock(CD).get('/async-tasks/v1/task-status/t-g5').reply(200, { status: 'failed' });
		const [item] = await run({ params: gt({ taskId: 't-g5', output: 'simple' }), items: [{ json: {} }] });
		expect(item.json).toMatchObject({ taskId: 't-g5', status: 'failed', fileName: null });
	});

	it('an Output value the node does not know fails the item before the vendor is asked', async () => {
		const asked = nock(CD).get('/async-tasks/v1/task-status/t-g6').reply(200, { status: 'queued' });
		const e = await run({ params: gt({ taskId: 't-g6', output: 'full' }), items: [{ json: {} }] }).catch((x: Error) => x);
		expect((e as Error).message).toBe('Output is "Raw" or "Simplified"; this node has "full". Choose one in the node\'s Output parameter.');
		expect(asked.isDone()).toBe(false);
	});
});
