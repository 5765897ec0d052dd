/** Runs a Node script in its own process and reads its peak and final resident memory (rss-preload.js). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mem {
	hwm: number;
	rss: number;
}

export function rssOf(cmd: string[], env: NodeJS.ProcessEnv): Promise<{ mem: Mem; code: number | null; out: string }> {
	const file = join(mkdtempSync(join(tmpdir(), 'rss-')), 'rss');
	return new Promise((res) => {
		execFile(process.execPath, ['-r', join(__dirname, 'rss-preload.js'), ...cmd], { env: { ...env, BENCH_RSS_FILE: file }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
			res({ mem: JSON.parse(readFileSync(file, 'utf8')) as Mem, code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
		});
	});
}
