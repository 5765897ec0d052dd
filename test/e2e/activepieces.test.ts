/**
 * The Activepieces piece as Activepieces runs it: loaded from activepieces/ after the build and picked out of the
 * module as the engine picks it (extractPieceFromModule), its connection checked with `validate` as the engine
 * calls it (the props themselves), and its actions' run() given the context the engine's piece executor builds
 * (context version 2: auth as `{ type, props }`, files, store, server, run with createWaitpoint/waitForWaitpoint,
 * executionType and resumePayload), against the strict fakes of both vendors. A small HTTP server stands in for
 * Activepieces' resume endpoint: Ximilar's webhook call lands there, and the step is run again with RESUME and the
 * call as its payload, in a fresh context sharing only the flow's store, as after a worker restart.
 */
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '../..');
const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'cd-ap-key-0123456789abcdef';
const CD_EMPTY = 'cd-ap-key-empty-0123456789';
const XM_TOKEN = 'xm-ap-token-0123456789abcdef';
const SECRETS = [CD_KEY, CD_EMPTY, XM_TOKEN];

/* eslint-disable @typescript-eslint/no-require-imports */
let piece: any;
let ApFile: any;
let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
let ap: http.Server;
let apUrl = '';
let big: Buffer;
/** Calls of waitpoints' resume URLs, as Activepieces' resume endpoint receives them. */
const resumeCalls: Array<{ waitpointId: string; body: unknown; headers: Record<string, string>; queryParams: Record<string, string> }> = [];

const props = (over: Record<string, string> = {}) => ({ clipdrop_api_key: CD_KEY, clipdrop_base_url: cd.url, ximilar_api_token: XM_TOKEN, ximilar_base_url: xm.url, ...over });

/** The flow's store as the engine's store service keeps it: by scope and key, across runs of the step. */
class FlowStore {
	readonly entries = new Map<string, unknown>();
	async put<T>(key: string, value: T, scope = 'FLOW'): Promise<T> {
		if (key.length > 128) throw new Error('key too long');
		this.entries.set(`${scope}:${key}`, JSON.parse(JSON.stringify(value)));
		return value;
	}
	async get<T>(key: string, scope = 'FLOW'): Promise<T | null> {
		return (this.entries.get(`${scope}:${key}`) as T) ?? null;
	}
	async delete(key: string, scope = 'FLOW'): Promise<void> {
		this.entries.delete(`${scope}:${key}`);
	}
}

interface Run {
	ctx: any;
	written: Array<{ fileName: string; data: Buffer; url: string }>;
	waitpoints: Array<{ id: string; resumeUrl: string; type: string }>;
	waitedFor: string[];
}

/** The context the engine's piece executor builds for a step (packages/server/engine, piece-executor.ts). */
function context(o: { propsValue: Record<string, unknown>; auth?: Record<string, string>; store?: FlowStore; runId?: string; resume?: unknown; resumeBase?: string }): Run {
	const run: Run = { ctx: undefined, written: [], waitpoints: [], waitedFor: [] };
	const runId = o.runId ?? `run${Math.random().toString(36).slice(2, 12)}`;
	run.ctx = {
		executionType: o.resume ? 'RESUME' : 'BEGIN',
		resumePayload: o.resume,
		store: o.store ?? new FlowStore(),
		output: { update: async () => undefined },
		flows: { list: async () => ({ data: [], next: null, previous: null }), current: { id: 'flow1', version: { id: 'flowversion1' } } },
		step: { name: 'upscale_image' },
		auth: { type: 'CUSTOM_AUTH', props: o.auth ?? props() },
		files: {
			write: async ({ fileName, data }: { fileName: string; data: Buffer }) => {
				const url = `${apUrl}/api/v1/step-files/${run.written.length + 1}`;
				run.written.push({ fileName, data, url });
				return url;
			},
		},
		server: { token: 'engine-token', apiUrl: `${apUrl}/api/`, publicUrl: `${apUrl}/api/` },
		agent: { tools: async () => ({}) },
		propsValue: o.propsValue,
		tags: { add: async () => undefined },
		connections: { get: async () => null },
		run: {
			id: runId,
			stop: () => undefined,
			respond: () => undefined,
			createWaitpoint: async ({ type }: { type: string }) => {
				const id = `wp${run.waitpoints.length + 1}${runId}`;
				const resumeUrl = `${o.resumeBase ?? apUrl}/api/v1/flow-runs/${runId}/waitpoints/${id}`;
				run.waitpoints.push({ id, resumeUrl, type });
				return { id, resumeUrl, buildResumeUrl: ({ queryParams }: { queryParams: Record<string, string> }) => `${resumeUrl}?${new URLSearchParams(queryParams)}` };
			},
			waitForWaitpoint: (id: string) => void run.waitedFor.push(id),
		},
		project: { id: 'project1', externalId: async () => undefined },
	};
	return run;
}

const action = (name: string) => piece.getAction(name);
const photo = () => new ApFile('photo.jpg', SAMPLE, 'jpg');

/** What a flow shows when a step fails: the thrown error's message (never a key). */
async function failure(p: Promise<unknown>): Promise<string> {
	try {
		await p;
	} catch (e) {
		const message = (e as Error).message;
		for (const s of SECRETS) expect(message).not.toContain(s);
		return message;
	}
	throw new Error('expected the step to fail');
}

async function until(done: () => boolean): Promise<void> {
	for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
	const built = resolve(ROOT, 'activepieces/dist/activepieces/src/index.js');
	if (!existsSync(built)) throw new Error('The Activepieces piece is not built: run `npm run build` first.');
	const { extractPieceFromModule } = require('@activepieces/shared');
	piece = extractPieceFromModule({ module: require(resolve(ROOT, 'activepieces')), pieceName: 'upscale-activepieces', pieceVersion: '0.1.0' });
	({ ApFile } = require('@activepieces/pieces-framework'));
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000, [CD_EMPTY]: 0 }, taskDurationMs: 200, retryAfterSeconds: 1 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 100_000 } }, taskDurationMs: 300 });
	await cd.start();
	await xm.start();
	big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#48a' } }).jpeg().toBuffer();
	files = http.createServer((req, res) => {
		if (req.url === '/photo.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SAMPLE);
		if (req.url === '/notes.txt') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('not an image');
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
	ap = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const u = new URL(req.url!, 'http://ap');
			const m = /\/waitpoints\/([^/]+)$/.exec(u.pathname);
			if (!m) return void res.writeHead(404).end();
			const text = Buffer.concat(chunks).toString('utf8');
			resumeCalls.push({ waitpointId: m[1], body: text ? JSON.parse(text) : undefined, headers: req.headers as Record<string, string>, queryParams: Object.fromEntries(u.searchParams) });
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});
	await new Promise<void>((r) => ap.listen(0, '127.0.0.1', () => r()));
	apUrl = `http://127.0.0.1:${(ap.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await cd.stop();
	await xm.stop();
	files.close();
	ap.close();
});

beforeEach(() => {
	cd.reset();
	xm.reset();
	resumeCalls.length = 0;
	delete process.env.UPSCALE_ALLOW_PRIVATE_URLS;
});

describe('the piece', () => {
	test('loads from activepieces/ as the engine loads it, with its two actions and the connection of the Zapier app', () => {
		expect(piece.constructor.name).toBe('Piece');
		expect(Object.keys(piece.actions())).toEqual(['upscale_image', 'get_task']);
		expect(Object.keys(piece.auth.props)).toEqual(['clipdrop_api_key', 'clipdrop_base_url', 'ximilar_api_token', 'ximilar_base_url']);
		expect(piece.auth.props.clipdrop_api_key).toMatchObject({ type: 'SECRET_TEXT', required: false, displayName: 'Clipdrop API Key' });
		expect(piece.minimumSupportedRelease).toBe('0.82.0');
	});

	test("its metadata passes the framework's own PieceMetadata schema, as the server stores a piece it installs", () => {
		const { PieceMetadata } = require(resolve(ROOT, 'node_modules/@activepieces/pieces-framework'));
		const pkg = JSON.parse(readFileSync(resolve(ROOT, 'activepieces/package.json'), 'utf8'));
		const meta = { ...piece.metadata(), name: pkg.name, version: pkg.version, authors: piece.authors ?? [] };
		// The secrets are secret fields, which the server masks and never shows again. The framework's zod union for a
		// CustomAuth's props (0.32.0) lacks SECRET_TEXT although its TypeScript type has it and Activepieces' own pieces
		// use it there (the Activepieces platform piece's API Key): checked as such, the rest by the schema.
		const secret = Object.entries(meta.auth.props).filter(([, p]: [string, any]) => p.type === 'SECRET_TEXT').map(([k]) => k);
		expect(secret).toEqual(['clipdrop_api_key', 'ximilar_api_token']);
		const props = Object.fromEntries(Object.entries(meta.auth.props).map(([k, p]: [string, any]) => [k, secret.includes(k) ? { ...p, type: 'SHORT_TEXT' } : p]));
		const checked = PieceMetadata.safeParse({ ...meta, auth: { ...meta.auth, props } });
		expect(checked.success ? [] : checked.error.issues.map((i: { path: unknown[]; message: string }) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
	});

	test('activepieces/package.json asks for the versions this repository builds and tests with', () => {
		const pkg = JSON.parse(readFileSync(resolve(ROOT, 'activepieces/package.json'), 'utf8'));
		const root = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
		const installed = (name: string) => JSON.parse(readFileSync(resolve(ROOT, `node_modules/${name}/package.json`), 'utf8')).version;
		expect(pkg.dependencies['@activepieces/pieces-framework']).toBe(root.devDependencies['@activepieces/pieces-framework']);
		expect(pkg.dependencies['@activepieces/shared']).toBe(installed('@activepieces/shared'));
		expect(pkg.dependencies.undici).toBe(root.devDependencies.undici);
		expect(pkg.dependencies.zod).toBe(root.devDependencies.zod);
	});

	test('the providers come from the registry, and the options shown follow the provider', async () => {
		const upscale = action('upscale_image');
		expect(upscale.props.provider.options.options).toEqual([{ label: 'Clipdrop', value: 'clipdrop' }, { label: 'Ximilar', value: 'ximilar' }]);
		const dynamic = upscale.props.options;
		expect(dynamic.refreshers).toEqual(['provider']);
		expect(Object.keys(await dynamic.props({ provider: 'clipdrop' }, {}))).toEqual(['scale', 'width', 'height', 'strategy']);
		const xmProps = await dynamic.props({ provider: 'ximilar' }, {});
		expect(Object.keys(xmProps)).toEqual(['scale', 'mode', 'model', 'format', 'quality', 'tune_colors', 'wait']);
		expect(xmProps.mode.options.options[0]).toEqual({ label: 'Artifact removal', value: 'artifact_removal' });
		expect(xmProps.wait).toMatchObject({ defaultValue: 'pause', options: { options: [{ value: 'pause' }, { value: 'step' }] } });
		expect(await dynamic.props({}, {})).toEqual({});
	});
});

describe('the connection (validate)', () => {
	test('both keys: checked without spending a credit', async () => {
		expect(await piece.auth.validate({ auth: props(), server: { apiUrl: apUrl, publicUrl: apUrl } })).toEqual({ valid: true });
		expect(cd.credits.get(CD_KEY)).toBe(1000);
		expect(cd.requests.map((r) => r.route)).not.toContain('sync');
	});

	test('one key is enough; none is refused with what to enter', async () => {
		expect(await piece.auth.validate({ auth: { ximilar_api_token: XM_TOKEN, ximilar_base_url: xm.url } })).toEqual({ valid: true });
		expect(await piece.auth.validate({ auth: { clipdrop_api_key: '  ' } })).toEqual({ valid: false, error: 'Enter a Clipdrop API key or a Ximilar API token (or both).' });
	});

	test('a key the vendor refuses: the vendor and the field to fix, never the key', async () => {
		const r = await piece.auth.validate({ auth: props({ clipdrop_api_key: 'cd-wrong-key-0123456789' }) });
		expect(r.valid).toBe(false);
		expect(r.error).toBe('Clipdrop rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page. Clipdrop said: "Invalid api key".');
		expect(r.error).not.toContain('cd-wrong-key-0123456789');
		const x = await piece.auth.validate({ auth: props({ ximilar_api_token: 'xm-wrong-token-0123456789' }) });
		expect(x.error).toMatch(/Ximilar/);
		expect(x.error).not.toContain('xm-wrong-token-0123456789');
	});

	test('a base URL that is not one: said before anything is sent', async () => {
		const r = await piece.auth.validate({ auth: props({ clipdrop_base_url: 'ftp://example.com' }) });
		expect(r).toEqual({ valid: false, error: expect.stringMatching(/http/) });
		expect(cd.requests).toHaveLength(0);
	});
});

describe('Upscale Image', () => {
	test('Clipdrop, a file: the upscaled file written with files.write, with size, format and credits', async () => {
		const run = context({ propsValue: { provider: 'clipdrop', image: photo(), options: { scale: '2' } } });
		const out = await action('upscale_image').run(run.ctx);
		expect(out).toMatchObject({ status: 'completed', provider: 'clipdrop', task_id: null, file_name: 'photo-upscaled.jpg', content_type: 'image/jpeg', format: 'jpeg', width: 640, height: 480, credits_consumed: 1, credits_remaining: 999 });
		expect(run.written).toHaveLength(1);
		expect(out.file).toBe(run.written[0].url);
		expect(out.bytes).toBe(run.written[0].data.length);
		const meta = await sharp(run.written[0].data).metadata();
		expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 640, 480]);
		expect(cd.requests.map((r) => r.route)).toEqual(['sync']);
		expect(run.waitpoints).toHaveLength(0);
	});

	test('Clipdrop, output too big for the instant endpoint: a task polled in the step, then Get Task on its id', async () => {
		const run = context({ propsValue: { provider: 'clipdrop', image: new ApFile('big.jpg', big, 'jpg'), options: { scale: 2 } } });
		const out = await action('upscale_image').run(run.ctx);
		expect(out).toMatchObject({ status: 'completed', provider: 'clipdrop', task_id: expect.any(String), width: 6000, height: 4000, file_name: 'big-upscaled.jpg' });
		const again = context({ propsValue: { provider: 'clipdrop', task_id: out.task_id } });
		const found = await action('get_task').run(again.ctx);
		expect(found).toMatchObject({ status: 'completed', task_id: out.task_id, width: 6000, height: 4000, file_name: `task-${out.task_id}-upscaled.jpg`, message: 'Done: the image is in File.' });
		expect(found.file).toBe(again.written[0].url);
	});

	test('Ximilar, Wait "In this step": the job finishes within the step, no waitpoint', async () => {
		const run = context({ propsValue: { provider: 'ximilar', image: photo(), options: { scale: '4', mode: 'high_fidelity', tune_colors: false, wait: 'step' } } });
		const out = await action('upscale_image').run(run.ctx);
		expect(out).toMatchObject({ status: 'completed', provider: 'ximilar', task_id: expect.any(String), width: 1280, height: 960 });
		expect(run.waitpoints).toHaveLength(0);
		expect(run.waitedFor).toHaveLength(0);
		expect(resumeCalls).toHaveLength(0);
		expect(xm.queue.tasks.get(out.task_id)!.webhook).toBeUndefined(); // nothing will call a waitpoint
	});

	test('Ximilar, by default: the run pauses on a webhook waitpoint, Ximilar calls it, the resumed step gives the file', async () => {
		const store = new FlowStore();
		const begin = context({ store, propsValue: { provider: 'ximilar', image: photo(), options: { scale: '4' } } });
		const paused = await action('upscale_image').run(begin.ctx);
		expect(paused).toMatchObject({ status: 'submitted', provider: 'ximilar', task_id: expect.any(String), file: null, width: 1280, height: 960 });
		expect(paused.message).toMatch(/the flow goes on when Ximilar calls back/);
		expect(begin.waitpoints).toEqual([expect.objectContaining({ type: 'WEBHOOK' })]);
		expect(begin.waitedFor).toEqual([begin.waitpoints[0].id]);
		expect(xm.queue.tasks.get(paused.task_id)!.webhook).toEqual({ endpoint: begin.waitpoints[0].resumeUrl, headers: undefined });
		expect(store.entries.size).toBe(1);
		const polls = () => xm.requests.filter((r) => r.route === 'status' || r.route === 'request').length;
		expect(polls()).toBe(0);

		await until(() => resumeCalls.length > 0);
		expect(resumeCalls).toHaveLength(1);
		expect(resumeCalls[0].waitpointId).toBe(begin.waitpoints[0].id);
		expect(xm.webhooks).toEqual([{ endpoint: begin.waitpoints[0].resumeUrl, status: 200 }]);

		// The engine runs the step again (maybe on another worker): same run, same step, the call as resumePayload.
		const call = resumeCalls[0];
		const resumed = context({ store, runId: begin.ctx.run.id, propsValue: begin.ctx.propsValue, resume: { body: call.body, headers: call.headers, queryParams: call.queryParams } });
		const out = await action('upscale_image').run(resumed.ctx);
		expect(out).toMatchObject({ status: 'completed', provider: 'ximilar', task_id: paused.task_id, width: 1280, height: 960, file_name: 'photo-upscaled.jpg', credits_consumed: paused.credits_consumed });
		expect(resumed.written).toHaveLength(1);
		const meta = await sharp(resumed.written[0].data).metadata();
		expect([meta.width, meta.height]).toEqual([1280, 960]);
		expect(resumed.waitpoints).toHaveLength(0);
		expect(store.entries.size).toBe(0);
		expect(xm.requests.filter((r) => r.route === 'async')).toHaveLength(1); // never submitted twice
	});

	test('a resume whose call names another task: the stored task is the one read', async () => {
		const store = new FlowStore();
		const begin = context({ store, propsValue: { provider: 'ximilar', image: photo(), options: { scale: '2' } } });
		const paused = await action('upscale_image').run(begin.ctx);
		await until(() => resumeCalls.length > 0);
		const resumed = context({ store, runId: begin.ctx.run.id, propsValue: begin.ctx.propsValue, resume: { body: { id: '5a4ef5a4-0000-4000-8000-000000000000', status: 'DONE' }, headers: {}, queryParams: {} } });
		expect(await action('upscale_image').run(resumed.ctx)).toMatchObject({ status: 'completed', task_id: paused.task_id });
	});

	test('a task Ximilar fails while the run is paused: the resumed step fails with Ximilar\'s words and the task id', async () => {
		xm.faults.push({ route: 'async', kind: 'fail-task' });
		const store = new FlowStore();
		const begin = context({ store, propsValue: { provider: 'ximilar', image: photo() } });
		const paused = await action('upscale_image').run(begin.ctx);
		await until(() => resumeCalls.length > 0);
		const call = resumeCalls[0];
		const resumed = context({ store, runId: begin.ctx.run.id, propsValue: begin.ctx.propsValue, resume: { body: call.body, headers: call.headers, queryParams: call.queryParams } });
		const message = await failure(action('upscale_image').run(resumed.ctx));
		expect(message).toMatch(/^Ximilar/);
		expect(message).toContain(paused.task_id);
		expect(resumed.written).toHaveLength(0);
	});

	test('a resume that finds neither a stored task nor one in the call: says what to do', async () => {
		const resumed = context({ propsValue: { provider: 'ximilar', image: photo() }, resume: { body: 'x', headers: {}, queryParams: {} } });
		expect(await failure(action('upscale_image').run(resumed.ctx))).toMatch(/^This step resumed without its task .*Get Task\.$/);
	});

	test('an Activepieces whose resume URL only this network reaches, with the real Ximilar: refused, nothing sent', async () => {
		const run = context({ auth: { ximilar_api_token: XM_TOKEN }, resumeBase: 'http://localhost:8080', propsValue: { provider: 'ximilar', image: photo() } });
		const message = await failure(action('upscale_image').run(run.ctx));
		expect(message).toBe(
			'Ximilar could not call this Activepieces back: its resume URL starts with http://localhost:8080, an address only this machine or network can reach. Set AP_FRONTEND_URL to a public address (e.g. https://flows.example.com), or choose Wait "In this step". Nothing was sent.',
		);
		expect(run.waitedFor).toHaveLength(0);
	});

	test('an image URL: fetched through the guard when the operator allows private addresses, then upscaled', async () => {
		process.env.UPSCALE_ALLOW_PRIVATE_URLS = '1';
		const run = context({ propsValue: { provider: 'clipdrop', image_url: `${filesUrl}/photo.jpg` } });
		expect(await action('upscale_image').run(run.ctx)).toMatchObject({ status: 'completed', width: 640, height: 480, file_name: 'photo-upscaled.jpg' });
		process.env.UPSCALE_ALLOW_PRIVATE_URLS = 'maybe';
		expect(await failure(action('upscale_image').run(context({ propsValue: { provider: 'clipdrop', image_url: `${filesUrl}/photo.jpg` } }).ctx))).toBe(
			'UPSCALE_ALLOW_PRIVATE_URLS must be on or off: ask the operator of this Activepieces to fix it.',
		);
	});

	test.each([
		['loopback', 'http://127.0.0.1:PORT/photo.jpg', /^Image URL points to 127\.0\.0\.1, a private or loopback address .*UPSCALE_ALLOW_PRIVATE_URLS=1\)\.$/],
		['localhost', 'http://localhost:PORT/photo.jpg', /^Image URL: localhost resolves to 127\.0\.0\.1, a private or loopback address/],
		['IPv4-mapped IPv6', 'http://[::ffff:7f00:1]:PORT/photo.jpg', /^Image URL points to ::ffff:7f00:1, a private or loopback address/],
		['a decimal address', 'http://2130706433:PORT/photo.jpg', /private or loopback address/],
		['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', /^Image URL points to 169\.254\.169\.254, a private or loopback address/],
		['a password in the URL', 'http://user:secret@example.com/photo.jpg', /^Image URL must not carry a user name or password\.$/],
		['not http(s)', 'ftp://example.com/photo.jpg', /^"ftp:\/\/example\.com\/photo\.jpg" is not an http\(s\) URL of an image\.$/],
		['a data: URL', 'data:image/png;base64,iVBORw0KGgo=', /^data: URLs are not supported/],
	])('an image URL to %s: refused, nothing fetched or sent', async (_name, raw, expected) => {
		const hits = cd.requests.length + xm.requests.length;
		const run = context({ propsValue: { provider: 'clipdrop', image_url: raw.replace('PORT', filesUrl.split(':').pop()!) } });
		expect(await failure(action('upscale_image').run(run.ctx))).toMatch(expected);
		expect(cd.requests.length + xm.requests.length).toBe(hits);
		expect(run.written).toHaveLength(0);
	});

	test.each([
		['no image', { provider: 'clipdrop' }, 'Add an image: a file from an earlier step in Image, or a public http(s) URL in Image URL.'],
		['a file and a URL', { provider: 'clipdrop', image: 'PHOTO', image_url: 'https://example.com/a.jpg' }, 'Give the image as a file (Image) or as a URL (Image URL), not both.'],
		['no provider', { image: 'PHOTO' }, 'Pick a provider: Clipdrop or Ximilar.'],
		['an unknown provider', { provider: 'acme', image: 'PHOTO' }, 'Pick a provider: Clipdrop or Ximilar ("acme" is not one).'],
		['a file that is not an image', { provider: 'clipdrop', image: 'NOTES' }, expect.stringMatching(/not a PNG, JPEG or WebP image/)],
		['an option the vendor does not take', { provider: 'ximilar', image: 'PHOTO', options: { scale: '3' } }, expect.stringMatching(/Ximilar.*2, 4 or 8/)],
		['a Wait that is not one', { provider: 'ximilar', image: 'PHOTO', options: { wait: 'later' } }, 'Wait is "later": choose "pause" or "step".'],
	])('%s: refused before anything is sent, with the next step', async (_name, given: Record<string, unknown>, expected) => {
		const image = given.image === 'PHOTO' ? photo() : given.image === 'NOTES' ? new ApFile('notes.txt', Buffer.from('not an image'), 'txt') : undefined;
		const run = context({ propsValue: { ...given, image } });
		expect(await failure(action('upscale_image').run(run.ctx))).toEqual(expected);
		expect(cd.requests).toHaveLength(0);
		expect(xm.requests).toHaveLength(0);
		expect(run.waitpoints).toHaveLength(0);
	});

	test('an image URL that does not answer with an image: what went wrong with the URL, no credit spent', async () => {
		process.env.UPSCALE_ALLOW_PRIVATE_URLS = 'on';
		const gone = await failure(action('upscale_image').run(context({ propsValue: { provider: 'clipdrop', image_url: `${filesUrl}/missing.jpg` } }).ctx));
		expect(gone).toBe(`Could not download the image from ${filesUrl}/missing.jpg: the server answered 404.`);
		const text = await failure(action('upscale_image').run(context({ propsValue: { provider: 'ximilar', image_url: `${filesUrl}/notes.txt`, options: { wait: 'step' } } }).ctx));
		expect(text).toMatch(/not a PNG, JPEG or WebP image/);
		expect(cd.requests).toHaveLength(0);
		expect(xm.requests).toHaveLength(0);
	});

	test('no key for the chosen provider: which keys the connection has', async () => {
		const run = context({ auth: { ximilar_api_token: XM_TOKEN, ximilar_base_url: xm.url }, propsValue: { provider: 'clipdrop', image: photo() } });
		expect(await failure(action('upscale_image').run(run.ctx))).toBe('This Upscale connection has no Clipdrop API key (it has Ximilar): add one to the connection, or pick another provider.');
	});

	test('a key the vendor refuses while the flow runs: the field to fix, never the key', async () => {
		const run = context({ auth: props({ ximilar_api_token: 'xm-revoked-token-0123456789' }), propsValue: { provider: 'ximilar', image: photo() } });
		const message = await failure(action('upscale_image').run(run.ctx));
		expect(message).toMatch(/^Ximilar .*the Ximilar API Token field of your Upscale connection in Activepieces/);
		expect(message).not.toContain('xm-revoked-token-0123456789');
		expect(run.waitedFor).toHaveLength(0);
	});

	test('no credits left: the vendor\'s refusal and what to do', async () => {
		const run = context({ auth: props({ clipdrop_api_key: CD_EMPTY }), propsValue: { provider: 'clipdrop', image: photo() } });
		expect(await failure(action('upscale_image').run(run.ctx))).toMatch(/credits/i);
	});
});

describe('Get Task', () => {
	test('a task still running: its status and no file; an unknown id: the vendor\'s words; a malformed one: refused', async () => {
		const begin = context({ propsValue: { provider: 'ximilar', image: photo(), options: { scale: '2' } } });
		const paused = await action('upscale_image').run(begin.ctx);
		const early = context({ propsValue: { provider: 'ximilar', task_id: paused.task_id } });
		const state = await action('get_task').run(early.ctx);
		expect(state).toMatchObject({ task_id: paused.task_id, file: null, message: expect.stringMatching(/try again later/) });
		expect(['queued', 'processing']).toContain(state.status);
		expect(early.written).toHaveLength(0);
		const unknown = await failure(action('get_task').run(context({ propsValue: { provider: 'ximilar', task_id: '5a4ef5a4-0000-4000-8000-000000000000' } }).ctx));
		expect(unknown).toBe('Ximilar does not know this request (404): check the task id. Ximilar said: "Not found." (task 5a4ef5a4-0000-4000-8000-000000000000).');
		expect(await failure(action('get_task').run(context({ propsValue: { provider: 'clipdrop', task_id: 'a b/c' } }).ctx))).toBe('"a b/c" is not a valid task id.');
	});
});
