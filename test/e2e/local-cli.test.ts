/**
 * The local engine through the built CLI, as a user types it: the default with no keys, JSON output, the errors,
 * and a 4000x4000 photo upscaled with the AI model in bounded memory (peak RSS read from /proc while it runs).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { CLI, runCli, tempDir } from '../helpers/cli';

const SAMPLE = resolve(__dirname, '../fixtures/sample.jpg');
const CHELSEA = resolve(__dirname, '../fixtures/chelsea.jpg');
const CPUS = Math.min(8, availableParallelism());

/** Runs the CLI and reads its peak resident memory from /proc while it runs. */
async function peakRss(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; peakMb: number; seconds: number }> {
	const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (d) => (stderr += d));
	let peakKb = 0;
	const poll = setInterval(() => {
		try {
			const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
			if (m) peakKb = Math.max(peakKb, Number(m[1]));
		} catch {
			// exited
		}
	}, 100);
	const started = Date.now();
	const code = await new Promise<number | null>((r) => child.on('exit', r));
	clearInterval(poll);
	return { code, stderr, peakMb: peakKb / 1024, seconds: (Date.now() - started) / 1000 };
}

describe('CLI: the local engine', () => {
	it('is the default when no key is set, and upscales the sample with the AI model', async () => {
		const dir = tempDir();
		copyFileSync(SAMPLE, join(dir, 'sample.jpg'));
		const r = await runCli(['sample.jpg'], {}, { cwd: dir });
		expect(r.code).toBe(0);
		expect(r.stdout).toBe('sample-upscaled.jpg\n');
		expect(r.stderr).toMatch(/^Local engine: upscaling 0% \(AI model\)\n(Local engine: upscaling \d+% \(AI model\)\n)*Local engine: done in \d+\.\d s\nwrote 640x480 JPEG \(\d+ KB\); credits used: 0 \(local engine\)\n$/);
		const m = await sharp(readFileSync(join(dir, 'sample-upscaled.jpg'))).metadata();
		expect([m.width, m.height, m.format]).toEqual([640, 480, 'jpeg']);
	});

	it('--best: the ESRGAN-thick model, its time estimated before it starts', async () => {
		const dir = tempDir();
		// 280x240 on one model thread: an estimate over 10 s, so the 0% line says how long it will take.
		await sharp(CHELSEA).resize(280, 240, { fit: 'fill' }).jpeg().toFile(join(dir, 'in.jpg'));
		const r = await runCli([join(dir, 'in.jpg'), '--provider', 'local', '--best', '--scale', '4', '--output', join(dir, 'out.jpg')], { UPSCALE_LOCAL_THREADS: '1' });
		expect(r.code).toBe(0);
		expect(r.stderr).toMatch(/^Local engine: upscaling 0% \(best-quality model, about \d+ s in all\)\n(Local engine: upscaling \d+% \(best-quality model\)\n)*Local engine: done in \d+\.\d s\nwrote 1120x960 JPEG \(\d+ KB\); credits used: 0 \(local engine\)\n$/);
	});

	it('--json: one object with the local provider, 0 credits and the models used', async () => {
		const dir = tempDir();
		const r = await runCli([CHELSEA, '--provider', 'local', '--scale', '3', '--format', 'webp', '--quality', '70', '--json', '--output', join(dir, 'cat.webp')]);
		expect(r.code).toBe(0);
		const j = JSON.parse(r.stdout);
		expect(j).toMatchObject({
			provider: 'local',
			execution: 'sync',
			taskId: null,
			output: join(dir, 'cat.webp'),
			format: 'webp',
			width: 1353,
			height: 900,
			credits: { consumed: 0, remaining: null },
			params: { method: 'ai', models: ['esrgan-slim x3'], format: 'webp', quality: 70, backend: 'onnx' },
		});
		expect(r.stderr).toBe('');
		expect((await sharp(readFileSync(join(dir, 'cat.webp'))).metadata()).format).toBe('webp');
	});

	it('UPSCALE_LOCAL_BACKEND picks the engine (--json says which ran); a wrong value is refused', async () => {
		const dir = tempDir();
		const r = await runCli([SAMPLE, '--provider', 'local', '--json', '--output', join(dir, 'tf.jpg')], { UPSCALE_LOCAL_BACKEND: 'tfjs' });
		expect(r.code).toBe(0);
		expect(JSON.parse(r.stdout).params).toMatchObject({ method: 'ai', backend: 'tfjs' });
		const bad = await runCli([SAMPLE, '--provider', 'local', '--output', join(dir, 'x.jpg')], { UPSCALE_LOCAL_BACKEND: 'gpu' });
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('UPSCALE_LOCAL_BACKEND must be onnx or tfjs (got "gpu").');
	});

	it('--fast: bicubic, and --output - writes the image to stdout', async () => {
		const r = await runCli([SAMPLE, '--fast', '--scale', '4', '--output', '-']);
		expect(r.code).toBe(0);
		const m = await sharp(r.stdoutBytes).metadata();
		expect([m.width, m.height]).toEqual([1280, 960]);
		expect(r.stderr).toMatch(/Local engine: upscaling 100% \(fast mode\)\n/);
		expect(r.stderr).toMatch(/credits used: 0 \(local engine\)\n$/);
	});

	it.each([
		[['--provider', 'local', '--scale', '9'], 'upscale: The AI model upscales at most 8x (asked: 9.00x); fast mode goes up to 16x.\n'],
		[['--provider', 'local', '--async'], 'upscale: The local engine runs on this machine and has no tasks to submit: drop --async.\n'],
		[['--provider', 'local', '--mode', 'ironed_out'], 'upscale: The local engine does not take mode (a Ximilar option): drop it, or use that vendor.\n'],
		[['--fast', '--provider', 'clipdrop'], 'upscale: Fast mode belongs to the local engine; the vendors always run their own models.\n'],
		[['--best', '--provider', 'clipdrop'], 'upscale: Best quality belongs to the local engine; the vendors always run their own models.\n'],
		[['--provider', 'local', '--best', '--scale', '6'], 'upscale: The best-quality model upscales at most 4x (asked: 6.00x); the default model goes up to 8x.\n'],
		[['--provider', 'local', '--best', '--fast'], 'upscale: Choose fast mode or best quality, not both.\n'],
	])('rejects %j before doing anything (exit 2)', async (args, message) => {
		const r = await runCli([SAMPLE, ...args], { CLIPDROP_API_KEY: 'cd-never-used-0123456789', CLIPDROP_BASE_URL: 'http://127.0.0.1:9' });
		expect(r.code).toBe(2);
		expect(r.stderr).toBe(message);
	});

	it('the output name asks for the format when --format is not given: out.webp is WebP, out.png PNG (from a JPEG)', async () => {
		const dir = tempDir();
		for (const [name, format] of [['out.webp', 'webp'], ['out.png', 'png'], ['out.jpeg', 'jpeg']]) {
			const r = await runCli([SAMPLE, '--provider', 'local', '--fast', '--output', join(dir, name)]);
			expect(r.code).toBe(0);
			expect(r.stderr).not.toContain('note:');
			expect((await sharp(join(dir, name)).metadata()).format).toBe(format);
		}
		// --format wins over the name; the note says what the file holds.
		const forced = await runCli([SAMPLE, '--provider', 'local', '--fast', '--format', 'png', '--output', join(dir, 'forced.jpg')]);
		expect((await sharp(join(dir, 'forced.jpg')).metadata()).format).toBe('png');
		expect(forced.stderr).toContain(`note: ${join(dir, 'forced.jpg')} holds a PNG image, not the format its name says (as --format asked).\n`);
	});

	it('--timeout holds for the local engine too: it stops between tiles and says the time ran out (exit 1, no file)', async () => {
		const dir = tempDir();
		const r = await runCli([CHELSEA, '--provider', 'local', '--best', '--scale', '4', '--timeout', '1', '--output', join(dir, 'best.png')]);
		expect([r.code, r.stderr.trim().split('\n').pop()]).toEqual([1, 'upscale: The local engine did not finish within the time limit (1 s): allow more time, or ask for less (a smaller scale or image, or the fast mode).']);
		expect(existsSync(join(dir, 'best.png'))).toBe(false);
	});

	it('a WebP result over 67 MP is refused up front (its encoder holds the whole picture)', async () => {
		const dir = tempDir();
		await sharp(CHELSEA).resize(1000, 1000, { fit: 'fill' }).jpeg().toFile(join(dir, 'in.jpg'));
		const r = await runCli([join(dir, 'in.jpg'), '--provider', 'local', '--fast', '--scale', '9', '--format', 'webp']);
		expect(r.code).toBe(2);
		expect(r.stderr).toBe('upscale: The result would be 9000x9000 (81 MP); the local engine writes WebP up to 67 MP (the WebP encoder holds the whole picture in memory). Use --format jpg or png, or a smaller scale.\n');
	});

	it('--task with the local engine: exit 2', async () => {
		const r = await runCli(['--task', 'abc', '--provider', 'local']);
		expect(r.code).toBe(2);
		expect(r.stderr).toBe('upscale: The local engine has no tasks: --task works with --provider clipdrop or ximilar.\n');
	});

	it.each([
		[{ UPSCALE_LOCAL_THREADS: 'lots' }, `upscale: UPSCALE_LOCAL_THREADS must be a whole number from 1 to ${CPUS}, this machine's CPUs (got "lots").\n`],
		[{ UPSCALE_LOCAL_THREADS: '64' }, `upscale: UPSCALE_LOCAL_THREADS must be a whole number from 1 to ${CPUS}, this machine's CPUs (got "64").\n`],
		[{ UPSCALE_LOCAL_TILE: '8' }, 'upscale: UPSCALE_LOCAL_TILE must be a whole number from 16 to 320 (got "8").\n'],
		[{ UPSCALE_LOCAL_TILE: '2048' }, 'upscale: UPSCALE_LOCAL_TILE must be a whole number from 16 to 320 (got "2048").\n'],
	])('a bad %j is named', async (env, message) => {
		const r = await runCli([SAMPLE], env);
		expect(r.code).toBe(2);
		expect(r.stderr).toBe(message);
	});

	it('Ctrl-C stops it at once: exit 130, the workers stopped, no file written', async () => {
		const dir = tempDir();
		// ×8 (two model passes): long enough, even on ONNX Runtime, that the signal arrives while it works.
		const child = spawn(process.execPath, [CLI, CHELSEA, '--scale', '8', '--output', join(dir, 'cat.jpg')], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
		let stderr = '';
		let sent = false;
		child.stderr.on('data', (d) => {
			stderr += d;
			if (!sent && /upscaling [1-9]\d*%/.test(stderr)) sent = child.kill('SIGINT');
		});
		const code = await new Promise<number | null>((r) => child.on('exit', r));
		expect(code).toBe(130);
		expect(stderr).toMatch(/\nupscale: Cancelled: the local upscale was stopped\.\n$/);
		expect(existsSync(join(dir, 'cat.jpg'))).toBe(false);
	});

	it('upscales a 4000x4000 photo with the AI model without exhausting memory', async () => {
		const dir = tempDir();
		const input = join(dir, 'big.jpg');
		await sharp(CHELSEA).resize(4000, 4000, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(input);
		const output = join(dir, 'big-x2.jpg');
		const r = await peakRss([input, '--scale', '2', '--output', output, '--quiet']);
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const m = await sharp(output).metadata();
		expect([m.width, m.height]).toEqual([8000, 8000]);
		// Bounded: the raw input (48 MB) and output (192 MB), sharp's JPEG encoder and two workers with one 256x256 tile
		// each (~0.15 GB). Untiled, the model's 64-channel layers alone would need 4000x4000x64x4 B = 4 GB each.
		process.stdout.write(`4000x4000 -> 8000x8000 (AI, 2x): ${r.seconds.toFixed(0)} s, peak RSS ${r.peakMb.toFixed(0)} MB\n`);
		expect(r.peakMb).toBeLessThan(2560);
	}, 900_000);

	// The largest jobs each setting accepts stay within the same bound (2.5 GB): the biggest output (2047² x8 =
	// 16376², 268 MP) in fast mode as JPEG and PNG, and the largest tile with every thread at x4.
	it.each([
		['2047x2047 fast x8 → 16376x16376 JPEG', 2047, 2047, ['--fast', '--scale', '8', '--format', 'jpg'], {}, [16376, 16376]],
		['2047x2047 fast x8 → 16376x16376 PNG', 2047, 2047, ['--fast', '--scale', '8', '--format', 'png'], {}, [16376, 16376]],
		['1200x800 AI x4, the largest tile (320) on every thread', 1200, 800, ['--scale', '4'], { UPSCALE_LOCAL_TILE: '320', UPSCALE_LOCAL_THREADS: String(CPUS) }, [4800, 3200]],
	] as const)('%s: peak memory under 2.5 GB', async (name, w, h, args, env, size) => {
		const dir = tempDir();
		const input = join(dir, 'in.jpg');
		await sharp(CHELSEA).resize(w, h, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(input);
		const output = join(dir, `out.${(args as readonly string[]).includes('png') ? 'png' : 'jpg'}`);
		const r = await peakRss([input, ...args, '--output', output, '--quiet'], { ...env });
		expect(r.stderr).toBe('');
		expect(r.code).toBe(0);
		const m = await sharp(output, { limitInputPixels: false }).metadata();
		expect([m.width, m.height]).toEqual(size);
		process.stdout.write(`${name}: ${r.seconds.toFixed(0)} s, peak RSS ${r.peakMb.toFixed(0)} MB\n`);
		expect(r.peakMb).toBeLessThan(2560);
	}, 900_000);
});
