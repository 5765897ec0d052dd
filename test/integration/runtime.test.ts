/** runtime/: the undici Http port, input reading and environment parsing, against real local servers. */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TransportError, UpscaleError } from '../../core';
import { clientFromEnv, createUndiciHttp, nodePorts, nodeSleep, readInput, vendorEnv } from '../../runtime';
import { ClipdropFake } from '../fakes/clipdrop';
import { tempDir } from '../helpers/cli';
import { jpeg } from '../helpers/images';

let server: http.Server;
let base = '';
let cd: ClipdropFake;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			if (req.url === '/echo') {
				res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
				return res.end(JSON.stringify({ method: req.method, length: Buffer.concat(chunks).length, type: req.headers['content-type'] }));
			}
			if (req.url === '/big') {
				res.writeHead(200, { 'content-type': 'application/octet-stream' });
				return res.end(Buffer.alloc(5000));
			}
			if (req.url === '/big-chunked') {
				res.writeHead(200, { 'content-type': 'application/octet-stream' });
				res.write(Buffer.alloc(3000));
				return res.end(Buffer.alloc(3000));
			}
			if (req.url === '/hang') return; // never answers
			if (req.url === '/cut') {
				res.writeHead(200, { 'content-length': '1000' });
				res.write('partial');
				return setTimeout(() => res.socket?.destroy(), 20);
			}
			res.writeHead(404).end();
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	cd = new ClipdropFake({ keys: { 'rt-key': 10 }, taskDurationMs: 100 });
	await cd.start();
});

afterAll(async () => {
	server.closeAllConnections();
	server.close();
	await cd.stop();
});

const req = (path: string, extra: Partial<Parameters<ReturnType<typeof createUndiciHttp>['request']>[0]> = {}) =>
	createUndiciHttp().request({ method: 'GET', url: `${base}${path}`, headers: {}, auth: false, timeoutMs: 5000, ...extra });

async function transportError(p: Promise<unknown>): Promise<TransportError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(TransportError);
		return e as TransportError;
	}
	throw new Error('expected a transport error');
}

describe('undici Http port', () => {
	it('sends chunked bodies with their headers and reads status, headers and body', async () => {
		const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array(1000)];
		const r = await req('/echo', { method: 'POST', body: chunks, headers: { 'content-type': 'application/x-test', 'content-length': '1003' } });
		expect(r.status).toBe(201);
		expect(r.headers['x-multi']).toBe('a, b');
		expect(JSON.parse(Buffer.from(r.body).toString())).toEqual({ method: 'POST', length: 1003, type: 'application/x-test' });
	});

	it('refuses bodies over the cap (declared or streamed) as TOO_LARGE', async () => {
		expect((await transportError(req('/big', { maxBodyBytes: 1000 }))).causeCode).toBe('TOO_LARGE');
		const e = await transportError(req('/big-chunked', { maxBodyBytes: 4000 }));
		expect(e.phase).toBe('received');
	});

	it('tells "never reached" from "may have reached"', async () => {
		expect((await transportError(req('/x', { url: 'http://127.0.0.1:9/x' }))).phase).toBe('connect');
		const hang = await transportError(req('/hang', { timeoutMs: 300 }));
		expect(hang.phase).toBe('sent');
		expect(hang.message).toBe('no answer in time');
		expect((await transportError(req('/cut'))).phase).toBe('received');
	});

	it('stops when the caller aborts', async () => {
		const ac = new AbortController();
		setTimeout(() => ac.abort(), 50);
		expect((await transportError(req('/hang', { signal: ac.signal }))).phase).toBe('aborted');
	});

	it('sleeps abortably', async () => {
		const ac = new AbortController();
		const t0 = Date.now();
		await nodeSleep(30);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
		ac.abort();
		await expect(nodeSleep(10_000, ac.signal)).rejects.toBeDefined();
		const ac2 = new AbortController();
		const p = nodeSleep(10_000, ac2.signal);
		ac2.abort();
		await expect(p).rejects.toBeDefined();
	});

	it('runs the core end to end against the Clipdrop fake', async () => {
		const client = clientFromEnv('clipdrop', { CLIPDROP_API_KEY: 'rt-key', CLIPDROP_BASE_URL: cd.url }, nodePorts());
		const r = await client.upscale({ bytes: await jpeg(100, 80) }, { execution: 'async', pollMinMs: 100 });
		expect(r).toMatchObject({ width: 200, height: 160, credits: { consumed: 1, remaining: 9 } });
		await client.verifyCredentials();
	});
});

describe('environment', () => {
	it('reads keys, base URLs and rate limits, and names the variable that is wrong', () => {
		expect(vendorEnv('clipdrop', { CLIPDROP_API_KEY: ' k ', CLIPDROP_BASE_URL: 'http://h:1', CLIPDROP_RATE_LIMIT: '120/min' })).toEqual({
			key: 'k',
			baseUrl: 'http://h:1',
			rateLimit: { requests: 120, windowMs: 60000 },
		});
		expect(vendorEnv('ximilar', {})).toEqual({ key: undefined, baseUrl: undefined, rateLimit: undefined });
		expect(() => vendorEnv('ximilar', { XIMILAR_BASE_URL: 'api.ximilar.com' })).toThrow('XIMILAR_BASE_URL must be an http(s) URL (got "api.ximilar.com").');
		expect(() => vendorEnv('clipdrop', { CLIPDROP_RATE_LIMIT: 'fast' })).toThrow('CLIPDROP_RATE_LIMIT must look like "60" or "60/min" or "120/60s" (got "fast").');
		expect(() => clientFromEnv('ximilar', {})).toThrow('No Ximilar API token: set XIMILAR_API_TOKEN.');
	});
});

describe('readInput', () => {
	it('reads a file, passes URLs through, and refuses directories, missing and oversized files', async () => {
		const dir = tempDir();
		const f = join(dir, 'a.jpg');
		writeFileSync(f, Buffer.from([1, 2, 3]));
		expect(await readInput(f)).toEqual({ bytes: new Uint8Array([1, 2, 3]), fileName: 'a.jpg' });
		expect(await readInput('https://x.test/a.jpg')).toEqual({ url: 'https://x.test/a.jpg' });
		await expect(readInput(dir)).rejects.toThrow(`${dir} is not a file.`);
		await expect(readInput(join(dir, 'none'))).rejects.toThrow(UpscaleError);
		const big = join(dir, 'big.bin');
		writeFileSync(big, Buffer.alloc(30 * 1024 * 1024 + 1));
		await expect(readInput(big)).rejects.toThrow('big.bin is 30.0 MB; the vendors accept at most 30 MB.');
	});
});

describe('one undici in the process', () => {
	it('discord.js resolves the same undici as the runtime (two versions break discord.js file uploads)', () => {
		const discordDir = require.resolve('discord.js');
		expect(require.resolve('undici', { paths: [discordDir] })).toBe(require.resolve('undici'));
		expect(require.resolve('undici', { paths: [require.resolve('@discordjs/rest')] })).toBe(require.resolve('undici'));
	});
});
