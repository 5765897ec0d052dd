/** Runs the built CLI as a user would: `node dist/cli/main.js …`, with only the environment given. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(__dirname, '../../dist/cli/main.js');

export function assertBuilt(): void {
	if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does it).`);
}

/** Everything every CLI run printed in this test process (for the secrets check). */
export const cliOutputs: string[] = [];

export interface CliRun {
	code: number;
	stdout: string;
	stderr: string;
	stdoutBytes: Buffer;
}

export function tempDir(): string {
	return mkdtempSync(join(tmpdir(), 'upscale-e2e-'));
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
	assertBuilt();
	const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
	for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
	return new Promise((resolvePromise) => {
		execFile(
			process.execPath,
			[CLI, ...args],
			{ env: clean, cwd: opts.cwd ?? tempDir(), encoding: 'buffer', timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024 },
			(err, stdout, stderr) => {
				const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
				cliOutputs.push(stdout.toString('latin1'), stderr.toString('utf8'));
				resolvePromise({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), stdoutBytes: stdout });
			},
		);
	});
}
