/**
 * The Zapier app as Zapier runs it: loaded from zapier/ after the build, validated with zapier-platform-schema, and
 * every create and search run by zapier-platform-core's createAppTester against the vendor fakes. What leaves for
 * Zapier's own services is intercepted with nock: z.stashFile's RPC call and its S3 upload (whose bytes are read
 * back and checked), and the callback Ximilar makes to z.generateCallbackUrl().
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import nock from 'nock';
import { nockOffline } from '../helpers/nock-offline';
import sharp from 'sharp';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-zapier-key-0123456789';
const CD_EMPTY = 'cd-zapier-key-empty-012345';
const XM_TOKEN = 'xm-zapier-token-0123456789';
const SECRETS = [CD_KEY, CD_EMPTY, XM_TOKEN];
const CALLBACK = 'https://auth-json-server.zapier-staging.com/echo';

/* eslint-disable @typescript-eslint/no-require-imports */
let App: any;
let appTester: (f: unknown, bundle?: unknown) => Promise<any>;
let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
let big: Buffer;
const stashed: Array<{ key: string; body: Buffer }> = [];
const callbacks: unknown[] = [];

/** The bytes of the file an S3 presigned POST carried (multipart: the "file" part). */
function uploadedFile(body: Buffer): Buffer {
	const text = body.toString('latin1');
	const boundary = text.slice(0, text.indexOf('\r\n'));
	const part = text.split(boundary).find((p) => /name="file"/.test(p))!;
	const start = part.indexOf('\r\n\r\n') + 4;
	return Buffer.from(part.slice(start, part.length - 2), 'latin1');
}

function interceptZapier(): void {
	nock('https://rpc.zapier.com')
		.persist()
		.post('/cli', (b: { method?: string }) => b.method === 'get_presigned_upload_post_data')
		.reply(200, (_uri, raw: any) => {
			const body = typeof raw === 'string' ? JSON.parse(raw) : raw;
			const key = `cli_platform/test/${stashed.length + 1}`;
			return { id: body.id, result: { url: 'https://zapier-dev-files.s3.amazonaws.com/', fields: { key, policy: 'p', signature: 's' } } };
		});
	nock('https://zapier-dev-files.s3.amazonaws.com')
		.persist()
		.post('/')
		.reply(204, function (_uri, body) {
			const raw = Buffer.from(body as string, 'hex');
			const key = /name="key"\r\n\r\n([^\r]+)/.exec(raw.toString('latin1'))![1];
			stashed.push({ key, body: raw });
			return '';
		});
	nock('https://auth-json-server.zapier-staging.com')
		.persist()
		.post('/echo')
		.reply(200, (_uri, body) => {
			callbacks.push(body);
			return { ok: true };
		});
}

const auth = (over: Record<string, string> = {}) => ({ clipdrop_api_key: CD_KEY, clipdrop_base_url: cd.url, ximilar_api_token: XM_TOKEN, ximilar_base_url: xm.url, ...over });
const create = () => App.creates.upscale_image.operation;
const search = () => App.searches.find_upscale_task.operation;

/** What a Zap user reads when a step fails: the platform error's name and its message (JSON for z.errors.Error). */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string; code?: string; delay?: number }> {
	try {
		await p;
	} catch (e) {
		const err = e as Error;
		for (const s of SECRETS) expect(err.message).not.toContain(s);
		if (err.name === 'AppError') return { name: err.name, ...JSON.parse(err.message) };
		if (err.name === 'ThrottledError') return { name: err.name, ...JSON.parse(err.message) };
		return { name: err.name, message: err.message };
	}
	throw new Error('expected the step to fail');
}

nockOffline(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

beforeAll(async () => {
	process.env.ZAPIER_DEPLOY_KEY = 'test-deploy-key';
	const built = resolve(ROOT, 'zapier/dist/zapier/src/index.js');
	if (!existsSync(built)) throw new Error('The Zapier app is not built: run `npm run build` first.');
	App = require(resolve(ROOT, 'zapier'));
	appTester = require('zapier-platform-core').createAppTester(App);
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000, [CD_EMPTY]: 0 }, taskDurationMs: 200, retryAfterSeconds: 1 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 100_000 } }, taskDurationMs: 300, allowedHosts: ['127.0.0.1', 'auth-json-server.zapier-staging.com'] });
	await cd.start();
	await xm.start();
	big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#48a' } }).jpeg().toBuffer();
	files = http.createServer((req, res) => {
		if (req.url === '/photo.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE);
		if (req.url === '/big.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(big);
		// A slow host: the image arrives after 17 s, leaving less of Zapier's 30 s than an instant upscale may need.
		if (req.url === '/slow.jpg') return void setTimeout(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE), 17_000);
		if (req.url === '/notes.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
	interceptZapier();
});

afterAll(async () => {
	await cd.stop();
	await xm.stop();
	files.close();
});

beforeEach(() => {
	cd.reset();
	xm.reset();
	stashed.length = 0;
	callbacks.length = 0;
});

describe('the app definition', () => {
	test('loads with require("./zapier") after the build and passes zapier-platform-schema', () => {
		// As `zapier validate` does it: functions replaced by markers, then the schema.
		const { validateAppDefinition } = require('zapier-platform-schema');
		const { recurseCleanFuncs } = require(resolve(ROOT, 'node_modules/zapier-platform-core/src/tools/cleaner.js'));
		const result = validateAppDefinition(recurseCleanFuncs(App));
		expect(result.errors).toEqual([]);
		expect(App.platformVersion).toBe(JSON.parse(readFileSync(resolve(ROOT, 'node_modules/zapier-platform-core/package.json'), 'utf8')).version);
		expect(Object.keys(App.creates)).toEqual(['upscale_image']);
		expect(Object.keys(App.searches)).toEqual(['find_upscale_task']);
	});

	test("zapier/package.json asks for the versions this repository builds and tests with", () => {
		const app = JSON.parse(readFileSync(resolve(ROOT, 'zapier/package.json'), 'utf8'));
		const root = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
		expect(app.dependencies['zapier-platform-core']).toBe(root.devDependencies['zapier-platform-core']);
		expect(app.dependencies.zod).toBe(root.dependencies?.zod ?? root.devDependencies.zod);
	});

	test('the options shown follow the provider, from the registry', () => {
		const dynamic = create().inputFields.find((f: unknown) => typeof f === 'function');
		expect(dynamic(null, { inputData: { provider: 'clipdrop' } }).map((f: { key: string }) => f.key)).toEqual(['scale', 'width', 'height', 'strategy']);
		const xmFields = dynamic(null, { inputData: { provider: 'ximilar' } });
		expect(xmFields.map((f: { key: string }) => f.key)).toEqual(['scale', 'mode', 'model', 'format', 'quality', 'tune_colors']);
		expect(xmFields.find((f: { key: string }) => f.key === 'mode')).toMatchObject({ label: 'Mode', type: 'string', choices: [{ value: 'artifact_removal', label: 'Artifact removal', sample: 'artifact_removal' }, expect.anything(), expect.anything()] });
		expect(xmFields.find((f: { key: string }) => f.key === 'tune_colors')).toMatchObject({ label: 'Tune Colors', type: 'boolean' });
		expect(dynamic(null, { inputData: {} })).toEqual([]);
		const provider = create().inputFields.find((f: { key?: string }) => f.key === 'provider');
		expect(provider).toMatchObject({ required: true, altersDynamicFields: true, choices: [{ value: 'clipdrop', label: 'Clipdrop' }, { value: 'ximilar', label: 'Ximilar' }] });
	});
});

/** Every field a Zap user can meet: the connection's, and each step's for each provider (the dynamic ones too). */
function forms(): Array<{ form: string; fields: Array<{ key: string; label: string; helpText?: string }> }> {
	const steps = [...Object.values(App.creates), ...Object.values(App.searches)] as Array<{ key: string; operation: { inputFields: unknown[] } }>;
	const out = [{ form: 'connection', fields: App.authentication.fields }];
	for (const step of steps) {
		for (const provider of ['clipdrop', 'ximilar']) {
			const fields = step.operation.inputFields.flatMap((f) => (typeof f === 'function' ? f(null, { inputData: { provider } }) : [f]));
			out.push({ form: `${step.key} (${provider})`, fields });
		}
	}
	return out;
}

describe("Zapier's style rules (what zapier validate and the reviewers check)", () => {
	test('every label is unique within its form', () => {
		for (const { form, fields } of forms()) {
			const labels = fields.map((f) => f.label);
			expect([form, labels.filter((l, i) => labels.indexOf(l) !== i)]).toEqual([form, []]);
		}
		const dynamic = create().inputFields.find((f: unknown) => typeof f === 'function');
		expect(dynamic(null, { inputData: { provider: 'clipdrop' } }).map((f: { label: string }) => f.label)).toEqual(['Scale', 'Width', 'Height', 'Strategy']);
	});

	test('no raw URL in any help text (D008): links are markdown', () => {
		for (const { form, fields } of forms()) {
			for (const f of fields) {
				const bare = (f.helpText ?? '').replace(/\]\(https?:\/\/[^)\s]+\)/g, '](link)').match(/https?:\/\/\S+/g);
				expect([form, f.key, bare]).toEqual([form, f.key, null]);
			}
		}
	});

	test("each key field's help links where to get the key (D002)", () => {
		const keys = App.authentication.fields.filter((f: { type: string }) => f.type === 'password');
		expect(keys).toHaveLength(2);
		for (const f of keys) expect(f.helpText).toMatch(/\[[^\]]+\]\(https:\/\/[^)]+\)/);
	});

	test("help speaks of the chosen provider only, and Ximilar's scale is a choice of 2, 4 or 8", () => {
		const dynamic = create().inputFields.find((f: unknown) => typeof f === 'function');
		const cdFields = dynamic(null, { inputData: { provider: 'clipdrop' } });
		for (const f of cdFields) expect([f.key, f.helpText]).toEqual([f.key, expect.not.stringMatching(/Ximilar|Local|local engine/)]);
		const xmFields = dynamic(null, { inputData: { provider: 'ximilar' } });
		for (const f of xmFields) expect([f.key, f.helpText]).toEqual([f.key, expect.not.stringMatching(/Clipdrop|Local|local engine/)]);
		expect(xmFields.find((f: { key: string }) => f.key === 'scale')).toMatchObject({ type: 'string', choices: [{ value: '2', label: '2×' }, { value: '4', label: '4×' }, { value: '8', label: '8×' }] });
		expect(cdFields.find((f: { key: string }) => f.key === 'scale')).toMatchObject({ type: 'number' });
		expect(cdFields.find((f: { key: string }) => f.key === 'scale').choices).toBeUndefined();
	});
});

describe('the connection', () => {
	test('a connection with both keys is tested without spending a credit, and labelled with both', async () => {
		const before = cd.credits.get(CD_KEY);
		const r = await appTester(App.authentication.test, { authData: auth() });
		// The label tells connections apart by a checksum of each key (never the key) and any base URL's host.
		const tag = (k: string) => createHash('sha256').update(k).digest('hex').slice(0, 4);
		expect(r).toEqual({ providers: 'Clipdrop + Ximilar', connection: `Clipdrop #${tag(CD_KEY)} via ${new URL(cd.url).host} + Ximilar #${tag(XM_TOKEN)} via ${new URL(xm.url).host}` });
		expect(App.authentication.connectionLabel).toBe('{{connection}}');
		const other = await appTester(App.authentication.test, { authData: auth({ clipdrop_api_key: CD_EMPTY }) });
		expect(other.connection).not.toBe(r.connection);
		for (const secret of SECRETS) expect(JSON.stringify([r, other])).not.toContain(secret);
		expect(cd.credits.get(CD_KEY)).toBe(before);
		expect(App.authentication.fields.map((f: { key: string; type: string }) => `${f.key}:${f.type}`)).toEqual(['clipdrop_api_key:password', 'clipdrop_base_url:string', 'ximilar_api_token:password', 'ximilar_base_url:string']);
	});

	test('one key is enough; none is refused with what to enter', async () => {
		expect(await appTester(App.authentication.test, { authData: { ximilar_api_token: XM_TOKEN, ximilar_base_url: xm.url } })).toMatchObject({ providers: 'Ximilar', connection: expect.stringMatching(/^Ximilar #[0-9a-f]{4} via 127\.0\.0\.1:\d+$/) });
		const e = await failure(appTester(App.authentication.test, { authData: {} }));
		expect(e).toMatchObject({ name: 'AppError', code: 'AUTH', message: 'Enter a Clipdrop API key or a Ximilar API token (or both).' });
	});

	test('a key the vendor refuses is an auth error that names the field, never the key', async () => {
		const e = await failure(appTester(App.authentication.test, { authData: auth({ clipdrop_api_key: 'cd-wrong-key-0123456789' }) }));
		expect(e.name).toBe('ExpiredAuthError');
		expect(e.message).toMatch(/^Clipdrop rejected the API key \(403: invalid or revoked\): check the key/);
		expect(e.message).not.toContain('cd-wrong-key-0123456789');
	});
});

describe('Upscale Image', () => {
	test('Clipdrop, output that fits the instant endpoint: the upscaled file stashed in Zapier, with size and credits', async () => {
		const r = await appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/photo.jpg`, scale: '2' } });
		expect(r).toMatchObject({ status: 'completed', provider: 'clipdrop', task_id: null, file_name: 'photo-upscaled.jpg', content_type: 'image/jpeg', format: 'jpeg', width: 640, height: 480, credits_consumed: 1, credits_remaining: 999 });
		expect(r.file).toBe(`https://zapier-dev-files.s3.amazonaws.com/${stashed[0].key}`);
		const meta = await sharp(uploadedFile(stashed[0].body)).metadata();
		expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);
		expect(r.bytes).toBe(uploadedFile(stashed[0].body).length);
		expect(cd.requests.map((q) => q.route)).toEqual(['sync']);
	});

	test("one 30 s clock for the step: an image that took 17 s to arrive becomes a task, not an instant upscale Zapier would cut off", async () => {
		const r = await appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/slow.jpg`, scale: '2' } });
		expect(r).toMatchObject({ status: 'submitted', provider: 'clipdrop', task_id: expect.any(String), file: null });
		expect(r.message).toMatch(/^Reading the image took most of the 30 seconds Zapier gives a step, so Clipdrop got it as a task\. Add a Delay step/);
		expect(cd.requests.map((q) => q.route)).toEqual(['async']);
	}, 40_000);

	test('Clipdrop, output too big for the instant endpoint: a task id with status submitted, then Find Upscale Task and its file', async () => {
		const r = await appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/big.jpg`, scale: 2 } });
		expect(r).toMatchObject({ status: 'submitted', provider: 'clipdrop', task_id: expect.any(String), file: null, width: 6000, height: 4000 });
		expect(r.message).toMatch(/too large for Clipdrop's instant endpoint.*Add a Delay step .* "Find Upscale Task" with this task ID/);
		expect(stashed).toHaveLength(0);
		const early = await appTester(search().perform, { authData: auth(), inputData: { provider: 'clipdrop', task_id: r.task_id } });
		expect(early).toEqual([expect.objectContaining({ status: 'queued', file: null, message: expect.stringMatching(/^Queued at Clipdrop.*try again later/) })]);
		await new Promise((res) => setTimeout(res, 300));
		const [found] = await appTester(search().perform, { authData: auth(), inputData: { provider: 'clipdrop', task_id: r.task_id } });
		expect(found).toMatchObject({ id: r.task_id, status: 'completed', message: 'Done: the image is in Upscaled File.' });
		expect(found.file).toMatch(/^hydrate\|\|\|.*\|\|\|hydrate$/);
		expect(stashed).toHaveLength(0); // nothing downloaded until a later step uses the file
		const payload = JSON.parse(found.file.split('|||')[1]);
		expect(payload).toMatchObject({ type: 'file', method: 'hydrators.resultFile', bundle: { provider: 'clipdrop', task_id: r.task_id } });
		const url = await appTester(App.hydrators.resultFile, { authData: auth(), inputData: payload.bundle });
		expect(url).toBe(`https://zapier-dev-files.s3.amazonaws.com/${stashed[0].key}`);
		const meta = await sharp(uploadedFile(stashed[0].body)).metadata();
		expect([meta.width, meta.height]).toEqual([6000, 4000]);
	});

	test('Ximilar: submitted with Zapier\'s callback URL, resumed on the callback with the finished file (no polling)', async () => {
		const bundle = { authData: auth(), inputData: { provider: 'ximilar', image: `${filesUrl}/photo.jpg`, scale: '4', mode: 'high_fidelity', tune_colors: 'false' } };
		const r = await appTester(create().perform, bundle);
		expect(r).toMatchObject({ status: 'submitted', provider: 'ximilar', task_id: expect.any(String), file: null });
		for (let i = 0; i < 50 && !xm.webhooks.length; i++) await new Promise((res) => setTimeout(res, 100));
		expect(callbacks).toHaveLength(1);
		expect(xm.webhooks).toEqual([{ endpoint: CALLBACK, status: 200 }]);
		const pollsBefore = xm.requests.filter((q) => q.route === 'status' || q.route === 'request').length;
		expect(pollsBefore).toBe(0);
		const done = await appTester(create().performResume, { ...bundle, outputData: r, cleanedRequest: callbacks[0] });
		expect(done).toMatchObject({ status: 'completed', provider: 'ximilar', task_id: r.task_id, width: 1280, height: 960, file: expect.stringMatching(/^https:\/\/zapier-dev-files/) });
		const meta = await sharp(uploadedFile(stashed[0].body)).metadata();
		expect([meta.width, meta.height]).toEqual([1280, 960]);
	});

	test('while the editor loads a sample: a sample, no vendor request, no credit', async () => {
		const r = await appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/photo.jpg` }, meta: { isLoadingSample: true } });
		expect(r).toMatchObject({ status: 'completed', message: 'A sample: no image was sent and no credit spent.' });
		expect(cd.requests).toHaveLength(0);
		expect(stashed).toHaveLength(0);
	});

	test.each([
		['no key for the provider', { authData: { ximilar_api_token: XM_TOKEN }, inputData: { provider: 'clipdrop', image: 'PHOTO' } }, { code: 'AUTH', status: 401, message: 'This Upscale connection has no Clipdrop API key (it has Ximilar): add one to the connection, or pick another provider.' }],
		['no image', { inputData: { provider: 'clipdrop', image: '' } }, { code: 'INVALID_INPUT', message: 'Map a file from an earlier step (or a public image URL) into Image.' }],
		['no provider', { inputData: { image: 'PHOTO' } }, { code: 'INVALID_OPTIONS', message: 'Pick a provider: Clipdrop or Ximilar.' }],
		['a file that is not an image', { inputData: { provider: 'clipdrop', image: 'NOTES' } }, { code: 'INVALID_INPUT', message: expect.stringMatching(/not a PNG, JPEG or WebP image/) }],
		['an option the vendor does not take', { inputData: { provider: 'ximilar', image: 'PHOTO', scale: '3' } }, { code: 'INVALID_OPTIONS', message: expect.stringMatching(/Ximilar.*2, 4 or 8/) }],
	])('%s: refused before anything is sent, with the next step', async (_name, bundle: any, expected) => {
		const image = String(bundle.inputData.image).replace('PHOTO', `${filesUrl}/photo.jpg`).replace('NOTES', `${filesUrl}/notes.txt`);
		const e = await failure(appTester(create().perform, { authData: bundle.authData ?? auth(), inputData: { ...bundle.inputData, image } }));
		expect(e).toMatchObject({ name: 'AppError', status: 400, ...(expected as object) });
		expect(cd.requests).toHaveLength(0);
		expect(xm.requests).toHaveLength(0);
	});

	test('a key the vendor refuses while the Zap runs: an auth error, so Zapier asks to reconnect', async () => {
		const e = await failure(appTester(create().perform, { authData: auth({ ximilar_api_token: 'xm-revoked-token-0123456789' }), inputData: { provider: 'ximilar', image: `${filesUrl}/photo.jpg`, scale: 2 } }));
		expect(e.name).toBe('ExpiredAuthError');
		expect(e.message).toMatch(/Ximilar/);
		expect(e.message).not.toContain('xm-revoked-token-0123456789');
	});

	test('no credits left: the vendor\'s refusal with its code and what to do', async () => {
		const e = await failure(appTester(create().perform, { authData: auth({ clipdrop_api_key: CD_EMPTY }), inputData: { provider: 'clipdrop', image: `${filesUrl}/photo.jpg` } }));
		expect(e).toMatchObject({ name: 'AppError', code: 'NO_CREDITS', status: 402, message: expect.stringMatching(/credits/i) });
	});

	test('still rate limited after the core\'s retries: ThrottledError, so Zapier runs the step again later', async () => {
		cd.faults.push({ route: 'sync', kind: 'status', status: 429, times: 20, headers: { 'retry-after': '1' }, body: '{"error":"Too many requests"}' });
		const e = await failure(appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/photo.jpg` } }));
		expect(e).toMatchObject({ name: 'ThrottledError', delay: 60, message: expect.stringMatching(/Clipdrop kept refusing requests with 429/) });
		expect(e.message).toMatch(/Zapier retries a throttled step by itself/);
	});
});

describe('Find Upscale Task', () => {
	test('a task the vendor failed: status failed and the vendor\'s words, no file', async () => {
		cd.faults.push({ route: 'async', kind: 'fail-task' });
		const r = await appTester(create().perform, { authData: auth(), inputData: { provider: 'clipdrop', image: `${filesUrl}/big.jpg`, scale: 2 } });
		await new Promise((res) => setTimeout(res, 300));
		const [found] = await appTester(search().perform, { authData: auth(), inputData: { provider: 'clipdrop', task_id: r.task_id } });
		expect(found).toMatchObject({ status: 'failed', file: null, message: 'Clipdrop reported that the task failed.' });
	});

	test('an unknown task id is "nothing found"; a malformed one is refused', async () => {
		expect(await appTester(search().perform, { authData: auth(), inputData: { provider: 'ximilar', task_id: '5a4ef5a4-0000-4000-8000-000000000000' } })).toEqual([]);
		const e = await failure(appTester(search().perform, { authData: auth(), inputData: { provider: 'clipdrop', task_id: 'a b/c' } }));
		expect(e).toMatchObject({ name: 'AppError', code: 'INVALID_OPTIONS', message: '"a b/c" is not a valid task id.' });
	});
});
