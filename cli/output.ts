/** Where the result goes: the user's path, a directory, or `<name>-upscaled.<ext>` beside the input. */
import { existsSync, statSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { invalidOptions } from '../core';

function isDir(p: string): boolean {
	try {
		return statSync(p).isDirectory();
	} catch {
		return false;
	}
}

function stem(source: string): string {
	let name = source;
	if (/^https?:\/\//i.test(source)) {
		try {
			name = decodeURIComponent(new URL(source).pathname.split('/').pop() || '') || 'image';
		} catch {
			name = 'image';
		}
	} else {
		name = basename(source);
	}
	const ext = extname(name);
	return (ext ? name.slice(0, -ext.length) : name) || 'image';
}

/** Picks the output path; never overwrites unless asked. */
export function outputPath(source: string, extension: string, output: string | undefined, force: boolean): string {
	if (output && !isDir(output)) {
		if (existsSync(output) && !force) throw invalidOptions(`${output} exists; use --force to overwrite it.`);
		return output;
	}
	const dir = output ?? (/^https?:\/\//i.test(source) ? '.' : dirname(source));
	const base = `${stem(source)}-upscaled`;
	let candidate = join(dir, `${base}.${extension}`);
	for (let i = 1; existsSync(candidate) && !force; i++) candidate = join(dir, `${base}-${i}.${extension}`);
	return candidate;
}

/** Writes through a temporary file and a rename, so a cut-off run leaves no half image under the final name. */
export async function writeResult(path: string, bytes: Uint8Array): Promise<void> {
	const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.part`);
	await writeFile(tmp, bytes);
	await rename(tmp, path);
}

/** Checks early (before credits are spent) that the output can be written where asked. */
export function checkOutput(path: string, force: boolean): void {
	if (isDir(path)) return;
	const dir = dirname(path);
	if (!isDir(dir)) throw invalidOptions(`Cannot write ${path}: the folder ${dir} does not exist.`);
	if (existsSync(path) && !force) throw invalidOptions(`${path} exists; use --force to overwrite it.`);
}
