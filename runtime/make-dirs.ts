/**
 * `mkdir -p` that always ends: one level at a time from the nearest folder that exists. Node's own recursive mkdir
 * loops forever where mkdir answers ENOENT for a parent that exists (under /proc, some FUSE mounts), so a bad
 * UPSCALE_DATA_DIR or UPSCALE_CACHE_DIR would hang the process at 100 % CPU instead of failing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';

/** Creates `path` and its missing parents (each with `mode`); throws the system's error (ENOENT, EACCES, ENOTDIR…). */
export function makeDirs(path: string, mode = 0o777): void {
	const missing: string[] = [];
	for (let dir = resolve(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir);
	for (const dir of missing) {
		try {
			mkdirSync(dir, { mode });
		} catch (e) {
			// Another process made it meanwhile: fine.
			if ((e as { code?: string }).code !== 'EEXIST' || !existsSync(dir)) throw e;
		}
	}
}

/**
 * A folder setting as a path: a leading `~` is the home folder (a shell expands it in `X=~/data upscale serve`, but
 * not in a compose file, a systemd unit or an .env file, where it made a folder named `~`), then made absolute.
 */
export function settingPath(value: string): string {
	const v = value.trim();
	return resolve(v === '~' || v.startsWith('~/') ? homedir() + v.slice(1) : v);
}
