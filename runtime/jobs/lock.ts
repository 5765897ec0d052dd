/**
 * One process per data directory that runs its own jobs (`upscale serve`, the bot without Redis): it keeps its
 * database locked while it runs (see db.ts) and its runner assumes no other process touches its jobs. The lock
 * file holds the owner's pid; a lock whose process is gone (a kill -9) is taken over.
 */
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../make-dirs';

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as { code?: string }).code === 'EPERM';
	}
}

/** Who takes a data directory: its lock file, how it is named, and the setting that gives each its own directory. */
export interface DirOwner {
	file: string;
	who: string;
	setting: string;
}

export const SERVER_DIR: DirOwner = { file: 'serve.lock', who: 'upscale serve', setting: 'UPSCALE_DATA_DIR' };

/** Why a directory cannot be used, in words, by the system's error code. */
const DIR_PROBLEMS: Record<string, string> = {
	EACCES: 'permission denied',
	EPERM: 'permission denied',
	EEXIST: 'a file is in the way (not a directory)',
	ENOENT: 'a folder cannot be created there',
	ENOTDIR: 'a file is in the way (not a directory)',
	EROFS: 'the file system is read-only',
	ENOSPC: 'no space left on the disk',
};

/**
 * Creates the data directory (0700: it holds client keys and people's images) when it is missing, and checks that
 * this process can write there, so a bad `setting` is one sentence at start-up, not a stack trace or a job failing later.
 */
export function ensureDataDir(dataDir: string, setting: string): void {
	try {
		makeDirs(dataDir, 0o700);
		if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
		accessSync(dataDir, constants.W_OK | constants.X_OK);
	} catch (e) {
		const code = (e as { code?: string }).code ?? '';
		throw new Error(`The data directory ${dataDir} (${setting}) cannot be used: ${DIR_PROBLEMS[code] ?? (code || (e as Error).message)}.`);
	}
}

/** Takes the data directory (created when missing); returns the release function. Throws when a live process of the same kind holds it. */
export function lockDataDir(dataDir: string, owner: DirOwner = SERVER_DIR): () => void {
	ensureDataDir(dataDir, owner.setting);
	const file = join(dataDir, owner.file);
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
				throw new Error(`Another ${owner.who} (pid ${pid}) is using the data directory ${dataDir}: stop it, or give this one its own ${owner.setting}.`);
			}
			rmSync(file, { force: true });
		}
	}
	throw new Error(`Cannot take the data directory ${dataDir} (${owner.file}).`);
}
