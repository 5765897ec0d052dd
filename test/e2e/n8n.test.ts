/**
 * The built package inside a real n8n (2.40.7), installed as a community package, against the vendor fakes:
 * both providers, both operations, wait and no-wait, a bad key, continueOnFail and a batch of 20 items.
 */
import http from 'node:http';
import { copyFileSync, renameSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { dims, motionPhoto } from '../helpers/images';
import { BAD_DIR, CASES, bigBadFiles } from '../fixtures/bad/make';
import { errorOf, fetchFile, fetchJson, installN8n, itemsOf, N8n, wait, workflow, type WfNode } from '../helpers/n8n';

jest.setTimeout(20 * 60_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const CD_KEY = 'n8n-e2e-clipdrop-key-123456';
const XM_TOKEN = 'n8n-e2e-ximilar-token-123456';
const BAD_KEY = 'n8n-e2e-wrong-key-987654';

const CD = { clipdropApi: { id: 'cdcred0000000001', name: 'Clipdrop (sandbox)' } };
const CD_BAD = { clipdropApi: { id: 'cdcred0000000bad', name: 'Clipdrop (bad key)' } };
const XM = { ximilarApi: { id: 'xmcred0000000001', name: 'Ximilar (sandbox)' } };

let n8n: N8n;
let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
let filesDir = '';
let MOTION: Buffer;

/** An example workflow from examples/, pointed at the local fakes and folders (nothing else changed). */
function example(file: string, id: string, waitSeconds = 1) {
	let text = readFileSync(resolve(__dirname, '../../examples', file), 'utf8');
	text = text.replace(/https:\/\/picsum\.photos\/[^"]+/g, `${filesUrl}/sample.jpg`).replace(/\/home\/node\/\.n8n-files/g, filesDir);
	const wf = JSON.parse(text);
	wf.id = id;
	for (const node of wf.nodes) {
		if (node.credentials?.clipdropApi) node.credentials = CD;
		if (node.credentials?.ximilarApi) node.credentials = XM;
		if (node.type === 'n8n-nodes-base.wait') node.parameters.amount = waitSeconds;
	}
	return wf;
}

const upscaler = (parameters: Record<string, unknown>, credentials: WfNode['credentials'], extra: Partial<WfNode> = {}): WfNode => ({
	name: 'Upscaler',
	type: 'n8n-nodes-upscale.upscaler',
	typeVersion: 1,
	parameters,
	credentials,
	...extra,
});
const getTask = (provider: string, credentials: WfNode['credentials']): WfNode => ({
	name: 'Get Task',
	type: 'n8n-nodes-upscale.upscaler',
	typeVersion: 1,
	parameters: { provider, operation: 'getTask', taskId: '={{ $json.taskId }}', download: true },
	credentials,
});

/** A successful execution, or a failure that shows what n8n printed. */
function expectOk(r: { code: number; stdout: string; stderr: string; result?: unknown }): void {
	if (r.code !== 0 || !r.result) throw new Error(`n8n execute exited ${r.code}:\n${(r.stdout + r.stderr).split('\n').filter((l) => !l.startsWith(' ')).slice(-25).join('\n')}`);
}

beforeAll(async () => {
	MOTION = await motionPhoto(320, 240);
	const home = installN8n();
	cd = new ClipdropFake({ keys: { [CD_KEY]: 10_000 }, taskDurationMs: 800 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 1_000_000 } }, taskDurationMs: 800 });
	await cd.start();
	await xm.start();
	files = http.createServer((req, res) => {
		const base = filesUrl;
		const path = (req.url ?? '').split('?')[0];
		if (path === '/sample.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			return res.end(SAMPLE);
		}
		if (path === '/motion-moved.jpg') return void res.writeHead(302, { location: '/motion.jpg' }).end();
		if (path === '/motion.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			return res.end(MOTION);
		}
		if (path === '/trickle.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(SAMPLE.length) });
			let i = 0;
			const timer = setInterval(() => (i < SAMPLE.length && !res.destroyed ? res.write(SAMPLE.subarray(i, ++i)) : clearInterval(timer)), 2000);
			res.on('close', () => clearInterval(timer));
			return;
		}
		if (path === '/notes.txt') {
			res.writeHead(200, { 'content-type': 'text/plain' });
			return res.end('this is not an image');
		}
		if (path === '/batch.json') {
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end(JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ n: i, url: `${base}/sample.jpg?n=${i}` }))));
		}
		if (path === '/mixed.json') {
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end(JSON.stringify([{ url: `${base}/sample.jpg` }, { url: `${base}/notes.txt` }, { url: `${base}/sample.jpg` }]));
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

	filesDir = mkdtempSync(join(tmpdir(), 'n8n-files-'));
	mkdirSync(join(filesDir, 'in'));
	mkdirSync(join(filesDir, 'out'));
	for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) writeFileSync(join(filesDir, 'in', name), SAMPLE);
	writeFileSync(join(filesDir, 'in', 'broken.jpg'), SAMPLE.subarray(0, 500));
	// The bad-input corpus: everything in bad/, and the 17 MP JPEG (bad only for Clipdrop's sync endpoint) in bad17/.
	mkdirSync(join(filesDir, 'bad'));
	mkdirSync(join(filesDir, 'bad17'));
	for (const f of readdirSync(BAD_DIR)) if (!f.endsWith('.ts')) copyFileSync(join(BAD_DIR, f), join(filesDir, 'bad', f));
	await bigBadFiles(join(filesDir, 'bad'));
	renameSync(join(filesDir, 'bad', 'sync-17mp.jpg'), join(filesDir, 'bad17', 'sync-17mp.jpg'));

	n8n = new N8n(home);
	await n8n.init({ N8N_RESTRICT_FILE_ACCESS_TO: filesDir });
	await n8n.importCredentials([
		{ ...CD.clipdropApi, type: 'clipdropApi', data: { apiKey: CD_KEY, baseUrl: cd.url, requestsPerMinute: 60 } },
		{ ...CD_BAD.clipdropApi, type: 'clipdropApi', data: { apiKey: BAD_KEY, baseUrl: cd.url, requestsPerMinute: 60 } },
		{ ...XM.ximilarApi, type: 'ximilarApi', data: { apiToken: `Token ${XM_TOKEN}`, baseUrl: xm.url } },
	]);
	await n8n.importWorkflows([
		workflow('wfCdBinary000001', 'Clipdrop: binary in, 2x', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale', scale: 2 }, CD)]),
		workflow('wfCdUrlAsync0001', 'Clipdrop: URL in, detailed, exact width', [
			upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: `${filesUrl}/sample.jpg`, sizeMode: 'exact', width: 1000, height: 0, strategy: 'detailed', options: { fileName: 'wide.jpg', outputBinaryPropertyName: 'upscaled' } }, CD),
		]),
		workflow('wfCdMotion000001', 'Clipdrop: a motion photo behind a redirect', [upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: `${filesUrl}/motion-moved.jpg` }, CD)]),
		workflow('wfCdTrickle00001', 'Clipdrop: an image URL that trickles', [upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: `${filesUrl}/trickle.jpg`, options: { timeout: 3 } }, CD)]),
		workflow('wfXmBinary000001', 'Ximilar: binary in, 4x PNG, GAN', [
			fetchFile(`${filesUrl}/sample.jpg`),
			upscaler({ provider: 'ximilar', operation: 'upscale', ximilarScale: 4, mode: 'high_fidelity', model: 'gan', format: 'png', quality: 90, tuneColors: false }, XM),
		]),
		workflow('wfXmUrl000000001', 'Ximilar: URL in, sync endpoint', [upscaler({ provider: 'ximilar', operation: 'upscale', inputSource: 'url', imageUrl: `${filesUrl}/sample.jpg`, options: { execution: 'sync' } }, XM)]),
		workflow('wfCdNoWait000001', 'Clipdrop: submit, wait, get task', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale', waitForResult: false, scale: 3 }, CD), wait(2), getTask('clipdrop', CD)]),
		workflow('wfXmNoWait000001', 'Ximilar: submit, wait, get task', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'ximilar', operation: 'upscale', waitForResult: false, ximilarScale: 2 }, XM), wait(2), getTask('ximilar', XM)]),
		workflow('wfCdQueued000001', 'Clipdrop: get task at once (still queued)', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale', waitForResult: false }, CD), getTask('clipdrop', CD)]),
		workflow('wfCdBadKey000001', 'Clipdrop: bad key', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale' }, CD_BAD)]),
		workflow('wfCdBadInput0001', 'Clipdrop: not an image, no continue', [upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: `${filesUrl}/notes.txt` }, CD)]),
		workflow('wfContinue000001', 'continueOnFail over a mixed batch', [
			fetchJson(`${filesUrl}/mixed.json`),
			upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: '={{ $json.url }}' }, CD, { onError: 'continueRegularOutput' }),
		]),
		example('upscale-from-url.json', 'wfExampleUrl0001'),
		example('upscale-wait-get-task.json', 'wfExampleWait001'),
		example('batch-folder.json', 'wfExampleBatch01'),
		workflow('wfBadCorpusXm001', 'the bad-input corpus through Ximilar', [
			{ name: 'Read', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, parameters: { operation: 'read', fileSelector: `${filesDir}/bad/*`, options: {} } },
			upscaler({ provider: 'ximilar', operation: 'upscale', ximilarScale: 2 }, XM, { onError: 'continueRegularOutput' }),
		]),
		workflow('wfBadCorpusCd001', 'a 17 MP image for the Clipdrop sync endpoint', [
			{ name: 'Read', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, parameters: { operation: 'read', fileSelector: `${filesDir}/bad17/*`, options: {} } },
			upscaler({ provider: 'clipdrop', operation: 'upscale', sizeMode: 'exact', width: 4096, height: 4000, options: { execution: 'sync' } }, CD, { onError: 'continueRegularOutput' }),
		]),
		workflow('wfCdSimple000001', 'Clipdrop: version 2, Output Simplified', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale', scale: 2, output: 'simple' }, CD, { typeVersion: 2 })]),
		workflow('wfCdV2Default001', 'Clipdrop: version 2, Output left as it is', [fetchFile(`${filesUrl}/sample.jpg`), upscaler({ provider: 'clipdrop', operation: 'upscale', scale: 2 }, CD, { typeVersion: 2 })]),
		workflow('wfBatch20000001', 'a batch of 20 items', [fetchJson(`${filesUrl}/batch.json`), upscaler({ provider: 'clipdrop', operation: 'upscale', inputSource: 'url', imageUrl: '={{ $json.url }}', options: { execution: 'async' } }, CD)]),
	]);
}, 30 * 60_000); // the first run installs n8n (see scripts/install-n8n.sh)

afterAll(async () => {
	await cd?.stop();
	await xm?.stop();
	files?.close();
});

beforeEach(() => {
	cd.reset();
	xm.reset();
	cd.credits.set(CD_KEY, 10_000);
});

describe('inside a real n8n', () => {
	it('Clipdrop: a binary in, the upscaled binary out, with credits', async () => {
		const r = await n8n.execute('wfCdBinary000001');
		expectOk(r);
		const [item] = itemsOf(r.result, 'Upscaler');
		expect(item.json).toMatchObject({ provider: 'clipdrop', status: 'completed', execution: 'sync', input: { width: 320, height: 240 }, output: { width: 640, height: 480, format: 'jpeg' }, credits: { consumed: 1, remaining: 9999 } });
		expect(item.binary.data).toMatchObject({ mimeType: 'image/jpeg', fileName: 'sample-upscaled.jpg' });
		expect(await dims(n8n.binary(item.binary.data))).toEqual({ width: 640, height: 480, format: 'jpeg' });
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(cd.requests.every((q) => q.key === CD_KEY)).toBe(true);
	});

	it('Clipdrop: a URL in, detailed strategy (async), exact width, custom field and file name', async () => {
		const r = await n8n.execute('wfCdUrlAsync0001');
		expectOk(r);
		const [item] = itemsOf(r.result, 'Upscaler');
		expect(item.json).toMatchObject({ execution: 'async', output: { width: 1000, height: 750 }, params: { strategy: 'detailed' } });
		expect(item.json.taskId).toMatch(/^[0-9a-f-]{36}$/);
		expect(item.json.resultExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(item.binary.upscaled.fileName).toBe('wide.jpg');
		expect(cd.count('async')).toBe(1);
	});

	it('Ximilar: every service parameter reaches the vendor; the token was pasted with its prefix', async () => {
		const r = await n8n.execute('wfXmBinary000001');
		expectOk(r);
		const [item] = itemsOf(r.result, 'Upscaler');
		expect(item.json).toMatchObject({ provider: 'ximilar', execution: 'async', output: { width: 1280, height: 960, format: 'png' } });
		expect(item.json.credits.remaining).toBeGreaterThan(0);
		// Quality is not sent with PNG (it means nothing for a lossless format), even from a workflow that saved one.
		expect(xm.jobs[0]).toEqual({ scale: 4, params: { mode: 'high_fidelity', model_type: 'gan', image_format: 'png', tune_colors: false }, source: 'base64' });
		expect(await dims(n8n.binary(item.binary.data))).toEqual({ width: 1280, height: 960, format: 'png' });
	});

	it('Ximilar: a URL goes through as _url; the sync endpoint on request', async () => {
		const r = await n8n.execute('wfXmUrl000000001');
		expectOk(r);
		expect(itemsOf(r.result, 'Upscaler')[0].json).toMatchObject({ execution: 'sync', input: null, output: { width: 640, height: 480 } });
		expect(xm.jobs[0].source).toBe('url');
		expect(xm.count('sync')).toBe(1);
	});

	it.each([
		['Clipdrop', 'wfCdNoWait000001', { width: 960, height: 720 }],
		['Ximilar', 'wfXmNoWait000001', { width: 640, height: 480 }],
	])('%s: Upscale without waiting → Wait → Get Task downloads the result', async (_name, id, size) => {
		const r = await n8n.execute(id);
		expectOk(r);
		const [submitted] = itemsOf(r.result, 'Upscaler');
		expect(submitted.json).toMatchObject({ status: 'submitted' });
		expect(submitted.binary).toBeUndefined();
		const [done] = itemsOf(r.result, 'Get Task');
		expect(done.json).toMatchObject({ taskId: submitted.json.taskId, status: 'completed', output: size });
		expect(await dims(n8n.binary(done.binary.data))).toMatchObject(size);
	});

	it('Output Simplified: ten flat fields and the binary; left as it is (a saved workflow): Raw, every fact', async () => {
		const simple = await n8n.execute('wfCdSimple000001');
		expectOk(simple);
		const [item] = itemsOf(simple.result, 'Upscaler');
		expect(item.json).toEqual({ taskId: null, status: 'completed', fileName: 'sample-upscaled.jpg', mimeType: 'image/jpeg', width: 640, height: 480, creditsUsed: 1, creditsRemaining: 9999, resultUrl: null, resultExpiresAt: null });
		expect(item.binary.data).toMatchObject({ fileName: 'sample-upscaled.jpg', mimeType: 'image/jpeg' });
		const raw = await n8n.execute('wfCdV2Default001');
		expectOk(raw);
		expect(itemsOf(raw.result, 'Upscaler')[0].json).toMatchObject({ provider: 'clipdrop', execution: 'sync', output: { width: 640, height: 480 }, credits: { consumed: 1 }, elapsedMs: expect.any(Number) });
	});

	it('Get Task on a task still in the queue reports it, without a binary', async () => {
		const r = await n8n.execute('wfCdQueued000001');
		expectOk(r);
		const [t] = itemsOf(r.result, 'Get Task');
		expect(t.json).toMatchObject({ status: 'queued', vendorStatus: 'queued', position: 0 });
		expect(t.json.eta).toMatch(/^\d{4}-/);
		expect(t.binary).toBeUndefined();
	});

	it('a bad key fails the execution with a clear message, and the key appears nowhere', async () => {
		const r = await n8n.execute('wfCdBadKey000001');
		expect(r.code).toBe(1);
		const all = r.stdout + r.stderr;
		expect(all).toContain('Clipdrop rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page.');
		expect(all).not.toContain(BAD_KEY);
		expect(cd.count('sync')).toBe(1);
	});

	it("a phone's motion photo behind a redirect is followed and upscaled", async () => {
		const r = await n8n.execute('wfCdMotion000001');
		expectOk(r);
		expect(itemsOf(r.result, 'Upscaler')[0].json).toMatchObject({ status: 'completed', output: { width: 640, height: 480 } });
	});

	it('an image URL that trickles a byte every 2 s ends at the Timeout option, before any vendor request', async () => {
		const r = await n8n.execute('wfCdTrickle00001');
		expect(r.code).toBe(1);
		expect(r.stdout + r.stderr).toMatch(/Could not download the image from http:\/\/127\.0\.0\.1:\d+\/trickle\.jpg: Clipdrop: the time limit ran out while downloading the input image\./);
		expect(cd.count()).toBe(0);
	});

	it('input that is not an image fails before any vendor request', async () => {
		const r = await n8n.execute('wfCdBadInput0001');
		expect(r.code).toBe(1);
		expect(r.stdout + r.stderr).toContain('The file is not a PNG, JPEG or WebP image (its first bytes match none of them).');
		expect(cd.count()).toBe(0);
	});

	it('continueOnFail: the bad item becomes an error item, the others go on, pairing kept', async () => {
		const r = await n8n.execute('wfContinue000001');
		expectOk(r);
		const items = itemsOf(r.result, 'Upscaler');
		expect(items).toHaveLength(3);
		expect(items.map((i: any) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json.status).toBe('completed');
		expect(items[1].json).toEqual({ error: 'The file is not a PNG, JPEG or WebP image (its first bytes match none of them).', details: { code: 'INVALID_INPUT', provider: 'clipdrop' } });
		expect(items[2].json.status).toBe('completed');
		expect(errorOf(r.result)).toBeUndefined();
	});

	it('a batch of 20 items: every one upscaled and paired, within the request budget', async () => {
		const r = await n8n.execute('wfBatch20000001');
		expectOk(r);
		const items = itemsOf(r.result, 'Upscaler');
		expect(items).toHaveLength(20);
		items.forEach((it: any, i: number) => {
			expect(it.pairedItem).toEqual({ item: i });
			expect(it.json).toMatchObject({ status: 'completed', execution: 'async', output: { width: 640, height: 480 } });
		});
		expect(new Set(items.map((i: any) => i.json.taskId)).size).toBe(20);
		expect(cd.count('async')).toBe(20);
		expect(cd.requests.filter((q) => q.status === 429)).toHaveLength(0);
	});
});

describe('the bad-input corpus inside n8n', () => {
	it('every file becomes an error item with the core\'s message, and no vendor request is made', async () => {
		const r = await n8n.execute('wfBadCorpusXm001');
		expectOk(r);
		const read = itemsOf(r.result, 'Read');
		const items = itemsOf(r.result, 'Upscaler');
		expect(items).toHaveLength(read.length);
		const byFile = Object.fromEntries(items.map((it: any) => [read[it.pairedItem.item].binary.data.fileName, it.json]));
		for (const c of CASES.filter((x) => !x.clipdropArgs)) {
			expect({ file: c.file, error: byFile[c.file]?.error }).toEqual({ file: c.file, error: expect.stringMatching(c.message) });
			expect(['INVALID_INPUT', 'INVALID_OPTIONS']).toContain(byFile[c.file].details.code);
		}
		const cd17 = await n8n.execute('wfBadCorpusCd001');
		expectOk(cd17);
		expect(itemsOf(cd17.result, 'Upscaler')[0].json.error).toMatch(/inputs up to 16 megapixels \(this one: 17\.0 MP\)/);
		expect(xm.count() + cd.count()).toBe(0);
	});
});

describe('the example workflows in examples/', () => {
	it('upscale-from-url.json', async () => {
		const r = await n8n.execute('wfExampleUrl0001');
		expectOk(r);
		expect(itemsOf(r.result, 'Upscale')[0].json).toMatchObject({ status: 'completed', output: { width: 640, height: 480 } });
	});

	it('upscale-wait-get-task.json loops Wait → Get Task until the task is done', async () => {
		cd.opts.taskDurationMs = 2500;
		try {
			const r = await n8n.execute('wfExampleWait001');
			expectOk(r);
			const runs = r.result.data.resultData.runData['Get result'];
			expect(runs.length).toBeGreaterThanOrEqual(2);
			expect(runs[0].data.main[0][0].json.status).toBe('queued');
			const done = itemsOf(r.result, 'Upscaled');
			expect(done).toHaveLength(1);
			expect(r.result.data.resultData.runData['Upscaled'][0].data.main[0][0].json).toMatchObject({ status: 'completed', output: { width: 1280, height: 960 } });
		} finally {
			cd.opts.taskDurationMs = 800;
		}
	});

	it('batch-folder.json upscales every file, keeps going past a broken one, and writes the results', async () => {
		const r = await n8n.execute('wfExampleBatch01');
		expectOk(r);
		const outputs = r.result.data.resultData.runData['Upscale'][0].data.main;
		expect(outputs[0]).toHaveLength(3);
		expect(outputs[1]).toHaveLength(1);
		expect(outputs[1][0].json.details).toEqual({ code: 'INVALID_INPUT', provider: 'ximilar' });
		expect(outputs[1][0].json.error).toMatch(/JPEG file is truncated/);
		expect(itemsOf(r.result, 'Failed images')).toHaveLength(1);
		expect(readdirSync(join(filesDir, 'out')).sort()).toEqual(['a-upscaled.png', 'b-upscaled.png', 'c-upscaled.png']);
		expect(await dims(readFileSync(join(filesDir, 'out', 'a-upscaled.png')))).toEqual({ width: 1280, height: 960, format: 'png' });
	});
});

describe('n8n errors name the item and keep the task id', () => {
	it('shows the output of a failed run for the closing note', async () => {
		const r = await n8n.execute('wfCdBadKey000001');
		const err = errorOf(r.result);
		// The error JSON of the run is what n8n shows the user.
		expect(JSON.stringify(err ?? r.stdout)).toContain('403');
	});
});

// Last in this file: no key or token in anything n8n printed (results, errors, logs) during every test above.
it('n8n printed no key or token', () => {
	const all = n8n?.outputs.join('\n') ?? '';
	for (const secret of [CD_KEY, XM_TOKEN, BAD_KEY]) expect(all).not.toContain(secret);
});
