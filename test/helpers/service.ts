/**
 * `upscale serve` as a user starts it (the built CLI, only the environment given), a small client for its API,
 * and a webhook receiver that records what it got and can be told to fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertBuilt, CLI, runCli, tempDir } from './cli';

export interface Service {
	url: string;
	proc: ChildProcess;
	dataDir: string;
	output(): string;
	kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startService(env: Record<string, string | undefined>, dataDir = tempDir()): Promise<Service> {
	const p = await startProcess('serve', env, dataDir, /listening on (http:\/\/\S+)/);
	return { ...p, url: p.match[1] };
}

/** `upscale worker` as a user starts it: ready once it says where it takes jobs from. */
export async function startWorker(env: Record<string, string | undefined>, dataDir: string): Promise<Omit<Service, 'url'>> {
	return startProcess('worker', env, dataDir, /taking jobs from Redis/);
}

async function startProcess(command: 'serve' | 'worker', env: Record<string, string | undefined>, dataDir: string, ready: RegExp): Promise<Omit<Service, 'url'> & { match: RegExpExecArray }> {
	assertBuilt();
	const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', PORT: '0', UPSCALE_DATA_DIR: dataDir, UPSCALE_LOG_LEVEL: 'debug' };
	for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
	const proc = spawn(process.execPath, [CLI, command], { env: clean, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
	proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
	const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
	const match = await new Promise<RegExpExecArray>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`upscale ${command} did not start:\n${out}`)), 20_000);
		const check = () => {
			const m = ready.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve(m);
			}
		};
		proc.stderr!.on('data', check);
		void exited.then((code) => {
			clearTimeout(timer);
			reject(new Error(`upscale ${command} exited with ${code}:\n${out}`));
		});
	});
	return {
		match,
		proc,
		dataDir,
		output: () => out,
		async kill(signal: NodeJS.Signals = 'SIGTERM') {
			if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
			return exited;
		},
	};
}

/** A client key made the way the README says: `upscale keys create --json`. */
export async function createKey(dataDir: string, name = 'test'): Promise<{ id: string; key: string; webhook_secret: string }> {
	const r = await runCli(['keys', 'create', '--name', name, '--json'], { UPSCALE_DATA_DIR: dataDir });
	if (r.code !== 0) throw new Error(`upscale keys create failed: ${r.stderr}`);
	return JSON.parse(r.stdout) as { id: string; key: string; webhook_secret: string };
}

export interface ApiAnswer {
	status: number;
	headers: Headers;
	body: any;  
	bytes: Buffer;
}

/** One API call; JSON and problem+json bodies are parsed. */
export async function call(base: string, key: string | undefined, method: string, path: string, body?: FormData | object | string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
	const h: Record<string, string> = { ...headers };
	if (key) h.authorization = `Bearer ${key}`;
	let payload: FormData | string | undefined;
	if (body instanceof FormData || typeof body === 'string') payload = body;
	else if (body) {
		payload = JSON.stringify(body);
		h['content-type'] ??= 'application/json';
	}
	const res = await fetch(`${base}${path}`, { method, headers: h, body: payload });
	const bytes = Buffer.from(await res.arrayBuffer());
	const type = res.headers.get('content-type') ?? '';
	return { status: res.status, headers: res.headers, body: /json/.test(type) && bytes.length ? JSON.parse(bytes.toString()) : bytes.toString(), bytes };
}

export function form(fields: Record<string, string | number | boolean>, image?: { bytes: Buffer; name?: string; type?: string }): FormData {
	const f = new FormData();
	for (const [k, v] of Object.entries(fields)) f.append(k, String(v));
	if (image) f.append('image', new Blob([image.bytes], { type: image.type ?? 'image/jpeg' }), image.name ?? 'photo.jpg');
	return f;
}

/** Polls a job until it has finished. */
export async function finished(base: string, key: string, id: string, timeoutMs = 30_000): Promise<any> {  
	const until = Date.now() + timeoutMs;
	for (;;) {
		const r = await call(base, key, 'GET', `/v1/jobs/${id}?wait=5`);
		if (['succeeded', 'failed', 'canceled'].includes(r.body.status)) return r.body;
		if (Date.now() > until) throw new Error(`job ${id} still ${r.body.status}`);
	}
}

export interface Received {
	headers: http.IncomingHttpHeaders;
	body: string;
	at: number;
}

/** A webhook receiver on 127.0.0.1: answers `statuses` in turn (then 200), records everything. */
export class Receiver {
	readonly received: Received[] = [];
	statuses: number[] = [];
	private server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			this.received.push({ headers: req.headers, body, at: Date.now() });
			res.writeHead(this.statuses.shift() ?? 200).end();
		});
	});
	url = '';

	async start(): Promise<this> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
		return this;
	}

	async waitFor(n: number, timeoutMs = 20_000): Promise<Received[]> {
		const until = Date.now() + timeoutMs;
		while (this.received.length < n) {
			if (Date.now() > until) throw new Error(`the receiver got ${this.received.length} of ${n} webhooks`);
			await new Promise((r) => setTimeout(r, 50));
		}
		return this.received;
	}

	stop(): Promise<void> {
		return new Promise((r) => this.server.close(() => r()));
	}
}

export { tempDir };
