/**
 * A real Redis for the tests: Debian's redis-server on a free loopback port, in a temporary directory, nothing
 * saved unless asked (`aof`: the append-only file, so a restart keeps the data). On a machine without it the suite
 * stops with how to get it (.ci/run installs it).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface RedisServer {
	url: string;
	port: number;
	/** Stops it (SIGTERM: with the append-only file, everything written is kept) and starts it again on the same port and directory. */
	restart(downMs?: number): Promise<void>;
	stop(): Promise<void>;
}

function launch(port: number, dir: string, aof: boolean): Promise<ChildProcess> {
	const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	return new Promise<ChildProcess>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (/Ready to accept connections/.test(out)) {
				clearTimeout(timer);
				resolve(proc);
			}
		});
		proc.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`redis-server exited with ${code}:\n${out}`));
		});
	});
}

const stopped = (proc: ChildProcess) =>
	new Promise<void>((resolve) => {
		if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
		proc.once('exit', () => resolve());
		proc.kill('SIGTERM');
	});

export async function startRedis(o: { aof?: boolean } = {}): Promise<RedisServer> {
	const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	if (probe.error || probe.status !== 0) {
		throw new Error("These tests need a real Redis: Debian's redis-server (apt-get install -y redis-server). .ci/run installs it; nothing else is needed.");
	}
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'upscale-redis-'));
	let proc = await launch(port, dir, !!o.aof);
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		async restart(downMs = 500) {
			await stopped(proc);
			await new Promise((r) => setTimeout(r, downMs));
			proc = await launch(port, dir, !!o.aof);
		},
		async stop() {
			await stopped(proc);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/**
 * One Redis for a test file: started before its tests (within `startTimeoutMs`), stopped after them, with every
 * connection made through `connect` (one per simulated process, with `options`) closed first.
 */
export function redisForSuite(options: RedisOptions = {}, startTimeoutMs = 30_000): { readonly url: string; connect(): Redis } {
	let server: RedisServer | undefined;
	const connections: Redis[] = [];
	beforeAll(async () => {
		server = await startRedis();
	}, startTimeoutMs);
	afterAll(async () => {
		await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
		await server?.stop();
	});
	return {
		get url() {
			if (!server) throw new Error('redisForSuite: Redis is started in beforeAll');
			return server.url;
		},
		connect() {
			const r = new Redis(this.url, options);
			connections.push(r);
			return r;
		},
	};
}
