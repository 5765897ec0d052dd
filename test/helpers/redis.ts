/**
 * A real Redis for the tests: Debian's redis-server on a free loopback port, in a temporary directory, nothing
 * saved. On a machine without it the suite stops with how to get it (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface RedisServer {
	url: string;
	port: number;
	stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
	const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	if (probe.error || probe.status !== 0) {
		throw new Error("These tests need a real Redis: Debian's redis-server (apt-get install -y redis-server). .ci/run installs it; nothing else is needed.");
	}
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'upscale-redis-'));
	const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			if (/Ready to accept connections/.test(out)) {
				clearTimeout(timer);
				resolve();
			}
		});
		proc.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`redis-server exited with ${code}:\n${out}`));
		});
	});
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		stop: () =>
			new Promise<void>((resolve) => {
				proc.once('exit', () => {
					rmSync(dir, { recursive: true, force: true });
					resolve();
				});
				proc.kill('SIGTERM');
			}),
	};
}
