/**
 * The commands configured by the environment only, as typed: `upscale serve|worker`, `upscale-bot [worker]`,
 * `upscale-bot-deploy`. --help prints the settings (with nothing set: no configuration error), any other argument is
 * refused with exit 2 before a setting is read, and a value typed as an argument is never printed back.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI, runCli, tempDir, type CliRun } from '../helpers/cli';
import { call, startService } from '../helpers/service';

/** A built bot script (main.js, deploy.js), run with only PATH and HOME in its environment. */
function runBot(script: string, args: string[], env: Record<string, string> = {}): Promise<Omit<CliRun, 'stdoutBytes'>> {
	return new Promise((res) => {
		execFile(process.execPath, [resolve(CLI, '../../bot', script), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd: tempDir(), timeout: 30_000 }, (err, stdout, stderr) => {
			res({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
		});
	});
}

/** The last line on stderr (JSON log lines may come before it). */
const lastLine = (s: string) => `${s.trim().split('\n').pop()}\n`;

const SECRET = 'sk-live-0123456789abcdef0123456789abcdef';

describe('upscale serve and upscale worker', () => {
	it.each([['--help'], ['-h'], ['help']])('serve %s prints its settings, with no provider configured', async (flag) => {
		const r = await runCli(['serve', flag]);
		expect(r.code).toBe(0);
		expect(r.stderr).toBe('');
		expect(r.stdout).toMatch(/^Usage: upscale serve\n\nThe HTTP job service/);
		for (const name of ['CLIPDROP_API_KEY, XIMILAR_API_TOKEN', 'UPSCALE_LOCAL_ENGINE', 'PORT, HOST', 'UPSCALE_DATA_DIR', 'UPSCALE_PUBLIC_URL', 'UPSCALE_API_KEYS', 'REDIS_URL']) expect(r.stdout).toContain(`\n  ${name}  `);
		expect(r.stdout).toContain('First a client key: upscale keys create; then: CLIPDROP_API_KEY=… upscale serve');
	});

	it('worker --help names what a worker needs', async () => {
		const r = await runCli(['worker', '--help']);
		expect(r.code).toBe(0);
		expect(r.stdout).toMatch(/^Usage: upscale worker\n/);
		for (const name of ['REDIS_URL', 'UPSCALE_DATA_DIR', 'UPSCALE_CONCURRENCY', 'UPSCALE_WORKER_LOCK']) expect(r.stdout).toContain(`\n  ${name}  `);
	});

	it("blank variables (compose's ${X} of an unset X) count as not set: serve starts on its defaults", async () => {
		const blank = { UPSCALE_WEBHOOK_SECRET: '', UPSCALE_PUBLIC_URL: '', HOST: ' ', CLIPDROP_API_KEY: '', CLIPDROP_BASE_URL: '', XIMILAR_API_TOKEN: '', UPSCALE_DEFAULT_PROVIDER: '', UPSCALE_LOG_LEVEL: '' };
		const s = await startService({ ...blank, UPSCALE_API_KEYS: 'client-key-0123456789abcdef', UPSCALE_LOCAL_ENGINE: 'on' });
		try {
			expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(s.output()).toContain('providers: local)');
		} finally {
			await s.kill();
		}
	});

	it('UPSCALE_PUBLIC_URL with a password (it would be in every link and in /openapi.json) or a query is refused at start', async () => {
		const r = await runCli(['serve'], { UPSCALE_PUBLIC_URL: 'https://ops:pw-0123456789@up.example.com', UPSCALE_API_KEYS: 'client-key-0123456789abcdef', UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_DATA_DIR: tempDir() });
		expect([r.code, r.stderr]).toEqual([2, "upscale serve: The service's configuration has 1 problem:\n  - UPSCALE_PUBLIC_URL must not hold a user name or password (it would travel in every link and log line)\n"]);
		const q = await runCli(['serve'], { UPSCALE_PUBLIC_URL: 'https://up.example.com/?x=1', UPSCALE_API_KEYS: 'client-key-0123456789abcdef', UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_DATA_DIR: tempDir() });
		expect(q.stderr).toContain('  - UPSCALE_PUBLIC_URL must have no ?query or #fragment (the paths are added after it)\n');
	});

	it('a job timeout beyond the 24 hours a job may take, or a retention beyond a year, is refused at start (not at every POST)', async () => {
		const r = await runCli(['serve'], { UPSCALE_JOB_TIMEOUT: '30d', UPSCALE_RETENTION: '999999d', UPSCALE_API_KEYS: 'client-key-0123456789abcdef', UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_DATA_DIR: tempDir() });
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('  - UPSCALE_JOB_TIMEOUT must be a duration like "90s", "30m" or "24h" (at least 1 s, at most 1 d)\n');
		expect(r.stderr).toContain('  - UPSCALE_RETENTION must be a duration like "90s", "30m" or "24h" (at least 1 s, at most 365 d)\n');
	});

	it('where to listen: a port in use, a port in HOST, a number in hex are said in words that name the setting', async () => {
		const blocker = http.createServer();
		await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
		const port = (blocker.address() as AddressInfo).port;
		try {
			const base = { UPSCALE_API_KEYS: 'client-key-0123456789abcdef', UPSCALE_LOCAL_ENGINE: 'on', UPSCALE_DATA_DIR: tempDir() };
			const inUse = await runCli(['serve'], { ...base, PORT: String(port) });
			expect([inUse.code, lastLine(inUse.stderr)]).toEqual([2, `upscale serve: cannot listen on 127.0.0.1:${port}: the port is in use (another server?): choose another PORT.\n`]);
			const hostPort = await runCli(['serve'], { ...base, HOST: '127.0.0.1:9000' });
			expect(hostPort.stderr).toContain('  - HOST must be an IP address or a host name, without a port (the port is PORT)\n');
			const hex = await runCli(['serve'], { ...base, PORT: '0x1F90' });
			expect(hex.stderr).toContain('  - PORT must be a whole number from 0 to 65535\n');
			const bracketed = await startService({ ...base, HOST: '[::1]' });
			expect(bracketed.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
			await bracketed.kill();
		} finally {
			blocker.close();
		}
	});

	it('an option is refused before any setting is read, and says how to give it', async () => {
		const r = await runCli(['serve', '--port', '9000']);
		expect(r.code).toBe(2);
		expect(r.stdout).toBe('');
		expect(r.stderr).toBe('upscale serve: takes no options or arguments (got --port): its settings are environment variables, e.g. PORT=9000 upscale serve. See: upscale serve --help\n');
		const w = await runCli(['worker', '--concurrency=4'], { REDIS_URL: 'redis://127.0.0.1:1' });
		expect(w.code).toBe(2);
		expect(w.stderr).toBe('upscale worker: takes no options or arguments: its settings are environment variables, e.g. REDIS_URL=redis://127.0.0.1:6379 upscale worker. See: upscale worker --help\n');
	});

	it('a key typed as an argument is not printed back', async () => {
		for (const args of [['serve', SECRET], ['serve', `--key=${SECRET}`], ['worker', '--token', SECRET]]) {
			const r = await runCli(args);
			expect(r.code).toBe(2);
			expect(r.stderr + r.stdout).not.toContain(SECRET);
		}
	});

	it('upscale keys revoke given the key itself (not its id) says so and does not print it', async () => {
		const dir = tempDir();
		const made = JSON.parse((await runCli(['keys', 'create', '--json'], { UPSCALE_DATA_DIR: dir })).stdout) as { id: string; key: string };
		const r = await runCli(['keys', 'revoke', made.key], { UPSCALE_DATA_DIR: dir });
		expect([r.code, r.stderr]).toEqual([2, 'upscale keys: that is a client key, not its id (it is not printed here): revoke takes the id (key_…) that upscale keys list shows.\n']);
		expect(r.stdout + r.stderr).not.toContain(made.key);
		expect((await runCli(['keys', 'revoke', made.id], { UPSCALE_DATA_DIR: dir })).code).toBe(0);
	});

	it('a mistyped command: did you mean …? (upscale serv, upscale wroker, upscale-bot wrker), exit 2', async () => {
		for (const [typed, meant] of [['serv', 'serve'], ['wroker', 'worker'], ['key', 'keys']]) {
			const r = await runCli([typed]);
			expect([r.code, r.stderr]).toEqual([2, `upscale: No such file: ${typed}. Did you mean the command \`upscale ${meant}\`?\n`]);
		}
		const bot = await runBot('main.js', ['wrker']);
		expect([bot.code, bot.stderr]).toEqual([2, 'upscale-bot: unknown command wrker: did you mean upscale-bot worker?\n']);
	});

	it('upscale keys: list and revoke create nothing where no folder is; a name cannot carry a line break or a terminal escape', async () => {
		const missing = join(tempDir(), 'nosuch');
		const list = await runCli(['keys', 'list', '--data-dir', missing]);
		expect([list.code, list.stdout]).toEqual([0, `No client keys in ${missing} (it does not exist): create one with \`upscale keys create\`.\n`]);
		expect((await runCli(['keys', 'list', '--json', '--data-dir', missing])).stdout).toBe('[]\n');
		expect((await runCli(['keys', 'revoke', 'key_0123', '--data-dir', missing])).code).toBe(1);
		expect(existsSync(missing)).toBe(false);
		expect((await runCli(['keys', 'list', '--data-dir', ''])).stderr).toMatch(/^upscale keys: --data-dir needs a folder\.\n/);
		const dir = tempDir();
		await runCli(['keys', 'create', '--name', 'evil\n\u001b[2Jname', '--data-dir', dir]);
		const listed = await runCli(['keys', 'list', '--json', '--data-dir', dir]);
		expect((JSON.parse(listed.stdout) as Array<{ name: string }>)[0].name).toBe('evil [2Jname');
	});

	it('the image from standard input ("-") is refused in words', async () => {
		const r = await runCli(['-']);
		expect([r.code, r.stderr]).toEqual([2, 'upscale: Reading the image from standard input is not supported: give a file path or an http(s) URL (--output - does write the result to standard output).\n']);
	});

	it('the main help points at each command\'s own help', async () => {
		const r = await runCli(['--help']);
		expect(r.stdout).toContain('Commands (each with --help)\n  upscale serve');
	});
});

describe('upscale-bot, upscale-bot worker, upscale-bot-deploy', () => {
	it('--help prints the settings, with nothing set', async () => {
		const bot = await runBot('main.js', ['--help']);
		expect(bot.code).toBe(0);
		expect(bot.stdout).toMatch(/^Usage: upscale-bot\n {7}upscale-bot worker/);
		for (const name of ['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'CLIPDROP_API_KEY, XIMILAR_API_TOKEN', 'BOT_LOCAL_ENGINE', 'BOT_DATA_DIR', 'REDIS_URL']) expect(bot.stdout).toContain(`\n  ${name}  `);
		const worker = await runBot('main.js', ['worker', '-h']);
		expect(worker.code).toBe(0);
		expect(worker.stdout).toMatch(/^Usage: upscale-bot worker\n/);
		expect(worker.stdout).toContain('\n  BOT_MAX_CONCURRENT_JOBS  ');
		const deploy = await runBot('deploy.js', ['--help']);
		expect(deploy.code).toBe(0);
		expect(deploy.stdout).toMatch(/^Usage: upscale-bot-deploy\n/);
		expect(deploy.stdout).toContain('\n  DISCORD_GUILD_ID  ');
	});

	it('arguments are refused (exit 2) and a token typed as one is not printed back', async () => {
		const r = await runBot('main.js', ['--token', SECRET]);
		expect(r.code).toBe(2);
		expect(r.stderr).toBe('upscale-bot: takes no options or arguments (got --token): its settings are environment variables, e.g. DISCORD_TOKEN=… DISCORD_APPLICATION_ID=… upscale-bot. See: upscale-bot --help\n');
		for (const [script, args] of [['main.js', [SECRET]], ['main.js', ['worker', `--token=${SECRET}`]], ['deploy.js', [SECRET]]] as const) {
			const x = await runBot(script, [...args]);
			expect(x.code).toBe(2);
			expect(x.stderr + x.stdout).not.toContain(SECRET);
		}
	});

	it('a Discord it cannot reach is one sentence on stderr that names the setting, never the token', async () => {
		const token = 'a-bot-token-that-is-long-enough-0123456789';
		const r = await runBot('main.js', [], { BOT_DATA_DIR: tempDir(), DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: '123456789012345678', CLIPDROP_API_KEY: 'cd-key', DISCORD_API_URL: 'http://127.0.0.1:1/api' });
		expect([r.code, r.stderr]).toEqual([1, 'upscale-bot: could not start: Discord could not be reached (ECONNREFUSED): check the network, or DISCORD_API_URL.\n']);
		expect(r.stdout + r.stderr).not.toContain(token);
	});

	it('with nothing set, the bot names each missing setting and where to find it', async () => {
		const r = await runBot('main.js', []);
		expect(r.code).toBe(2);
		expect(r.stderr).toContain('  - DISCORD_TOKEN is required: the bot token (Developer Portal → your app → Bot → Reset Token)\n');
		expect(r.stderr).toContain('  - DISCORD_APPLICATION_ID is required: the application id (Developer Portal → your app → General Information)\n');
	});
});

describe('the data directory', () => {
	const KEY = 'client-key-0123456789abcdef';

	it('upscale serve creates a missing one (0700, parents too) and runs a job in it', async () => {
		const parent = tempDir();
		const dir = join(parent, 'not', 'yet');
		const s = await startService({ UPSCALE_DATA_DIR: dir, UPSCALE_API_KEYS: KEY, UPSCALE_LOCAL_ENGINE: 'on' }, parent);
		try {
			expect(statSync(dir).mode & 0o777).toBe(0o700);
			expect(statSync(join(parent, 'not')).mode & 0o777).toBe(0o700);
			const ready = await call(s.url, undefined, 'GET', '/readyz');
			expect(ready.status).toBe(200);
		} finally {
			await s.kill();
		}
	});

	it('a file in its place is one sentence naming the setting, from every command that uses it', async () => {
		const file = join(tempDir(), 'data');
		writeFileSync(file, 'not a directory');
		const why = 'cannot be used: a file is in the way (not a directory).\n';
		const serve = await runCli(['serve'], { UPSCALE_DATA_DIR: file, UPSCALE_API_KEYS: KEY, UPSCALE_LOCAL_ENGINE: 'on' });
		expect([serve.code, serve.stderr]).toEqual([2, `upscale serve: The data directory ${file} (UPSCALE_DATA_DIR) ${why}`]);
		const fleet = await runCli(['serve'], { UPSCALE_DATA_DIR: join(file, 'sub'), UPSCALE_API_KEYS: KEY, UPSCALE_LOCAL_ENGINE: 'on', REDIS_URL: 'redis://127.0.0.1:1' });
		expect([fleet.code, fleet.stderr]).toEqual([2, `upscale serve: The data directory ${join(file, 'sub')} (UPSCALE_DATA_DIR) ${why}`]);
		const worker = await runCli(['worker'], { UPSCALE_DATA_DIR: file, UPSCALE_LOCAL_ENGINE: 'on', REDIS_URL: 'redis://127.0.0.1:1' });
		expect([worker.code, worker.stderr]).toEqual([2, `upscale worker: The data directory ${file} (UPSCALE_DATA_DIR) ${why}`]);
		const keys = await runCli(['keys', 'create', '--data-dir', file]);
		expect([keys.code, keys.stderr]).toEqual([2, `upscale keys: The data directory ${file} (--data-dir) ${why}`]);
		const bot = await runBot('main.js', [], { BOT_DATA_DIR: file, DISCORD_TOKEN: 'a-bot-token-that-is-long-enough-0123456789', DISCORD_APPLICATION_ID: '123456789012345678', CLIPDROP_API_KEY: 'cd-key' });
		expect(bot.code).toBe(1);
		expect(bot.stderr).toBe(`upscale-bot: The data directory ${file} (BOT_DATA_DIR) ${why}`);
		expect(bot.stdout + bot.stderr).not.toContain('a-bot-token-that-is-long-enough');
	});

	it('a place where no folder can be made is refused at once (Node\'s recursive mkdir loops forever under /proc)', async () => {
		const serve = await runCli(['serve'], { UPSCALE_DATA_DIR: '/proc/upscale/data', UPSCALE_API_KEYS: KEY, UPSCALE_LOCAL_ENGINE: 'on' }, { timeoutMs: 20_000 });
		expect([serve.code, serve.stderr]).toEqual([2, 'upscale serve: The data directory /proc/upscale/data (UPSCALE_DATA_DIR) cannot be used: a folder cannot be created there.\n']);
		const keys = await runCli(['keys', 'create'], { UPSCALE_DATA_DIR: '/proc/upscale' }, { timeoutMs: 20_000 });
		expect([keys.code, keys.stderr]).toEqual([2, 'upscale keys: The data directory /proc/upscale (UPSCALE_DATA_DIR) cannot be used: a folder cannot be created there.\n']);
	});
});
