/**
 * The built CLI, run as a user types it, against the local vendor fakes: both vendors, sync and async,
 * fault injection, and every local rejection (asserting the fakes received nothing).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { cliOutputs, runCli, tempDir } from '../helpers/cli';
import { dims, gif, jpeg, png, pngHeaderClaiming } from '../helpers/images';

const SAMPLE = resolve(__dirname, '../fixtures/sample.jpg');
const CD_KEY = 'cd-e2e-key-0123456789';
const XM_TOKEN = 'xm-e2e-token-0123456789';

let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
let dir: string;

const cdEnv = (extra: Record<string, string> = {}) => ({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, ...extra });
const xmEnv = (extra: Record<string, string> = {}) => ({ XIMILAR_BASE_URL: xm.url, XIMILAR_API_TOKEN: XM_TOKEN, ...extra });
const bothEnv = () => ({ ...cdEnv(), ...xmEnv() });

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000, 'cd-broke': 0 }, taskDurationMs: 600 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 100_000 }, 'xm-broke': { limit: 10 } }, taskDurationMs: 600 });
	await cd.start();
	await xm.start();
	files = http.createServer((req, res) => {
		if (req.url === '/photos/huge.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(31 * 1024 * 1024) }).end();
		if (req.url === '/photos/sample.jpg') {
			res.writeHead(200, { 'content-type': 'image/jpeg' });
			return res.end(readFileSync(SAMPLE));
		}
		res.writeHead(404).end();
	});
	await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
	filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await cd.stop();
	await xm.stop();
	files.close();
});

beforeEach(() => {
	cd.reset();
	xm.reset();
	cd.opts.taskDurationMs = 600;
	cd.opts.urlLifetimeMs = undefined;
	xm.opts.fileLifetimeMs = undefined;
	dir = tempDir();
});

const json = (s: string) => JSON.parse(s.trim().split('\n').pop()!);
/** The error line: the last line on stderr (progress lines may come before it). */
const lastLine = (s: string) => `${s.trim().split('\n').pop()}\n`;
const out = (name: string) => join(dir, name);

describe('Clipdrop through the CLI', () => {
	it('sync: writes the upscaled file and prints the JSON summary', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--scale', '2', '--json', '--output', out('a.jpg')], cdEnv());
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const j = json(r.stdout);
		expect(j).toMatchObject({ provider: 'clipdrop', execution: 'sync', taskId: null, output: out('a.jpg'), width: 640, height: 480, format: 'jpeg', credits: { consumed: 1, remaining: 999 } });
		expect(await dims(readFileSync(out('a.jpg')))).toEqual({ width: 640, height: 480, format: 'jpeg' });
		expect(cd.count('sync')).toBe(1);
	});

	it('picks Clipdrop when only its key is set, names the file after the input, and reports progress', async () => {
		const r = await runCli([SAMPLE, '--output', dir], cdEnv());
		expect(r.code).toBe(0);
		expect(r.stdout.trim()).toBe(join(dir, 'sample-upscaled.jpg'));
		expect(r.stderr).toMatch(/Clipdrop: sending the image…\n/);
		expect(r.stderr).toMatch(/wrote 640x480 JPEG \(\d+ KB\); credits used: 1, remaining: 999\n$/);
		const again = await runCli([SAMPLE, '--output', dir], cdEnv());
		expect(again.stdout.trim()).toBe(join(dir, 'sample-upscaled-1.jpg'));
	});

	it('async with a strategy: polls with progress and downloads the signed URL', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--strategy', 'detailed', '--width', '1000', '--json', '--output', out('b.jpg')], cdEnv());
		expect(r.code).toBe(0);
		const j = json(r.stdout);
		expect(j).toMatchObject({ execution: 'async', width: 1000, height: 750, params: { target_width: 1000, target_height: 750, strategy: 'detailed' } });
		expect(j.taskId).toMatch(/^[0-9a-f-]{36}$/);
		expect(j.resultUrl).toContain('/files/');
		expect(cd.count('async')).toBe(1);
		expect(cd.count('result')).toBe(1);
		expect(cd.count('download')).toBe(1);
	});

	it('shows the queue position while waiting', async () => {
		// Long enough that the first task is still queued when a slow-starting second CLI submits its own.
		cd.opts.taskDurationMs = 3000;
		const first = runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', out('q1.jpg')], cdEnv());
		// The second task queues behind the first once the vendor has the first (a fixed pause raced a slow start-up).
		while (cd.count('async') < 1) await new Promise((r) => setTimeout(r, 20));
		const second = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', out('q2.jpg')], cdEnv());
		expect((await first).code).toBe(0);
		expect(second.code).toBe(0);
		expect(second.stderr).toMatch(/Clipdrop: queued, position 1, eta ~\d+ s \(task [0-9a-f-]+, \d+ s\)/);
	});

	it('a URL input is downloaded first (Clipdrop needs the bytes)', async () => {
		const r = await runCli([`${filesUrl}/photos/sample.jpg`, '--provider', 'clipdrop', '--json'], cdEnv(), { cwd: dir });
		expect(r.code).toBe(0);
		expect(json(r.stdout).output).toBe('sample-upscaled.jpg');
		expect(existsSync(out('sample-upscaled.jpg'))).toBe(true);
	});

	it('a URL image over 30 MB is refused by its declared size, without reading it and without a request to the vendor', async () => {
		const r = await runCli([`${filesUrl}/photos/huge.jpg`, '--provider', 'clipdrop'], cdEnv(), { cwd: dir });
		expect(r.stderr).toBe('upscale: The image at the URL is larger than 30 MB.\n');
		expect(r.code).toBe(2);
		expect(cd.count()).toBe(0);
	});

	it('writes the image to stdout with --output -', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--output', '-'], cdEnv());
		expect(r.code).toBe(0);
		expect(await dims(r.stdoutBytes)).toMatchObject({ width: 640, height: 480 });
	});

	it('resumes a task that outlived --timeout with --task', async () => {
		cd.opts.taskDurationMs = 3000;
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--timeout', '1', '--output', out('t.jpg')], cdEnv());
		expect(r.code).toBe(1);
		const m = /Fetch the result later with Get Task ([0-9a-f-]+)/.exec(r.stderr);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop has not finished task [0-9a-f-]+ within the time limit \(1 s\); it is still queued\./m);
		expect(m).not.toBeNull();
		const resumed = await runCli(['--task', m![1], '--provider', 'clipdrop', '--json', '--output', out('t.jpg')], cdEnv());
		expect(resumed.code).toBe(0);
		expect(json(resumed.stdout)).toMatchObject({ taskId: m![1], width: 640, height: 480 });
		expect(cd.count('async')).toBe(1);
	});

	it('survives a 429 storm: retries, never submits twice, and all jobs finish', async () => {
		const storm = new ClipdropFake({ keys: { [CD_KEY]: 100 }, rateLimit: { requests: 3, windowMs: 1500 }, taskDurationMs: 200 });
		await storm.start();
		try {
			const runs = await Promise.all([1, 2, 3].map((i) => runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', out(`s${i}.jpg`)], { CLIPDROP_BASE_URL: storm.url, CLIPDROP_API_KEY: CD_KEY })));
			expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
			expect(storm.requests.filter((q) => q.status === 429).length).toBeGreaterThan(0);
			expect(storm.requests.filter((q) => q.route === 'async' && q.status === 200)).toHaveLength(3);
			expect(storm.credits.get(CD_KEY)).toBe(97);
		} finally {
			await storm.stop();
		}
	});

	it('with the quota configured, the shared budget keeps it under the limit: zero 429s', async () => {
		const strict = new ClipdropFake({ keys: { [CD_KEY]: 100 }, rateLimit: { requests: 3, windowMs: 1000 }, taskDurationMs: 100 });
		await strict.start();
		try {
			const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', out('z.jpg')], { CLIPDROP_BASE_URL: strict.url, CLIPDROP_API_KEY: CD_KEY, CLIPDROP_RATE_LIMIT: '3/1000ms' });
			expect(r.code).toBe(0);
			expect(strict.requests.filter((q) => q.status === 429)).toHaveLength(0);
		} finally {
			await strict.stop();
		}
	});

	it('retries status polls on 5xx and dropped connections', async () => {
		cd.inject({ route: 'status', kind: 'status', status: 503, body: '{"error":"unavailable"}', times: 2 }).inject({ route: 'status', kind: 'drop' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', out('r.jpg')], cdEnv());
		expect(r.code).toBe(0);
		expect(cd.requests.filter((q) => q.route === 'status' && q.status === 503)).toHaveLength(2);
	});

	it('does not resend a submit answered 500', async () => {
		cd.inject({ route: 'async', kind: 'status', status: 500, body: '{"error":"internal"}' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async'], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toBe('upscale: Clipdrop had a server error (500) while submitting the async upscale. This is on Clipdrop\'s side: try again later. Clipdrop said: "internal".\n');
		expect(cd.count('async')).toBe(1);
	});

	it('does not resend a submit whose connection dropped after the vendor processed it (no double charge)', async () => {
		cd.inject({ route: 'async', kind: 'drop-after' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async'], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop connection failed while submitting the async upscale \(.+\)\. The request may have reached the vendor, so it was not sent again \(to avoid paying twice\); check your account before retrying\.\n$/);
		expect(cd.count('async')).toBe(1);
		expect(cd.credits.get(CD_KEY)).toBe(999);
	});

	it('a sync upscale that outlives --timeout is not resent either', async () => {
		cd.inject({ route: 'sync', kind: 'slow', delayMs: 3000 });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--timeout', '1'], cdEnv());
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/Clipdrop: the time limit ran out while upscaling the image \(sync\)\. The request may have reached the vendor, so it was not sent again/);
		expect(cd.count('sync')).toBe(1);
	});

	it('reports a failed task', async () => {
		cd.inject({ route: 'async', kind: 'fail-task' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async'], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop reported that task [0-9a-f-]+ failed\. Credits for a failed task are the vendor's to refund; try again, perhaps with other options\.\n$/);
	});

	it('reports an answer it cannot read, with the task id', async () => {
		cd.inject({ route: 'status', kind: 'malformed' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--json'], cdEnv());
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/Clipdrop's task status answer has no status: "\{"status": "queu"\. \(task [0-9a-f-]+: resume it with Get Task\)/);
		expect(json(r.stdout).error).toMatchObject({ code: 'VENDOR' });
		expect(json(r.stdout).error.taskId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('an expired download URL is signed afresh, then reported expired', async () => {
		cd.opts.urlLifetimeMs = -1000;
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async'], cdEnv());
		expect(r.code).toBe(1);
		expect(r.stderr).toMatch(/The result URL no longer works \(403\): Clipdrop keeps results for one hour\. Upscale the image again\./);
		expect(cd.count('result')).toBe(2);
	});

	it('a bad key: clear message, key never printed', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--json'], cdEnv({ CLIPDROP_API_KEY: 'wrong-key-abcdef' }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toBe('upscale: Clipdrop rejected the API key (403: invalid or revoked): check the key, or create a new one in your Clipdrop account page. Clipdrop said: "Invalid api key".\n');
		expect(r.stdout + r.stderr).not.toContain('wrong-key-abcdef');
	});

	it('no credits left', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], cdEnv({ CLIPDROP_API_KEY: 'cd-broke' }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Your Clipdrop account has no credits left \(402\): buy credits/);
	});

	it('no key at all: exit 2 before any request', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], { CLIPDROP_BASE_URL: cd.url });
		expect(r.code).toBe(2);
		expect(r.stderr).toBe('upscale: No Clipdrop API key: set CLIPDROP_API_KEY.\n');
		expect(cd.count()).toBe(0);
	});

	it.each([['a line break', 'cd-key\nsecond-line'], ['a Cyrillic letter', 'cd-kеy-0123'], ['a control character', 'cd-key\u0007']])('a key with %s: exit 2 before any request, the key never printed', async (_what, key) => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], { CLIPDROP_API_KEY: key, CLIPDROP_BASE_URL: cd.url });
		expect([r.code, r.stderr]).toEqual([2, 'upscale: The Clipdrop API key holds a character that cannot be sent (a line break, a control character or a non-ASCII letter): copy it again. Nothing was sent.\n']);
		expect(cd.count()).toBe(0);
	});

	it("the resume hint keeps the run's --output, quoted for the shell when it needs to be", async () => {
		cd.opts.taskDurationMs = 60_000;
		const target = join(dir, "it's here.jpg");
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--timeout', '1', '--output', target], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(new RegExp(`Resume with: upscale --task [\\w-]+ --provider clipdrop --output '${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/it'\\\\''s here\\.jpg'\n$`));
	});

	it('an image URL whose host refuses the connection names the image host, not the vendor: exit 2, nothing sent', async () => {
		const r = await runCli(['http://127.0.0.1:9/photo.jpg', '--provider', 'clipdrop'], cdEnv());
		expect([r.code, lastLine(r.stderr)]).toEqual([2, 'upscale: Could not download the image from http://127.0.0.1:9/photo.jpg: The image host could not be reached while downloading the input image (ECONNREFUSED). Check your network connection or the URL, then try again.\n']);
		expect(cd.count()).toBe(0);
	});

	it('Clipdrop does not convert: an output named .webp for a JPEG result is written with a note saying what it holds', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--output', out('x.webp')], cdEnv());
		expect(r.code).toBe(0);
		expect(r.stderr).toContain(`note: ${out('x.webp')} holds a JPG image, not the format its name says (Clipdrop does not convert formats).\n`);
	});

	it('a Base URL with a wrong path: the 404 says so, not "check the task id"', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], cdEnv({ CLIPDROP_BASE_URL: `${cd.url}/v1` }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop answered 404 \(no such address\) while upscaling the image \(sync\): if its Base URL is set \(a proxy, the sandbox\), check its path\./);
	});

	it('an unreachable host', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], cdEnv({ CLIPDROP_BASE_URL: 'http://127.0.0.1:9' }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop could not be reached while upscaling the image \(sync\) \(ECONNREFUSED\)\. Check your network connection or the base URL, then try again\.\n$/);
	});
});

describe('Ximilar through the CLI', () => {
	it('async by default: JSON summary with credits measured from the account', async () => {
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--scale', '4', '--json', '--output', out('x.jpg')], xmEnv());
		expect(r.code).toBe(0);
		const j = json(r.stdout);
		expect(j).toMatchObject({ provider: 'ximilar', execution: 'async', width: 1280, height: 960, credits: { consumed: 50, remaining: 99950 } });
		expect(xm.count('async')).toBe(1);
		expect(xm.jobs).toEqual([{ scale: 4, params: { mode: 'artifact_removal', tune_colors: true }, source: 'base64' }]);
	});

	it('sync with every service parameter', async () => {
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--sync', '--mode', 'ironed_out', '--model', 'gan', '--format', 'png', '--quality', '90', '--no-tune-colors', '--json', '--output', dir], xmEnv());
		expect(r.code).toBe(0);
		expect(json(r.stdout)).toMatchObject({ execution: 'sync', format: 'png', output: join(dir, 'sample-upscaled.png'), width: 640, height: 480 });
		expect(xm.jobs[0]).toEqual({ scale: 2, params: { mode: 'ironed_out', model_type: 'gan', image_format: 'png', image_quality: 90, tune_colors: false }, source: 'base64' });
		expect(xm.count('sync')).toBe(1);
	});

	it('--webhook: Ximilar calls it when the task is done', async () => {
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--webhook', `${filesUrl}/hook`, '--output', dir], xmEnv());
		expect(r.code).toBe(0);
		await new Promise((res) => setTimeout(res, 200));
		expect(xm.webhooks).toEqual([{ endpoint: `${filesUrl}/hook`, status: 404 }]);
		const sync = await runCli([SAMPLE, '--provider', 'ximilar', '--sync', '--webhook', `${filesUrl}/hook`], xmEnv());
		expect(sync.code).toBe(2);
		expect(sync.stderr).toBe('upscale: A webhook works only with async jobs; drop it or use async.\n');
	});

	it('passes a URL through to Ximilar without downloading it', async () => {
		const r = await runCli([`${filesUrl}/photos/sample.jpg`, '--provider', 'ximilar', '--scale', '8', '--json'], xmEnv(), { cwd: dir });
		expect(r.code).toBe(0);
		expect(json(r.stdout)).toMatchObject({ input: null, width: 2560, height: 1920 });
		expect(xm.jobs[0].source).toBe('url');
	});

	it('picks Ximilar when only its token is set', async () => {
		const r = await runCli([SAMPLE, '--json', '--output', dir], xmEnv());
		expect(json(r.stdout).provider).toBe('ximilar');
	});

	it('a bad token: clear message before anything is submitted, token never printed', async () => {
		const r = await runCli([SAMPLE, '--provider', 'ximilar'], xmEnv({ XIMILAR_API_TOKEN: 'Token bad-token-zzzz' }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toBe('upscale: Ximilar rejected the API token (401): check the token (XIMILAR_API_TOKEN). Ximilar said: "Invalid token.".\n');
		expect(xm.count('async')).toBe(0);
		expect(r.stderr).not.toContain('bad-token-zzzz');
	});

	it('no credits left', async () => {
		const r = await runCli([SAMPLE, '--provider', 'ximilar'], xmEnv({ XIMILAR_API_TOKEN: 'xm-broke' }));
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Your Ximilar account has no credits left \(402\).*"Not enough credits to process the request\."/);
	});

	it('a failed request', async () => {
		xm.inject({ route: 'async', kind: 'fail-task' });
		const r = await runCli([SAMPLE, '--provider', 'ximilar'], xmEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Ximilar could not upscale the image \(500: Upscaling failed on the worker\)\. \(task [0-9a-f-]+: resume it with Get Task\)\n$/);
	});

	it('an expired result file', async () => {
		xm.opts.fileLifetimeMs = -1;
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--sync'], xmEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toBe('upscale: The result URL no longer works (403): Ximilar keeps results for 24 hours. Upscale the image again.\n');
	});

	it('5xx on the status poll is retried', async () => {
		xm.inject({ route: 'status', kind: 'status', status: 502, body: '<html>Bad gateway</html>' });
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--output', dir], xmEnv());
		expect(r.code).toBe(0);
	});
});

describe('rejected before any request (exit 2, the fakes receive nothing)', () => {
	const bad = async (name: string, bytes: Buffer | (() => Promise<Buffer>)) => {
		const path = join(dir, name);
		writeFileSync(path, typeof bytes === 'function' ? await bytes() : bytes);
		return path;
	};
	const cases: Array<[string, string, () => Promise<Buffer> | Buffer, string[], RegExp]> = [
		['empty', 'empty.png', () => Buffer.alloc(0), [], /^upscale: The image is empty \(0 bytes\)\.\n$/],
		['text renamed .png', 'text.png', () => Buffer.from('just some text, honestly'), [], /^upscale: The file is not a PNG, JPEG or WebP image \(its first bytes match none of them\)\.\n$/],
		['truncated PNG', 'cut.png', async () => (await png(200, 200)).subarray(0, 100), [], /^upscale: The PNG file is truncated or damaged/],
		['truncated JPEG', 'cut.jpg', async () => (await jpeg(200, 200)).subarray(0, 300), [], /^upscale: The JPEG file is truncated or damaged/],
		['GIF', 'anim.gif', () => gif(10, 10), [], /^upscale: The image is GIF, which is not supported: use PNG, JPEG or WebP\.\n$/],
		['SVG', 'logo.png', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), [], /^upscale: The image is SVG, which is not supported/],
		['HEIC-like', 'photo.jpg', () => Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(100)]), [], /^upscale: The image is HEIC\/HEIF, which is not supported/],
		['a 31 MB file', 'big.jpg', () => Buffer.alloc(31 * 1024 * 1024 + 5), [], /^upscale: big\.jpg is 31\.0 MB; the vendors accept at most 30 MB\.\n$/],
		['a header claiming 100000x100000', 'bomb.png', () => pngHeaderClaiming(100000, 100000), [], /^upscale: (Clipdrop cannot upscale this image as asked|The image is 100000x100000)/],
	];

	it.each(cases)('%s', async (_label, name, make, extra, text) => {
		const path = await bad(name, make as () => Promise<Buffer>);
		for (const provider of ['clipdrop', 'ximilar']) {
			const r = await runCli([path, '--provider', provider, ...extra], bothEnv());
			expect(r.stderr).toMatch(text);
			expect(r.code).toBe(2);
		}
		expect(cd.count() + xm.count()).toBe(0);
	});

	it('a 17 MP image for the sync endpoint', async () => {
		const path = await bad('17mp.jpg', () => jpeg(4250, 4000, { quality: 5 }));
		const r = await runCli([path, '--provider', 'clipdrop', '--sync', '--width', '4096', '--height', '4000'], bothEnv());
		expect(r.code).toBe(2);
		expect(r.stderr).toBe('upscale: Clipdrop cannot do this synchronously: the sync endpoint accepts inputs up to 16 megapixels (this one: 17.0 MP).\n');
		expect(cd.count()).toBe(0);
	});

	it.each([
		[['--provider', 'ximilar', '--scale', '3'], 'upscale: Ximilar upscales by 2, 4 or 8; 3 is not one of them.'],
		[['--provider', 'ximilar', '--quality', '50'], 'upscale: quality needs a format: Ximilar applies the output quality only when the output format is chosen.'],
		[['--provider', 'ximilar', '--strategy', 'smooth'], 'upscale: strategy: Ximilar upscales by a factor of 2, 4 or 8 and takes no exact size or strategy (those are Clipdrop options). Use a scale instead.'],
		[['--provider', 'clipdrop', '--mode', 'ironed_out'], 'upscale: mode is a Ximilar option; Clipdrop takes a scale or a width/height and, for async jobs, a strategy. (Clipdrop picks the output format itself: JPEG, or WebP when the input has transparency.)'],
		[['--provider', 'clipdrop', '--sync', '--width', '5000'], "upscale: Clipdrop cannot do this synchronously: the sync endpoint's output is at most 4096x4096 (asked: 5000x3750)."],
		[['--provider', 'clipdrop', '--scale', 'two'], 'upscale: --scale needs a number (got "two").'],
		[['--provider', 'clipdrop', '--width', '10.5'], 'upscale: --width needs a whole number (got "10.5").'],
		[['--provider', 'clipdrop', '--scale', '0.5'], 'upscale: Invalid options: scale must be greater than 1.'],
		[['--provider', 'clipdrop', '--strategy', 'sharp'], 'upscale: Invalid options: strategy must be one of smooth, detailed.'],
		[['--provider', 'ximilar', '--format', 'gif'], 'upscale: Invalid options: format must be one of png, jpg, webp.'],
		[['--provider', 'clipdrop', '--sync', '--async'], 'upscale: --sync and --async exclude each other.'],
		[['--provider', 'dalle'], 'upscale: Unknown provider "dalle": use clipdrop, ximilar or local.'],
		[['--provider', 'sk-0123456789abcdef0123456789'], 'upscale: Unknown provider: use clipdrop, ximilar or local.'],
		[['--provider', 'clipdrop', '--timeout', '0'], 'upscale: --timeout must be a positive number of seconds.'],
		[['--provider', 'clipdrop', '--output', '/no/such/dir/x.jpg'], 'upscale: Cannot write /no/such/dir/x.jpg: the folder /no/such/dir does not exist.'],
		[['--provider', 'clipdrop', '--output', '-', '--json'], 'upscale: --output - (image on stdout) and --json exclude each other.'],
	])('%j', async (args, message) => {
		const r = await runCli([SAMPLE, ...args], bothEnv());
		expect(r.stderr).toBe(`${message}\n`);
		expect(r.code).toBe(2);
		expect(cd.count() + xm.count()).toBe(0);
	});

	it('a mistyped option names the nearest one, before any request', async () => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--scal', '2'], bothEnv());
		expect([r.code, r.stderr]).toEqual([2, 'upscale: Unknown option --scal: did you mean --scale? (See upscale --help.)\n']);
		expect(cd.count()).toBe(0);
	});

	it('no image, two images, a missing file, an existing output without --force', async () => {
		expect((await runCli([], bothEnv())).stderr).toBe('upscale: No image given. Usage: upscale <file-or-url> [options]\n');
		expect((await runCli([SAMPLE, SAMPLE, '--provider', 'clipdrop'], bothEnv())).stderr).toMatch(/Give one image at a time \(got 2/);
		const missing = await runCli(['/nope/nothing.jpg', '--provider', 'clipdrop'], bothEnv());
		expect(missing.stderr).toBe('upscale: No such file: /nope/nothing.jpg\n');
		expect(missing.code).toBe(2);
		writeFileSync(out('exists.jpg'), 'x');
		const exists = await runCli([SAMPLE, '--provider', 'clipdrop', '--output', out('exists.jpg')], bothEnv());
		expect(exists.code).toBe(2);
		expect(exists.stderr).toBe(`upscale: ${out('exists.jpg')} exists; use --force to overwrite it.\n`);
		expect(cd.count() + xm.count()).toBe(0);
	});
});

describe('help and the local provider', () => {
	it('prints usage', async () => {
		const r = await runCli(['--help']);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/^Usage: upscale <file-or-url> \[options\]/);
		expect(r.stdout).toContain('--no-tune-colors');
	});

	it('prints the version', async () => {
		const r = await runCli(['--version']);
		expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')).version);
	});
});

// Last in this file: what every run above must have respected.
it('printed no key or token in any run, and wrote nothing beside the fixtures', () => {
	// No key or token in anything any run printed (results, progress, errors, JSON).
	const all = cliOutputs.join('\n');
	for (const secret of [CD_KEY, XM_TOKEN, 'wrong-key-abcdef', 'bad-token-zzzz']) expect(all).not.toContain(secret);
	// Every run writes into a temporary folder; nothing may land beside the fixtures.
	expect(readdirSync(dirname(SAMPLE)).filter((f) => f.includes('upscaled'))).toEqual([]);
});
