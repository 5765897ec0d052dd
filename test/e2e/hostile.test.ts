/**
 * A hostile world through the CLI as typed: the layouts phones and editors really write, servers that trickle,
 * redirect and lie about what they send, destinations that cannot take the result, signals, and messages. What each
 * test asserts is what the user sees (exit status, the line on stderr, the file written) and that no credit is spent
 * where none needs to be.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { CLI, cliOutputs, runCli, tempDir } from '../helpers/cli';
import { dims, motionPhoto, phoneJpeg, pngWithExif, webpWithExif } from '../helpers/images';

const SAMPLE = resolve(__dirname, '../fixtures/sample.jpg');
const CD_KEY = 'cd+hostile/key=with&odd?chars-0123456789';
const XM_TOKEN = 'xm-hostile-token-0123456789';

let cd: ClipdropFake;
let xm: XimilarFake;
let files: http.Server;
let filesUrl = '';
const served: Record<string, Buffer> = {};

const cdEnv = (extra: Record<string, string> = {}) => ({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, ...extra });
const xmEnv = (extra: Record<string, string> = {}) => ({ XIMILAR_BASE_URL: xm.url, XIMILAR_API_TOKEN: XM_TOKEN, ...extra });
const envFor = (provider: string) => (provider === 'clipdrop' ? cdEnv() : provider === 'ximilar' ? xmEnv() : {});
const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** Image server with the hostile behaviours real image hosts show. */
function fileServer(req: http.IncomingMessage, res: http.ServerResponse): void {
	const path = (req.url ?? '').split('?')[0];
	if (path === '/redirect.jpg') return void res.writeHead(302, { location: '/photos/sample.jpg' }).end();
	if (path === '/moved.jpg') return void res.writeHead(301, { location: `${filesUrl}/redirect.jpg` }).end();
	if (path === '/loop.jpg') return void res.writeHead(302, { location: '/loop.jpg' }).end();
	if (path === '/to-file.jpg') return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
	if (path === '/trickle.jpg') {
		const body = served['sample.jpg'];
		res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(body.length) });
		let i = 0;
		const timer = setInterval(() => (i < body.length && !res.destroyed ? res.write(body.subarray(i, ++i)) : clearInterval(timer)), 2000);
		res.on('close', () => clearInterval(timer));
		return;
	}
	let name = path.replace(/^\/photos\//, '').replace(/^\//, '');
	try {
		name = decodeURIComponent(name);
	} catch {
		// "50%off.jpg" is a name, not percent-encoding
	}
	name = name.split('/').pop()!;
	const body = served[name] ?? (path.startsWith('/photos/') ? served['sample.jpg'] : undefined);
	if (!body) return void res.writeHead(404).end();
	res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(body.length) });
	res.end(body);
}

beforeAll(async () => {
	cd = new ClipdropFake({ keys: { [CD_KEY]: 1000 }, taskDurationMs: 400 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 1_000_000 } }, taskDurationMs: 400 });
	await cd.start();
	await xm.start();
	served['sample.jpg'] = readFileSync(SAMPLE);
	served['motion.jpg'] = await motionPhoto(320, 240);
	files = http.createServer(fileServer);
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
	cd.opts.taskDurationMs = 400;
	cd.opts.syncMaxPixels = undefined;
});

describe('what phones and editors write', () => {
	it.each(['clipdrop', 'ximilar', 'local'])('a motion photo (a video after the JPEG end marker) upscales with %s', async (provider) => {
		const env = envFor(provider);
		const dir = tempDir();
		writeFileSync(join(dir, 'PXL_20261101_MP.jpg'), served['motion.jpg']);
		const r = await runCli([join(dir, 'PXL_20261101_MP.jpg'), '--provider', provider, '--scale', '2', '--quiet'], env);
		expect({ code: r.code, err: r.stderr }).toEqual({ code: 0, err: '' });
		expect(await dims(readFileSync(join(dir, 'PXL_20261101_MP-upscaled.jpg')))).toMatchObject({ width: 640, height: 480 });
	});

	it.each([
		['JPEG: EXIF orientation 6, then XMP', () => phoneJpeg(40, 30, 6), 'jpg'],
		['PNG: eXIf chunk, orientation 6', () => pngWithExif(40, 30, 6), 'png'],
		['WebP: EXIF chunk, orientation 6', () => webpWithExif(40, 30, 6), 'webp'],
	])('the local engine turns a rotated photo upright, not stretched (%s)', async (_n, make, ext) => {
		const dir = tempDir();
		writeFileSync(join(dir, `turned.${ext}`), await make());
		const r = await runCli([join(dir, `turned.${ext}`), '--provider', 'local', '--fast', '--json'], {});
		expect(r.code).toBe(0);
		// 40x30 stored, shown upright as 30x40: x2 gives 60x80.
		expect(JSON.parse(r.stdout)).toMatchObject({ width: 60, height: 80 });
		expect(await dims(readFileSync(join(dir, `turned-upscaled.${ext}`)))).toMatchObject({ width: 60, height: 80 });
	});
});

describe('servers that trickle: --timeout bounds the whole run', () => {
	it.each(['clipdrop', 'local'])('an input URL sending a byte every 2 s (%s): stopped at the time limit, nothing sent to a vendor', async (provider) => {
		const env = envFor(provider);
		const r = await runCli([`${filesUrl}/trickle.jpg`, '--provider', provider, '--timeout', '3'], env, { timeoutMs: 30_000 });
		expect(r.code).toBe(2);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Could not download the image from http:\/\/127\.0\.0\.1:\d+\/trickle\.jpg: .*the time limit ran out while downloading the input image\.$/);
		expect(cd.count() + xm.count()).toBe(0);
	});

	it("Clipdrop's sync answer trickling: stopped at the time limit, and the paid request is not sent again", async () => {
		cd.inject({ route: 'sync', kind: 'trickle', delayMs: 2000 });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--timeout', '3'], cdEnv(), { timeoutMs: 30_000 });
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop: the time limit ran out while upscaling the image \(sync\)\. The request may have reached the vendor, so it was not sent again/);
		expect(cd.count('sync')).toBe(1);
	});

	it('a result download trickling (Ximilar): stopped at the time limit, with the task id to resume', async () => {
		xm.inject({ route: 'download', kind: 'trickle', delayMs: 2000, times: 10 });
		const r = await runCli([SAMPLE, '--provider', 'ximilar', '--timeout', '6'], xmEnv(), { timeoutMs: 30_000 });
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Ximilar: the time limit ran out while downloading the result\..*Resume with: upscale --task [\w-]+ --provider ximilar$/);
		expect(xm.count('async')).toBe(1);
	});
});

describe('servers that redirect', () => {
	it.each(['clipdrop', 'local'])('an image URL behind 301 then 302 is followed (%s)', async (provider) => {
		const env = envFor(provider);
		const dir = tempDir();
		const r = await runCli([`${filesUrl}/moved.jpg`, '--provider', provider, '--fast', '--quiet'].filter((a) => provider === 'local' || a !== '--fast'), env, { cwd: dir });
		expect({ code: r.code, err: r.stderr }).toEqual({ code: 0, err: '' });
		expect(await dims(readFileSync(join(dir, 'moved-upscaled.jpg')))).toMatchObject({ width: 640, height: 480 });
	});

	it('a result download that redirects is followed (Clipdrop async, Ximilar)', async () => {
		cd.inject({ route: 'download', kind: 'redirect' });
		const a = await runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--json', '--output', join(tempDir(), 'a.jpg')], cdEnv());
		expect(a.code).toBe(0);
		expect(cd.count('download')).toBe(2);
		xm.inject({ route: 'download', kind: 'redirect', times: 2 });
		const b = await runCli([SAMPLE, '--provider', 'ximilar', '--json', '--output', join(tempDir(), 'b.jpg')], xmEnv());
		expect(b.code).toBe(0);
		expect(xm.count('download')).toBe(3);
	});

	it('a redirect loop, and a redirect to file://, are refused with a plain message', async () => {
		const loop = await runCli([`${filesUrl}/loop.jpg`, '--provider', 'clipdrop'], cdEnv());
		expect(loop.code).toBe(2);
		expect(lastLine(loop.stderr)).toMatch(/^upscale: Could not download the image from .*\/loop\.jpg: Downloading the input image failed: more than 5 redirects\.$/);
		const file = await runCli([`${filesUrl}/to-file.jpg`, '--provider', 'local'], {});
		expect(file.code).toBe(2);
		expect(lastLine(file.stderr)).toMatch(/^upscale: Could not download the image from .*: the server redirected to a file: address \(only http and https are followed\)\.$/);
		expect(cd.count()).toBe(0);
	});
});

describe('servers that lie about what they send', () => {
	it.each([
		['cut off', 'truncate', /JPEG file is truncated or damaged/],
		['an HTML page sent as image/jpeg', 'html', /The image is an HTML page/],
	] as const)("Clipdrop's sync answer %s: an error (exit 1), no file written", async (_n, kind, why) => {
		const dir = tempDir();
		cd.inject({ route: 'sync', kind });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--output', join(dir, 'out.jpg')], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop returned something that is not an image, or not a complete one \(image\/jpeg, \d+ bytes: /);
		expect(lastLine(r.stderr)).toMatch(why);
		expect(lastLine(r.stderr)).toMatch(/Clipdrop reports 1 credit spent on it; try again\.$/);
		expect(readdirSync(dir)).toEqual([]);
	});

	it('a damaged result download is downloaded again; three in a row is an error with the task id', async () => {
		xm.inject({ route: 'download', kind: 'truncate' });
		const dir = tempDir();
		const ok = await runCli([SAMPLE, '--provider', 'ximilar', '--output', join(dir, 'ok.jpg'), '--quiet'], xmEnv());
		expect(ok.code).toBe(0);
		expect(await dims(readFileSync(join(dir, 'ok.jpg')))).toMatchObject({ width: 640, height: 480 });
		expect(xm.count('download')).toBe(2);
		xm.reset();
		xm.inject({ route: 'download', kind: 'html', times: 3 });
		const bad = await runCli([SAMPLE, '--provider', 'ximilar', '--output', join(dir, 'bad.jpg')], xmEnv());
		expect(bad.code).toBe(1);
		expect(lastLine(bad.stderr)).toMatch(/^upscale: The result downloaded from Ximilar was something that is not an image, or not a complete one \(image\/jpeg, \d+ bytes: The image is an HTML page.*\), 3 times in a row; try Get Task again later\. \(task [\w-]+: resume it with Get Task\) Resume with: upscale --task [\w-]+ --provider ximilar --output \S+\/bad\.jpg$/);
		expect(existsSync(join(dir, 'bad.jpg'))).toBe(false);
	});
});

describe('destinations that cannot take the result: checked before anything is spent', () => {
	it.each([
		[['--output', 'missing-folder/'], /^upscale: Cannot write into missing-folder\/: the folder does not exist\.$/],
		[['--output', '/proc/x.jpg'], /^upscale: Cannot write \/proc\/x\.jpg: /],
		[['--output', `${'z'.repeat(300)}.jpg`], /^upscale: Cannot write z+…: the name is too long for this system\.$/],
		[['--output', `${'я'.repeat(130)}.jpg`], /^upscale: Cannot write я+…: the name is too long for this system\.$/],
		[['--output', '/dev/null', '--force'], /^upscale: \/dev\/null is not a regular file \(a device, a pipe or a socket\); it is never replaced\. Give a file name\.$/],
	])('%j: exit 2, no request', async (args, message) => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', ...args], cdEnv());
		expect(r.code).toBe(2);
		expect(lastLine(r.stderr)).toMatch(message);
		expect(cd.count()).toBe(0);
	});

	it('--force never replaces a FIFO or the input itself', async () => {
		const dir = tempDir();
		execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
		const fifo = await runCli([SAMPLE, '--provider', 'clipdrop', '--output', join(dir, 'pipe.jpg'), '--force'], cdEnv());
		expect(fifo.code).toBe(2);
		expect(lastLine(fifo.stderr)).toMatch(/pipe\.jpg is not a regular file/);
		writeFileSync(join(dir, 'in.jpg'), served['sample.jpg']);
		const self = await runCli([join(dir, 'in.jpg'), '--provider', 'clipdrop', '--output', join(dir, 'in.jpg'), '--force'], cdEnv());
		expect(self.code).toBe(2);
		expect(lastLine(self.stderr)).toBe(`upscale: ${join(dir, 'in.jpg')} is the input image; it is never replaced. Give another output name.`);
		symlinkSync(join(dir, 'in.jpg'), join(dir, 'link.jpg'));
		const link = await runCli([join(dir, 'in.jpg'), '--provider', 'clipdrop', '--output', join(dir, 'link.jpg'), '--force'], cdEnv());
		expect(link.code).toBe(2);
		expect(readFileSync(join(dir, 'in.jpg')).equals(served['sample.jpg'])).toBe(true);
		expect(cd.count()).toBe(0);
	});

	it('the folder removed while the job ran: the paid result is saved in the temporary folder, and the user is told where', async () => {
		const dir = tempDir();
		const rescueDir = mkdtempSync(join(tmpdir(), 'rescue-'));
		mkdirSync(join(dir, 'out'));
		cd.opts.taskDurationMs = 2500;
		const run = runCli([SAMPLE, '--provider', 'clipdrop', '--async', '--output', join(dir, 'out', 'x.jpg')], cdEnv({ TMPDIR: rescueDir }));
		while (cd.count('async') === 0) await new Promise((r) => setTimeout(r, 50));
		rmSync(join(dir, 'out'), { recursive: true });
		const r = await run;
		expect(r.code).toBe(1);
		const saved = readdirSync(rescueDir);
		expect(saved).toHaveLength(1);
		expect(lastLine(r.stderr)).toBe(`upscale: Could not write ${join(dir, 'out', 'x.jpg')}: the folder does not exist (any more). The result was saved to ${join(rescueDir, saved[0])} instead: move it where you want it.`);
		expect(await dims(readFileSync(join(rescueDir, saved[0])))).toMatchObject({ width: 640, height: 480 });
		expect(cd.count('async')).toBe(1);
	});

	it('a full disk (file size limit) for the file and the rescue: no stack, no .part file, and how to get the result without paying again', async () => {
		const dir = tempDir();
		const rescueDir = mkdtempSync(join(tmpdir(), 'rescue-'));
		const r = await shell(`ulimit -f 8; exec "${process.execPath}" "${CLI}" "${SAMPLE}" --provider ximilar --scale 4 --output "${join(dir, 'big.png')}" --format png`, xmEnv({ TMPDIR: rescueDir }));
		expect(r.code).toBe(1);
		expect(r.stderr).not.toMatch(/\n\s+at /);
		expect(lastLine(r.stderr)).toMatch(
			/^upscale: Could not write .*big\.png: the file is larger than this system allows \(file size limit\), nor a copy in .*rescue-\w+ \(the file is larger than this system allows \(file size limit\)\)\. To get the result without paying again, fetch it again with: upscale --task [\w-]+ --provider ximilar, or download it from http:\/\/127\.0\.0\.1:\d+\/\S+ \(valid until \S+\)\.$/,
		);
		expect(readdirSync(dir)).toEqual([]);
		expect(readdirSync(rescueDir)).toEqual([]);
	});

	it('--output - into a full device: the result is rescued, exit 1, no stack trace', async () => {
		const rescueDir = mkdtempSync(join(tmpdir(), 'rescue-'));
		const r = await shell(`exec "${process.execPath}" "${CLI}" "${SAMPLE}" --provider clipdrop --output - > /dev/full`, cdEnv({ TMPDIR: rescueDir }));
		expect(r.code).toBe(1);
		expect(r.stderr).not.toMatch(/\n\s+at /);
		const saved = readdirSync(rescueDir);
		expect(saved).toHaveLength(1);
		expect(lastLine(r.stderr)).toBe(`upscale: Could not write the image to standard output: the disk is full. The result was saved to ${join(rescueDir, saved[0])} instead: move it where you want it.`);
	});

	it('--output - into a pipe whose reader stops early: the result is rescued', async () => {
		const rescueDir = mkdtempSync(join(tmpdir(), 'rescue-'));
		const r = await shell(`set -o pipefail; "${process.execPath}" "${CLI}" "${SAMPLE}" --provider clipdrop --scale 8 --output - | head -c 10 > /dev/null`, cdEnv({ TMPDIR: rescueDir }));
		expect(r.code).toBe(1);
		const saved = readdirSync(rescueDir);
		expect(saved).toHaveLength(1);
		expect(lastLine(r.stderr)).toBe(`upscale: Could not write the image to standard output: the program reading the output closed it. The result was saved to ${join(rescueDir, saved[0])} instead: move it where you want it.`);
		expect(await dims(readFileSync(join(rescueDir, saved[0])))).toMatchObject({ width: 2560, height: 1920 });
	});

	it('a file name taken from a URL never leaves the folder, and a bare % is kept as written', async () => {
		served['escaped.jpg'] = served['sample.jpg'];
		served['50%off.jpg'] = served['sample.jpg'];
		const dir = tempDir();
		mkdirSync(join(dir, 'a', 'b'), { recursive: true });
		const r = await runCli([`${filesUrl}/..%2F..%2Fescaped.jpg`, '--provider', 'clipdrop', '--quiet'], cdEnv(), { cwd: join(dir, 'a', 'b') });
		expect(r.code).toBe(0);
		expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['escaped-upscaled.jpg']);
		expect(readdirSync(dir)).toEqual(['a']);
		const p = await runCli([`${filesUrl}/50%off.jpg`, '--provider', 'clipdrop', '--quiet'], cdEnv(), { cwd: dir });
		expect({ code: p.code, err: p.stderr }).toEqual({ code: 0, err: '' });
		expect(readdirSync(dir).sort()).toEqual(['50%off-upscaled.jpg', 'a']);
	});
});

describe('credits at risk: cheap checks before any request', () => {
	it.each([
		[['--scale', '1.0000001'], /^upscale: 320x240 is not larger than the image \(320x240\): Clipdrop would charge a credit and return it no larger\. Ask for a larger size or scale\.$/],
		[['--width', '10'], /^upscale: 10x8 is not larger than the image \(320x240\): Clipdrop would charge a credit and return it no larger\./],
	])('Clipdrop %j: a paid no-op, refused (exit 2, no request)', async (args, message) => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', ...args], cdEnv());
		expect(r.code).toBe(2);
		expect(lastLine(r.stderr)).toMatch(message);
		expect(cd.count()).toBe(0);
	});

	it('an input of 16.0–16.78 MP goes to the async endpoint, so it works however "16 megapixels" is read', async () => {
		cd.opts.syncMaxPixels = 16_000_000; // the strict reading
		const dir = tempDir();
		const sharp = (await import('sharp')).default;
		writeFileSync(join(dir, 'band.jpg'), await sharp({ create: { width: 4090, height: 4000, channels: 3, background: '#468' } }).jpeg({ quality: 5 }).toBuffer());
		const r = await runCli([join(dir, 'band.jpg'), '--provider', 'clipdrop', '--width', '4096', '--json'], cdEnv(), { timeoutMs: 120_000 });
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout)).toMatchObject({ execution: 'async', width: 4096 });
		expect(cd.count('sync')).toBe(0);
	}, 120_000);
});

describe('signals', () => {
	it('SIGTERM while waiting: exit 143, the task id on stderr and, with --quiet --json, in the JSON error', async () => {
		cd.opts.taskDurationMs = 60_000;
		const dir = tempDir();
		const child = spawn(process.execPath, [CLI, SAMPLE, '--provider', 'clipdrop', '--async', '--quiet', '--json', '--output', join(dir, 'x.jpg')], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...cdEnv() } });
		const done = collect(child);
		while (cd.count('status') === 0) await new Promise((r) => setTimeout(r, 50));
		child.kill('SIGTERM');
		const { code, stdout, stderr } = await done;
		expect(code).toBe(143);
		const err = JSON.parse(stdout).error;
		expect(err).toMatchObject({ code: 'ABORTED', provider: 'clipdrop', taskId: expect.any(String) });
		expect(lastLine(stderr)).toBe(`upscale: Cancelled while waiting for task ${err.taskId}. Resume with: upscale --task ${err.taskId} --provider clipdrop --output ${join(dir, 'x.jpg')}`);
		expect(cd.count('async')).toBe(1);
	});

	it('SIGTERM after the reader of its output went away (a closed pipe): it still ends, 143', async () => {
		const hang = http.createServer(() => undefined);
		await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
		try {
			const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/slow.jpg`;
			const child = spawn(process.execPath, [CLI, url, '--provider', 'clipdrop'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...cdEnv() } });
			await new Promise((r) => setTimeout(r, 700));
			child.stdout.destroy();
			child.stderr.destroy();
			child.kill('SIGTERM');
			const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
			expect(code).toBe(143);
		} finally {
			hang.closeAllConnections();
			hang.close();
		}
	});
});

describe('messages a user can act on', () => {
	it('a 429 asking to wait 27.8 hours says so at once, instead of "the time limit ran out"', async () => {
		cd.inject({ route: 'sync', kind: 'status', status: 429, headers: { 'retry-after': '99999' }, body: '{"error":"Too many requests"}' });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop'], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toBe(
			'upscale: Clipdrop: the time limit ran out while waiting for the request budget (upscaling the image (sync)). Clipdrop asked to wait 27.8 hours before the next request (429 Retry-After), longer than the time left (10 min): try again later.',
		);
	});

	it.each([
		[['--timeout', '0.5'], 'upscale: --timeout must be at least 1 second (got "0.5").'],
		[['--timeout', '100000'], 'upscale: --timeout must be at most 86400 seconds (24 hours; got "100000").'],
	])('%j', async (args, message) => {
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', ...args], cdEnv());
		expect({ code: r.code, line: lastLine(r.stderr) }).toEqual({ code: 2, line: message });
	});

	it('unreadable inputs are input errors (exit 2) in plain words: a symlink loop, a name too long, a data: URL, a FIFO', async () => {
		const dir = tempDir();
		symlinkSync(join(dir, 'b.jpg'), join(dir, 'a.jpg'));
		symlinkSync(join(dir, 'a.jpg'), join(dir, 'b.jpg'));
		execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
		const data = `data:image/png;base64,${'A'.repeat(100_000)}`;
		const cases: Array<[string, RegExp]> = [
			[join(dir, 'a.jpg'), /^upscale: Cannot read .*a\.jpg: its symbolic links form a loop\.$/],
			[join(dir, `${'n'.repeat(300)}.jpg`), /^upscale: Cannot read .*…: the name is too long for this system\.$/],
			[data, /^upscale: data: URLs are not supported: save the image to a file, or give its http\(s\) URL\.$/],
			[join(dir, 'pipe.jpg'), /^upscale: .*pipe\.jpg is not a regular file \(a device, a pipe or a socket\): save the image to a file first\.$/],
			['ftp://example.com/a.jpg', /^upscale: "ftp:\/\/example\.com\/a\.jpg" is not an http\(s\) URL of an image\.$/],
		];
		for (const [source, message] of cases) {
			const r = await runCli([source, '--provider', 'clipdrop'], cdEnv());
			expect({ source: source.slice(0, 60), code: r.code }).toEqual({ source: source.slice(0, 60), code: 2 });
			expect(lastLine(r.stderr)).toMatch(message);
			expect(r.stderr.length).toBeLessThan(400);
		}
		expect(cd.count()).toBe(0);
	});

	it('a key the vendor echoes back URL-encoded or base64-encoded is redacted too', async () => {
		const b64 = Buffer.from(`user:${CD_KEY}`).toString('base64');
		cd.inject({ route: 'sync', kind: 'status', status: 500, body: JSON.stringify({ error: `bad key ${encodeURIComponent(CD_KEY)} (Basic ${b64})` }) });
		const r = await runCli([SAMPLE, '--provider', 'clipdrop', '--json'], cdEnv());
		expect(r.code).toBe(1);
		expect(lastLine(r.stderr)).toMatch(/^upscale: Clipdrop had a server error \(500\).*Clipdrop said: "bad key \*\*\* \(Basic .*\*\*\*.*\)"/);
		expect(r.stdout + r.stderr).not.toContain(encodeURIComponent(CD_KEY));
		expect(r.stdout + r.stderr).not.toContain(b64);
	});
});

describe('secrets', () => {
	it('no key or token, in any form, in anything any run above printed', () => {
		const all = cliOutputs.join('\n');
		expect(all.length).toBeGreaterThan(1000);
		for (const form of [CD_KEY, encodeURIComponent(CD_KEY), Buffer.from(CD_KEY).toString('base64').slice(0, 24), XM_TOKEN]) expect(all).not.toContain(form);
	});
});

/** Collects what a child prints (recorded for the secrets check) and its exit status. */
function collect(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stdout: string; stderr: string }> {
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (d) => (stdout += d));
	child.stderr.on('data', (d) => (stderr += d));
	return new Promise((resolvePromise) =>
		child.on('close', (code) => {
			cliOutputs.push(stdout, stderr);
			resolvePromise({ code, stdout, stderr });
		}),
	);
}

/** Runs a shell line (for ulimit and redirections), with only the environment given. */
function shell(line: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
	return collect(spawn('bash', ['-c', line], { env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env } }));
}
