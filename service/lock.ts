/**
 * One server per data directory: it keeps jobs.db locked while it runs (see store/db.ts) and its runner assumes no
 * other process touches its jobs. serve.lock holds the owner's pid; a lock whose process is gone (a kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as { code?: string }).code === 'EPERM';
	}
}

/** Takes the data directory; returns the release function. Throws when a live server holds it. */
export function lockDataDir(dataDir: string): () => void {
	const file = join(dataDir, 'serve.lock');
	for (let tries = 0; tries < 2; tries++) {
		try {
			const fd = openSync(file, 'wx', 0o600);
			writeSync(fd, String(process.pid));
			closeSync(fd);
			return () => rmSync(file, { force: true });
		} catch (e) {
			if ((e as { code?: string }).code !== 'EEXIST') throw e;
			const pid = Number(readFileSync(file, 'utf8').trim());
			if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
				throw new Error(`Another upscale serve (pid ${pid}) is using the data directory ${dataDir}: stop it, or give this one its own UPSCALE_DATA_DIR.`);
			}
			rmSync(file, { force: true });
		}
	}
	throw new Error(`Cannot take the data directory ${dataDir} (serve.lock).`);
}
