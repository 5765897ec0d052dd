/**
 * Wait Mode "Resume on Webhook" inside a real n8n server (2.40.7, `n8n start`), against the Ximilar fake: a published
 * workflow (Webhook trigger → Split Out → Upscaler → HTTP Request to a local collector) is started over HTTP; the
 * Upscaler submits, passes the execution's resume URL as Ximilar's webhook and puts the execution to wait; the fake
 * calls the URL when the task is done and the workflow goes on with the upscaled images. Calls that do not come
 * from a finished task keep it waiting; a second call of the same URL does nothing.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { XimilarFake } from '../fakes/ximilar';
import { dims } from '../helpers/images';
import { installN8n, N8n } from '../helpers/n8n';

jest.setTimeout(20 * 60_000);

const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const XM_TOKEN = 'n8n-resume-ximilar-token-123456';
const XM = { ximilarApi: { id: 'xmcred0000000001', name: 'Ximilar (sandbox)' } };

let n8n: N8n;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
/** What the workflow's last node posted: one entry per item. */
const reports: any[] = [];

/** What the fake and the collector saw, for a failure message. */
const diagnosis = () => JSON.stringify({ submits: xm.jobs.length, tasks: [...xm.queue.tasks.values()].map((t) => ({ id: t.id, webhook: !!t.webhook })), calls: xm.webhooks, reports });

function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
	const end = Date.now() + ms;
	return new Promise((res, rej) => {
		const tick = () => (check() ? res() : Date.now() > end ? rej(new Error(`timed out waiting for ${what}; ${diagnosis()}`)) : setTimeout(tick, 100));
		tick();
	});
}

/** Webhook trigger → Split Out (one item per image) → Upscaler (Resume on Webhook) → Report (POST the item's json). */
function resumeWorkflow(id: string, path: string, upscalerParams: Record<string, unknown>, onError?: string) {
	const nodes = [
		{ id: `${id}-1`, name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, webhookId: `${id}-hook`, position: [0, 0], parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} } },
		{ id: `${id}-2`, name: 'Split Out', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [220, 0], parameters: { fieldToSplitOut: 'body.images', options: {} } },
		{
			id: `${id}-3`,
			name: 'Upscaler',
			type: 'n8n-nodes-upscale.upscaler',
			typeVersion: 2,
			position: [440, 0],
			parameters: { provider: 'ximilar', operation: 'upscale', inputSource: 'url', imageUrl: '={{ $json.url }}', ximilarScale: 2, waitMode: 'webhook', ...upscalerParams },
			credentials: XM,
			...(onError ? { onError } : {}),
		},
		{
			id: `${id}-4`,
			name: 'Report',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [660, 0],
			parameters: {
				method: 'POST',
				url: `${filesUrl}/report`,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ JSON.stringify({ ...$json, fileName: $binary.data ? $binary.data.fileName : null, mimeType: $binary.data ? $binary.data.mimeType : null }) }}',
				options: {},
			},
		},
	];
	const connections = {
		Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
		'Split Out': { main: [[{ node: 'Upscaler', type: 'main', index: 0 }]] },
		Upscaler: { main: [[{ node: 'Report', type: 'main', index: 0 }]] },
	};
	return { id, name: `Resume on Webhook (${path})`, active: false, settings: {}, nodes, connections };
}

/** Starts the workflow behind a production webhook path with these images. */
async function trigger(path: string, images: Array<{ url: string; tag: string }>): Promise<void> {
	const r = await fetch(`${n8n.baseUrl}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images }) });
	expect(r.status).toBe(200);
}

/**
 * n8n publishes workflows in the background after it starts listening: wait until the POST webhook is registered
 * (a GET then says "not registered for GET requests", instead of "not registered").
 */
async function registered(path: string): Promise<void> {
	const end = Date.now() + 120_000;
	let text = '';
	while (Date.now() < end) {
		text = await fetch(`${n8n.baseUrl}/webhook/${path}`).then((r) => r.text(), (e) => String(e));
		if (/Did you mean to make a POST request/.test(text)) return;
		await new Promise((res) => setTimeout(res, 250));
	}
	throw new Error(`the webhook "${path}" was not registered within 120 s; n8n said: ${text}`);
}

/** The webhook URL the Upscaler gave the fake's (only) task that has one. */
function hookedTask(): { id: string; endpoint: string } {
	const withHook = [...xm.queue.tasks.values()].filter((t) => t.webhook);
	expect(withHook).toHaveLength(1);
	return { id: withHook[0].id, endpoint: withHook[0].webhook!.endpoint };
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
	const home = installN8n();
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 1_000_000 } }, taskDurationMs: 2500 });
	await xm.start();
	files = http.createServer((req, res) => {
		const path = (req.url ?? '').split('?')[0];
		if (path === '/sample.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			return res.end(SAMPLE);
		}
		if (path === '/report' && req.method === 'POST') {
			let body = '';
			req.on('data', (d) => (body += d));
			req.on('end', () => {
				reports.push(JSON.parse(body));
				res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
			});
			return;
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

	n8n = new N8n(home);
	await n8n.init();
	await n8n.importCredentials([{ ...XM.ximilarApi, type: 'ximilarApi', data: { apiToken: XM_TOKEN, baseUrl: xm.url } }]);
	await n8n.importWorkflows([
		resumeWorkflow('wfResume00000001', 'resume', { options: { fileName: '={{ $json.tag }}-big.jpg' } }),
		resumeWorkflow('wfResumeFail0001', 'resume-fail', {}, 'continueRegularOutput'),
	]);
	await n8n.publish('wfResume00000001');
	await n8n.publish('wfResumeFail0001');
	await n8n.start();
	await registered('resume');
	await registered('resume-fail');
}, 30 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await xm?.stop();
	files?.close();
});

beforeEach(() => {
	xm.reset();
	reports.length = 0;
});

describe('Resume on Webhook inside a real n8n server', () => {
	it('pauses the execution, resumes when Ximilar calls, and a second call does nothing', async () => {
		await trigger('resume', [
			{ url: `${filesUrl}/sample.jpg?n=1`, tag: 'first' },
			{ url: `${filesUrl}/sample.jpg?n=2`, tag: 'second' },
		]);
		await until(() => xm.jobs.length === 2 && [...xm.queue.tasks.values()].some((t) => t.webhook), 'both submits');
		const { id, endpoint } = hookedTask();
		// The last task carries the webhook: n8n's resume URL for this execution, with the other task's id.
		const url = new URL(endpoint);
		expect(url.origin).toBe(n8n.baseUrl);
		expect(url.pathname).toMatch(/^\/webhook-waiting\/\d+$/);
		expect(url.searchParams.get('signature')).toBeTruthy();
		const others = [...xm.queue.tasks.keys()].filter((k) => k !== id);
		expect(url.searchParams.getAll('task')).toEqual([...others, '~']);

		// Before Ximilar is done: a call without the signature is n8n's 401; a signed call naming a task that is not
		// this account's, or claiming the task is done, is checked with Ximilar and the execution keeps waiting.
		const unsigned = new URL(endpoint);
		unsigned.searchParams.delete('signature');
		expect((await post(unsigned.toString(), { id, status: 'DONE' })).status).toBe(401);
		let notOurs = await post(endpoint, { id: '00000000-0000-4000-8000-000000000000', status: 'DONE' });
		while (notOurs.status === 409) {
			// n8n answers 409 "running already" until the node has returned and the execution is saved as waiting.
			await new Promise((r) => setTimeout(r, 100));
			notOurs = await post(endpoint, { id: '00000000-0000-4000-8000-000000000000', status: 'DONE' });
		}
		expect(notOurs.status).toBe(404);
		expect(((await notOurs.json()) as { message: string }).message).toMatch(/The execution keeps waiting\.$/);
		// A call whose body names no task (the vendor module reads the id: core/vendors/) is answered, and waits on.
		const noTask = await post(endpoint, { status: 'DONE' });
		expect(noTask.status).toBe(400);
		expect(((await noTask.json()) as { message: string }).message).toBe("Expected Ximilar's call with the finished task in its body. The execution keeps waiting.");
		const early = await post(endpoint, { id, status: 'DONE' });
		expect(early.status).toBe(202);
		expect(((await early.json()) as { message: string }).message).toMatch(new RegExp(`^Ximilar says task ${id} is still (queued|processing)\\. The execution keeps waiting\\.$`));
		expect(reports).toHaveLength(0);

		// Ximilar's own call resumes it: both items come out upscaled, in order, each with its input's fields.
		await until(() => reports.length === 2, 'the two reports');
		expect(xm.webhooks).toEqual([{ endpoint, status: 200 }]);
		expect(reports.map((r) => r.tag)).toEqual(['first', 'second']);
		for (const r of reports) {
			expect(r).toMatchObject({ provider: 'ximilar', operation: 'upscale', status: 'completed', execution: 'async', mimeType: 'image/jpeg', fileName: `${r.tag}-big.jpg` });
			const d = await dims(SAMPLE);
			expect(r.output).toMatchObject({ width: d.width * 2, height: d.height * 2, format: 'jpeg' });
			expect(typeof r.resultUrl).toBe('string');
		}
		expect(reports.map((r) => r.taskId)).toEqual([...others, id]);

		// The same call again: n8n refuses it (the execution has resumed), nothing is submitted or reported again.
		const again = await post(endpoint, { id, status: 'DONE' });
		expect(again.status).toBe(409);
		await new Promise((r) => setTimeout(r, 1000));
		expect(reports).toHaveLength(2);
		expect(xm.jobs).toHaveLength(2);
	});

	it('a task Ximilar failed resumes as an item with the error', async () => {
		xm.inject({ route: 'async', kind: 'fail-task' });
		await trigger('resume-fail', [{ url: `${filesUrl}/sample.jpg`, tag: 'broken' }]);
		await until(() => reports.length === 1, 'the report');
		expect(reports[0].tag).toBe('broken');
		expect(reports[0].fileName).toBeNull();
		expect(reports[0].error).toMatch(/Ximilar/);
		expect(reports[0].details).toMatchObject({ code: 'TASK_FAILED', provider: 'ximilar' });
	});

	it('n8n printed no key or token', async () => {
		await n8n.stop();
		for (const out of n8n.outputs) expect(out).not.toContain(XM_TOKEN);
	});
});
