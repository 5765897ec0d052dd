/** The CLI's destination rules and its progress lines, in process (the e2e suites run the same code as typed). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputPath, planOutput, resultName, WriteFailed, writeResult } from '../../cli/output';
import { describeProgress, progressReporter } from '../../cli/progress';

const dir = () => mkdtempSync(join(tmpdir(), 'cli-output-'));
const refusal = async (p: Promise<unknown>) => ((await p.then(() => undefined, (e: Error) => e)) as Error | undefined)?.message;

describe('where the result goes', () => {
	it('beside the input, with -upscaled and the result’s extension, never over an existing file unless forced', async () => {
		const d = dir();
		const input = join(d, 'photo.png');
		writeFileSync(input, 'x');
		const plan = await planOutput(input, undefined, false);
		expect(outputPath(plan, 'jpg')).toBe(join(d, 'photo-upscaled.jpg'));
		writeFileSync(join(d, 'photo-upscaled.jpg'), 'old');
		expect(outputPath(plan, 'jpg')).toBe(join(d, 'photo-upscaled-1.jpg'));
		expect(outputPath(await planOutput(input, undefined, true), 'jpg')).toBe(join(d, 'photo-upscaled.jpg'));
		expect(readdirSync(d).filter((f) => f.startsWith('.upscale-probe'))).toEqual([]);
	});

	it('a URL or a task is named from its last path segment, in the current folder', () => {
		expect(resultName('https://h.example/a/b/50%25off.jpg?x=1', 'png')).toBe('50%off-upscaled.png');
		expect(resultName('task-abc', 'webp')).toBe('task-abc-upscaled.webp');
	});

	it('a folder, by name or with a trailing slash', async () => {
		const d = dir();
		const plan = await planOutput('https://h.example/p.jpg', `${d}/`, false);
		expect(outputPath(plan, 'jpg')).toBe(join(d, 'p-upscaled.jpg'));
		expect(outputPath(await planOutput('https://h.example/p.jpg', d, false), 'png')).toBe(join(d, 'p-upscaled.png'));
	});

	it.each([
		['a folder that does not exist', (d: string) => `${d}/nope/`, (d: string) => `Cannot write into ${d}/nope/: the folder does not exist.`],
		['a file in a folder that does not exist', (d: string) => `${d}/nope/out.jpg`, (d: string) => `Cannot write ${d}/nope/out.jpg: the folder ${d}/nope does not exist.`],
		['an existing file without --force', (d: string) => `${d}/taken.jpg`, (d: string) => `${d}/taken.jpg exists; use --force to overwrite it.`],
		['a symbolic link', (d: string) => `${d}/link.jpg`, (d: string) => `${d}/link.jpg is a symbolic link; give the file it points to, or another name.`],
		['the input itself', (d: string) => `${d}/in.png`, (d: string) => `${d}/in.png is the input image; it is never replaced. Give another output name.`],
		['a trailing slash on a file', (d: string) => `${d}/taken.jpg/`, (d: string) => `Cannot write into ${d}/taken.jpg/: it is not a folder.`],
	])('refuses %s before anything is spent', async (_what, output, message) => {
		const d = dir();
		writeFileSync(join(d, 'in.png'), 'x');
		writeFileSync(join(d, 'taken.jpg'), 'x');
		symlinkSync(join(d, 'taken.jpg'), join(d, 'link.jpg'));
		expect(await refusal(planOutput(join(d, 'in.png'), output(d), output(d).endsWith('in.png')))).toBe(message(d));
	});
});

describe('writing the result', () => {
	it('through a temporary file and a rename: nothing else is left', async () => {
		const d = dir();
		await writeResult(join(d, 'out.jpg'), new Uint8Array([1, 2, 3]));
		expect(readdirSync(d)).toEqual(['out.jpg']);
		expect([...readFileSync(join(d, 'out.jpg'))]).toEqual([1, 2, 3]);
	});

	it('a failed write keeps the paid result in the temporary folder and says where', async () => {
		const d = dir();
		mkdirSync(join(d, 'gone'));
		rmSync(join(d, 'gone'), { recursive: true });
		const e = await writeResult(join(d, 'gone', 'out.jpg'), new Uint8Array([9]), { taskId: 't1', provider: 'clipdrop' }).catch((x: Error) => x);
		expect(e).toBeInstanceOf(WriteFailed);
		const m = /^Could not write .*out\.jpg: the folder does not exist \(any more\)\. The result was saved to (\S+) instead: move it where you want it\.$/.exec((e as Error).message);
		expect(m).not.toBeNull();
		expect([...readFileSync(m![1])]).toEqual([9]);
		rmSync(m![1]);
	});
});

describe('progress lines', () => {
	const t0 = 1_700_000_000_000;
	it.each([
		[{ stage: 'uploading', provider: 'clipdrop', elapsedMs: 0 }, 'Clipdrop: sending the image…'],
		[{ stage: 'queued', provider: 'clipdrop', taskId: 't', position: 3, etaMs: t0 + 12_000, elapsedMs: 2000 }, 'Clipdrop: queued, position 3, eta ~12 s (task t, 2 s)'],
		[{ stage: 'queued', provider: 'ximilar', taskId: 't', position: 0, elapsedMs: 0 }, 'Ximilar: queued, at the front of the queue (task t, 0 s)'],
		[{ stage: 'processing', provider: 'ximilar', taskId: 't', elapsedMs: 5000 }, 'Ximilar: processing (task t, 5 s)'],
		[{ stage: 'processing', provider: 'local', fraction: 0.456, vendorStatus: 'ai', elapsedMs: 3000 }, 'Local engine: upscaling 45% (AI model, 3 s)'],
		[{ stage: 'processing', provider: 'local', fraction: 0, vendorStatus: 'best', etaMs: t0 + 150_000, elapsedMs: 400 }, 'Local engine: upscaling 0% (best-quality model, 0 s, about 3 min in all)'],
		[{ stage: 'processing', provider: 'local', fraction: 0.5, vendorStatus: 'best', etaMs: t0 + 42_000, elapsedMs: 45_000 }, 'Local engine: upscaling 50% (best-quality model, 45 s, about 42 s left)'],
		[{ stage: 'downloading', provider: 'clipdrop', elapsedMs: 0 }, 'Clipdrop: downloading the result…'],
		[{ stage: 'done', provider: 'local', elapsedMs: 1234 }, 'Local engine: done in 1.2 s'],
	] as const)('%j', (p, line) => {
		expect(describeProgress(p, t0)).toBe(line);
	});

	it('a log gets the estimate once, on the 0% line', () => {
		const best = (fraction: number, left: number) => ({ stage: 'processing', provider: 'local', fraction, vendorStatus: 'best', etaMs: t0 + left, elapsedMs: 0 }) as const;
		expect(describeProgress(best(0, 7_200_000), t0, true)).toBe('Local engine: upscaling 0% (best-quality model, about 2 h in all)');
		expect(describeProgress(best(0.31, 5_000), t0, true)).toBe('Local engine: upscaling 30% (best-quality model)');
	});

	it('one line per change in a log (percentages in tens); one updating line on a terminal; nothing when quiet', () => {
		const out: string[] = [];
		const stream = (isTTY: boolean) => ({ isTTY, write: (s: string) => out.push(s) }) as unknown as NodeJS.WriteStream;
		const log = progressReporter(stream(false), true);
		for (const fraction of [0.1, 0.15, 0.2]) log.report({ stage: 'processing', provider: 'local', fraction, vendorStatus: 'fast', elapsedMs: 0 });
		expect(out).toEqual(['Local engine: upscaling 10% (fast mode)\n', 'Local engine: upscaling 20% (fast mode)\n']);
		out.length = 0;
		const tty = progressReporter(stream(true), true);
		tty.report({ stage: 'uploading', provider: 'clipdrop', elapsedMs: 0 });
		tty.end();
		tty.end();
		expect(out).toEqual(['\r\x1b[2KClipdrop: sending the image…', '\n']);
		out.length = 0;
		progressReporter(stream(false), false).report({ stage: 'uploading', provider: 'clipdrop', elapsedMs: 0 });
		expect(out).toEqual([]);
	});
});
