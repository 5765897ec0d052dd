/**
 * The two packages as users get them. n8n-nodes-upscale: the packed tarball holds only the node, the credentials,
 * the core and package files, has no dependencies, and passes n8n's verification scanner (on the tarball and on
 * the sources). upscale-toolkit: `npm install -g` of its tarball into a fresh prefix gives a working `upscale`
 * (vendors against the fakes; without the optional local engine it names what to install) and a working bot
 * (`upscale-bot-deploy`, then `upscale-bot` answering an /upscale through the fake Discord), and its local engine
 * finds its models and upscales offline; installed with --omit=optional it names what the local engine needs.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ClipdropFake } from '../fakes/clipdrop';
import { DiscordFake } from '../fakes/discord';
import { installToolkit, pack, ROOT, TOOLKIT, unpack, type GlobalInstall } from '../helpers/install';

const CHELSEA = resolve(__dirname, '../fixtures/chelsea.jpg');
const SAMPLE = readFileSync(resolve(__dirname, '../fixtures/sample.jpg'));
const KEY = 'install-test-key-0123456789';
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.fake.discord-bot-token-0123456789';
const APP = '500000000000000001';
const GUILD = '200000000000000001';

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
	return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
		execFile(cmd, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) =>
			res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
		);
	});
}

const scan = (dir: string, sources = false) => run(process.execPath, [join(ROOT, 'scripts/scan.mjs'), dir, ...(sources ? ['--sources'] : [])]);

describe('n8n-nodes-upscale (the package n8n installs)', () => {
	let dir: string;
	beforeAll(() => {
		dir = unpack(pack(ROOT));
	});

	it('holds only the node, the credentials, the core and package files (with the MIT LICENSE); no dependencies', () => {
		const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').map((f) => f.slice(2));
		const outside = files.filter((f) => !/^dist\/(nodes|credentials|core)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
		expect(outside).toEqual([]);
		expect(files).toContain('LICENSE');
		expect(files.filter((f) => f.endsWith('.d.ts'))).toEqual([]);
		for (const must of ['dist/nodes/Upscaler/Upscaler.node.js', 'dist/nodes/Upscaler/Upscaler.node.json', 'dist/nodes/Upscaler/upscaler.svg', 'dist/credentials/ClipdropApi.credentials.js', 'dist/credentials/XimilarApi.credentials.js', 'dist/core/index.js']) {
			expect(files).toContain(must);
		}
		const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
		expect(pkg.dependencies).toBeUndefined();
		expect(pkg.optionalDependencies).toBeUndefined();
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(pkg.bin).toBeUndefined();
		expect(pkg.bugs.url).toMatch(/^https:\/\//);
	});

	it("passes n8n's verification scanner on the packed tarball", async () => {
		const r = await scan(dir);
		expect(r.stdout).toBe('{"passed":true,"message":null}\n');
		expect(r.code).toBe(0);
	}, 300_000);

	it("passes n8n's verification scanner on the sources (package.json, nodes/, credentials/)", async () => {
		const r = await scan(ROOT, true);
		expect(r.stdout).toBe('{"passed":true,"message":null}\n');
		expect(r.code).toBe(0);
	}, 300_000);
});

describe('upscale-toolkit, installed with npm install -g from its tarball', () => {
	let tarball: string;
	beforeAll(() => {
		tarball = pack(TOOLKIT);
	});

	it('has the same version as the n8n package, and its runtime needs as dependencies', () => {
		const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
		const toolkit = JSON.parse(readFileSync(join(TOOLKIT, 'package.json'), 'utf8'));
		expect(toolkit.version).toBe(root.version);
		for (const [name, range] of Object.entries({ ...toolkit.dependencies, ...toolkit.optionalDependencies })) expect([name, root.devDependencies[name]]).toEqual([name, range]);
		expect(Object.keys(toolkit.optionalDependencies).sort()).toEqual(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@upscalerjs/esrgan-slim', '@upscalerjs/esrgan-thick', 'onnxruntime-node', 'sharp']);
	});

	describe('installed globally (npm install -g)', () => {
		let lean: GlobalInstall;
		let cd: ClipdropFake;
		let discord: DiscordFake;
		beforeAll(async () => {
			lean = installToolkit(tarball, 'global');
			process.stdout.write(`toolkit, global install: ${lean.packages.length} packages, ${(lean.bytes / 1e6).toFixed(1)} MB\n`);
			cd = new ClipdropFake({ keys: { [KEY]: 10 }, taskDurationMs: 200 });
			discord = new DiscordFake({ botToken: TOKEN, applicationId: APP });
			await Promise.all([cd.start(), discord.start()]);
		}, 300_000);
		afterAll(async () => {
			await Promise.all([cd?.stop(), discord?.stop()]);
		});

		it('upscale --help, and an upscale against the Clipdrop fake', async () => {
			const help = await run(lean.bin('upscale'), ['--help']);
			expect(help.code).toBe(0);
			expect(help.stdout).toMatch(/^Usage: upscale <file-or-url> \[options\]/);
			const out = join(mkdtempSync(join(tmpdir(), 'upscale-out-')), 'out.jpg');
			const ok = await run(lean.bin('upscale'), [CHELSEA, '--provider', 'clipdrop', '--output', out, '--quiet'], { CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: cd.url });
			expect(ok.stderr).toBe('');
			expect(ok.code).toBe(0);
			expect((await sharp(readFileSync(out)).metadata()).width).toBe(902);
		});

		it('the job service: upscale keys create, upscale serve, one job over HTTP', async () => {
			const data = mkdtempSync(join(tmpdir(), 'serve-data-'));
			const made = await run(lean.bin('upscale'), ['keys', 'create', '--json'], { UPSCALE_DATA_DIR: data });
			expect(made.code).toBe(0);
			const client = JSON.parse(made.stdout) as { key: string };
			const server = spawn(lean.bin('upscale'), ['serve'], { env: { PATH: process.env.PATH, PORT: '0', UPSCALE_DATA_DIR: data, CLIPDROP_API_KEY: KEY, CLIPDROP_BASE_URL: cd.url } });
			let log = '';
			server.stdout.on('data', (d) => (log += d));
			server.stderr.on('data', (d) => (log += d));
			try {
				for (let i = 0; i < 300 && !/listening on http/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
				const base = /listening on (http:\/\/\S+)/.exec(log)![1];
				const body = new FormData();
				body.append('provider', 'clipdrop');
				body.append('image', new Blob([SAMPLE], { type: 'image/jpeg' }), 'photo.jpg');
				const res = await fetch(`${base}/v1/jobs?wait=20`, { method: 'POST', headers: { authorization: `Bearer ${client.key}` }, body });
				expect(await res.json()).toMatchObject({ status: 'succeeded', output: { width: 640, height: 480 } });
			} finally {
				server.kill('SIGTERM');
				await new Promise((r) => server.once('exit', r));
			}
			expect(log).not.toContain(KEY);
			expect(log).not.toContain(client.key);
		}, 120_000);

		it('the bot: upscale-bot-deploy registers the commands; upscale-bot answers an /upscale', async () => {
			const env = {
				DISCORD_TOKEN: TOKEN,
				DISCORD_APPLICATION_ID: APP,
				DISCORD_GUILD_ID: GUILD,
				DISCORD_API_URL: discord.api,
				DISCORD_CDN_HOSTS: new URL(discord.url).host,
				CLIPDROP_API_KEY: KEY,
				CLIPDROP_BASE_URL: cd.url,
				BOT_DATA_DIR: mkdtempSync(join(tmpdir(), 'bot-data-')),
			};
			const deploy = await run(lean.bin('upscale-bot-deploy'), [], env);
			expect(deploy.stderr).toBe('');
			expect(deploy.stdout.trim()).toBe(`Registered /upscale, "Upscale" (message menu), /upscale-credits, /upscale-settings in guild ${GUILD} (available now).`);

			const bot = spawn(lean.bin('upscale-bot'), [], { env: { PATH: process.env.PATH, ...env } });
			let log = '';
			bot.stdout.on('data', (d) => (log += d));
			bot.stderr.on('data', (d) => (log += d));
			try {
				await discord.waitFor(() => log.includes('"msg":"bot ready"'), 60_000);
				const url = discord.addCdnFile('photo.jpg', SAMPLE, 'image/jpeg');
				const id = discord.slash({ command: 'upscale', attachment: { filename: 'photo.jpg', contentType: 'image/jpeg', size: SAMPLE.length, width: 320, height: 240, url } });
				await discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'edit' && /^(✅|❌)/.test(x.body.content ?? '')), 60_000);
				const final = discord.of(id).filter((r) => r.kind === 'edit').pop()!;
				expect(final.body.content).toMatch(/^✅/);
			} finally {
				bot.kill('SIGTERM');
				await new Promise((r) => bot.once('exit', r));
			}
			expect(log).not.toContain(TOKEN);
			expect(log).not.toContain(KEY);
		}, 120_000);
	});

	it('without the optional local engine (npm install --omit=optional): vendors only, and local names what to install', async () => {
		const slim = installToolkit(tarball, 'lean');
		for (const p of ['sharp', '@tensorflow/tfjs']) expect(slim.packages).not.toContain(p);
		process.stdout.write(`toolkit, lean install: ${slim.packages.length} packages, ${(slim.bytes / 1e6).toFixed(1)} MB\n`);
			const local = await run(slim.bin('upscale'), [CHELSEA, '--output', join(mkdtempSync(join(tmpdir(), 'upscale-out-')), 'x.png')]);
		expect(local.code).toBe(2);
		expect(local.stderr).toBe(
			'upscale: The local engine needs sharp, @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm, @upscalerjs/esrgan-slim, which are not installed (they are optional dependencies of upscale-toolkit: an install with --omit=optional, or where they failed to install, has no local engine). Install with: npm install sharp@^0.34.5 @tensorflow/tfjs@4.11.0 @tensorflow/tfjs-backend-wasm@4.11.0 @upscalerjs/esrgan-slim@1.0.0\n',
		);
	}, 300_000);

	it('the global install carries the local engine: the models are read from the install and the AI upscale runs offline', async () => {
		const full = installToolkit(tarball, 'global');
		for (const p of ['sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@upscalerjs/esrgan-slim', '@upscalerjs/esrgan-thick', 'onnxruntime-node']) expect(full.packages).toContain(p);
		process.stdout.write(`toolkit, full global install: ${full.packages.length} packages, ${(full.bytes / 1e6).toFixed(1)} MB\n`);
		const out = join(mkdtempSync(join(tmpdir(), 'upscale-out-')), 'cat.png');
		const r = await run(full.bin('upscale'), [CHELSEA, '--scale', '2', '--output', out, '--json']);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		// ONNX Runtime from the install (its CPU binary is in the package; no install script ran), the models converted.
		expect(JSON.parse(r.stdout)).toMatchObject({ provider: 'local', width: 902, height: 600, params: { models: ['esrgan-slim x2'], backend: 'onnx' } });
		expect((await sharp(readFileSync(out)).metadata()).width).toBe(902);
	}, 600_000);
});
