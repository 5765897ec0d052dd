/**
 * The OpenAPI document as a platform importing it gets it (GET /openapi.json from `upscale serve` as a user starts
 * it): Redocly's recommended rules (`redocly lint`, @redocly/cli) find no error; every operation, callbacks included,
 * has a unique operationId, a summary and a declared tag; `servers` names the server (UPSCALE_PUBLIC_URL, else the
 * address it listens on); the document and the server's own route table list the same operations; the examples are
 * what the server's schemas accept.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { subscriptionListSchema, createdSubscriptionSchema } from '../../service/routes/webhooks-schemas';
import { jobListSchema, jobSchema } from '../../service/schemas';
import { tempDir } from '../helpers/cli';
import { call, startService, type Service } from '../helpers/service';

jest.setTimeout(60_000);

const KEY = 'openapi-client-key-0123456789';
const PUBLIC = 'https://upscale.acme.test/api';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
type Operation = { operationId?: string; summary?: string; tags?: string[]; callbacks?: Record<string, Record<string, Record<string, Operation>>> };
type Doc = { servers: Array<{ url: string }>; tags: Array<{ name: string }>; paths: Record<string, Record<string, Operation>> };

let s: Service;
let doc: Doc;

beforeAll(async () => {
	s = await startService({ CLIPDROP_API_KEY: 'cd-openapi-key-0123456789', UPSCALE_API_KEYS: KEY, UPSCALE_PUBLIC_URL: `${PUBLIC}/` });
	doc = (await call(s.url, undefined, 'GET', '/openapi.json')).body as Doc;
});
afterAll(() => s?.kill());

/** Every operation with where it is: the paths' and their callbacks'. */
function operations(d: Doc): Array<{ at: string; op: Operation }> {
	const out: Array<{ at: string; op: Operation }> = [];
	const walk = (paths: Record<string, Record<string, Operation>>, prefix: string) => {
		for (const [path, item] of Object.entries(paths)) {
			for (const m of METHODS.filter((x) => item[x])) {
				out.push({ at: `${prefix}${m.toUpperCase()} ${path}`, op: item[m] });
				for (const [name, cb] of Object.entries(item[m].callbacks ?? {})) walk(cb, `${prefix}${m.toUpperCase()} ${path} → ${name}: `);
			}
		}
	};
	walk(d.paths, '');
	return out;
}

test("Redocly's recommended rules: no error; the only warnings are the open health and metrics routes having no 4xx answer", () => {
	const file = join(tempDir(), 'openapi.json');
	writeFileSync(file, JSON.stringify(doc));
	const bin = resolve(__dirname, '../../node_modules/.bin/redocly');
	const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
	const r = spawnSync(bin, ['lint', '--extends', 'recommended', '--format', 'json', file], { encoding: 'utf8', env });
	const report = JSON.parse(r.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> };
	expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
	expect(report.problems.map((p) => `${p.ruleId} ${p.location[0].pointer}`).sort()).toEqual([
		'operation-4xx-response #/paths/~1healthz/get/responses',
		'operation-4xx-response #/paths/~1metrics/get/responses',
		'operation-4xx-response #/paths/~1readyz/get/responses',
	]);
	expect(r.status).toBe(0);
});

test('every operation, callbacks included, has a unique operationId, a summary and a declared tag', () => {
	const ops = operations(doc);
	const declared = doc.tags.map((t) => t.name);
	for (const { at, op } of ops) {
		expect({ at, id: typeof op.operationId, summary: typeof op.summary }).toEqual({ at, id: 'string', summary: 'string' });
		expect({ at, tags: op.tags?.every((t) => declared.includes(t)) && op.tags.length > 0 }).toEqual({ at, tags: true });
	}
	const ids = ops.map((o) => o.op.operationId);
	expect(new Set(ids).size).toBe(ids.length);
	expect(ids).toEqual(expect.arrayContaining(['createJob', 'listJobs', 'getJob', 'cancelJob', 'getJobResult', 'createWebhook', 'listWebhooks', 'deleteWebhook', 'getCredits', 'jobWebhook', 'subscriptionWebhook']));
});

test("docs/service.md lists the document's operations by their operationId, every one and no other", () => {
	const page = readFileSync(resolve(__dirname, '../../docs/service.md'), 'utf8').replace(/\s+/g, ' ');
	const listed = /every operation has an `operationId` \(([^)]*)\)/.exec(page)![1];
	const named = [...listed.matchAll(/`(\w+)`/g)].map((m) => m[1]);
	const served = operations(doc).filter((o) => !o.at.includes(' → ')).map((o) => o.op.operationId);
	expect([...named].sort()).toEqual([...served].sort());
});

test('servers: UPSCALE_PUBLIC_URL (without its trailing slash); without it, the address the server listens on', async () => {
	expect(doc.servers.map((x) => x.url)).toEqual([PUBLIC]);
	const other = await startService({ CLIPDROP_API_KEY: 'cd-openapi-key-0123456789', UPSCALE_API_KEYS: KEY });
	try {
		expect((await call(other.url, undefined, 'GET', '/openapi.json')).body.servers.map((x: { url: string }) => x.url)).toEqual([other.url]);
	} finally {
		await other.kill();
	}
});

test("the document's operations are the server's routes (its route table, logged as it starts)", () => {
	const line = s.output().split('\n').find((l) => l.includes('"msg":"routes"'));
	const table = JSON.parse(line!) as { public: string[]; keyed: string[] };
	const api = (r: string) => /^(GET|POST|PUT|PATCH|DELETE) (\/v1\/|\/healthz$|\/readyz$|\/metrics$)/.test(r);
	const served = [...table.public, ...table.keyed].filter(api).map((r) => r.replace(/:(\w+)/g, '{$1}')).sort();
	const documented = Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`)).sort();
	expect(documented).toEqual(served);
});

test("the examples are what the server's own schemas accept", () => {
	const example = (path: string, method: string, status: string) => (doc.paths[path][method] as unknown as { responses: Record<string, { content: Record<string, { example: unknown }> }> }).responses[status].content['application/json'].example;
	expect(() => jobSchema.parse(example('/v1/jobs/{id}', 'get', '200'))).not.toThrow();
	expect(() => jobListSchema.parse(example('/v1/jobs', 'get', '200'))).not.toThrow();
	expect(() => createdSubscriptionSchema.parse(example('/v1/webhooks', 'post', '201'))).not.toThrow();
	expect(() => subscriptionListSchema.parse(example('/v1/webhooks', 'get', '200'))).not.toThrow();
});
