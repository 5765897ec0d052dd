/**
 * Where the result goes, and writing it without losing it. The destination is checked before anything is spent
 * (the folder exists and takes a new file; an existing target is a regular file, not the input, and --force was
 * given); the result is written through a temporary file and a rename; and when the write fails after all (a full
 * disk, a folder removed meanwhile, a closed pipe), the paid result is saved in the system's temporary folder and
 * the user is told where.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';
import { excerpt, fileNameFromUrl, invalidOptions, upscaledName } from '../core';
import { fileErrorReason } from '../runtime';
import { WriteFailed } from './write-failed';

export { WriteFailed };

const isUrl = (s: string) => /^https?:\/\//i.test(s);

function statOf(p: string, follow = true): Stats | undefined {
	try {
		return follow ? statSync(p) : lstatSync(p);
	} catch {
		return undefined;
	}
}

/** The name the result gets beside its source (`photo-upscaled.png`, `task-<id>-upscaled.jpg`). */
export function resultName(source: string, extension: string): string {
	return upscaledName(isUrl(source) ? fileNameFromUrl(source) : basename(source), extension);
}

/**
 * Creates and removes an empty file at `path`, as the result would be written: the one test that also catches /proc,
 * read-only mounts, ACLs and a name the file system refuses. `shown`: the destination named in the refusal.
 */
async function probe(path: string, shown: string): Promise<void> {
	try {
		const fh = await open(path, 'wx');
		await fh.close();
		await unlink(path);
	} catch (e) {
		throw invalidOptions(`Cannot write ${excerpt(shown)}: ${fileErrorReason(e)}.`);
	}
}

/** A folder's test: a probe file of its own name in it. */
const probeFolder = (dir: string, shown: string) => probe(join(dir, `.upscale-probe-${process.pid}-${Date.now()}`), shown);

/** A file name cut to at most `maxBytes` (UTF-8) before its extension, so a rescue copy fits any file system. */
export function shortName(name: string, maxBytes = 100): string {
	const dot = name.lastIndexOf('.');
	const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
	let stem = [...name.slice(0, name.length - ext.length)];
	while (stem.length && Buffer.byteLength(stem.join('') + ext) > maxBytes) stem = stem.slice(0, -1);
	return stem.join('') + ext;
}

/** True when st is the input file itself (same device and inode: also through another name or a hard link). */
const isInput = (st: Stats, input?: Stats) => !!input && st.dev === input.dev && st.ino === input.ino;

/** Refuses an existing target that --force must not replace: anything but a regular file, and the input itself. */
function checkReplaceable(path: string, force: boolean, input?: Stats): void {
	const link = statOf(path, false);
	if (!link) return;
	if (link.isSymbolicLink()) throw invalidOptions(`${excerpt(path)} is a symbolic link; give the file it points to, or another name.`);
	if (link.isDirectory()) return;
	if (!link.isFile()) throw invalidOptions(`${excerpt(path)} is not a regular file (a device, a pipe or a socket); it is never replaced. Give a file name.`);
	if (isInput(link, input)) throw invalidOptions(`${excerpt(path)} is the input image; it is never replaced. Give another output name.`);
	if (!force) throw invalidOptions(`${excerpt(path)} exists; use --force to overwrite it.`);
}

export interface OutputPlan {
	/** The file the user named, or the folder the result goes into under its own name. */
	file?: string;
	folder: string;
	source: string;
	force: boolean;
	input?: Stats;
}

/**
 * Checks, before any request, that the result can be written where asked: `output` is a file path, a folder
 * (existing, or named with a trailing slash), or absent (beside the input; the current folder for URLs and tasks).
 */
export async function planOutput(source: string, output: string | undefined, force: boolean): Promise<OutputPlan> {
	const input = isUrl(source) ? undefined : statOf(source);
	if (output !== undefined) {
		// `file.jpg/` does not stat (ENOTDIR): look at what the name without its slash is.
		const st = statOf(output) ?? statOf(output.replace(/[\\/]+$/, ''));
		if (output.endsWith('/') || output.endsWith(sep) || st?.isDirectory()) {
			if (!st) throw invalidOptions(`Cannot write into ${excerpt(output)}: the folder does not exist.`);
			if (!st.isDirectory()) throw invalidOptions(`Cannot write into ${excerpt(output)}: it is not a folder.`);
			await probeFolder(output, output);
			return { folder: output, source, force, input };
		}
		const folder = dirname(output);
		const parent = statOf(folder);
		if (!parent) throw invalidOptions(`Cannot write ${excerpt(output)}: the folder ${excerpt(folder)} does not exist.`);
		if (!parent.isDirectory()) throw invalidOptions(`Cannot write ${excerpt(output)}: ${excerpt(folder)} is not a folder.`);
		checkReplaceable(output, force, input);
		// A new file is tried under its own name: a name too long for the file system fails now, not after paying.
		await (statOf(output, false) ? probeFolder(folder, output) : probe(output, output));
		return { file: output, folder, source, force, input };
	}
	const folder = isUrl(source) || !input ? '.' : dirname(source);
	await probeFolder(folder, `${folder}${sep}${resultName(source, 'jpg')}`);
	return { folder, source, force, input };
}

/** The final path, once the result's format is known; never overwrites unless asked, never the input. */
export function outputPath(plan: OutputPlan, extension: string): string {
	if (plan.file) {
		checkReplaceable(plan.file, plan.force, plan.input);
		return plan.file;
	}
	const name = resultName(plan.source, extension);
	const dot = name.lastIndexOf('.');
	let candidate = join(plan.folder, name);
	for (let i = 1; ; i++) {
		const st = statOf(candidate, false);
		if (!st || (plan.force && st.isFile() && !isInput(st, plan.input))) return candidate;
		candidate = join(plan.folder, `${name.slice(0, dot)}-${i}${name.slice(dot)}`);
	}
}

/** Writes bytes to a new file (fails if it exists). */
async function writeNew(path: string, bytes: Uint8Array): Promise<void> {
	const fh = await open(path, 'wx');
	try {
		await fh.writeFile(bytes);
	} finally {
		await fh.close();
	}
}

/** Saves the result in the temporary folder after a failed write; the path, or the reason that failed too. */
async function rescue(name: string, bytes: Uint8Array): Promise<{ path?: string; reason?: string }> {
	const path = join(tmpdir(), `upscale-rescued-${Date.now()}-${shortName(name)}`);
	try {
		await writeNew(path, bytes);
		return { path };
	} catch (e) {
		await unlink(path).catch(() => undefined);
		return { reason: fileErrorReason(e) };
	}
}

/** What the user can still do when no copy could be kept (the vendor's task id or result URL). */
export interface Recovery {
	taskId?: string;
	provider?: string;
	resultUrl?: string;
	resultExpiresAt?: number;
}


function lostMessage(what: string, reason: string, saved: { path?: string; reason?: string }, r: Recovery): string {
	if (saved.path) return `Could not write ${what}: ${reason}. The result was saved to ${saved.path} instead: move it where you want it.`;
	const ways: string[] = [];
	if (r.taskId) ways.push(`fetch it again with: upscale --task ${r.taskId} --provider ${r.provider}`);
	if (r.resultUrl) ways.push(`download it from ${r.resultUrl}${r.resultExpiresAt ? ` (valid until ${new Date(r.resultExpiresAt).toISOString()})` : ''}`);
	const next = ways.length ? ` To get the result without paying again, ${ways.join(', or ')}.` : '';
	return `Could not write ${what}: ${reason}, nor a copy in ${tmpdir()} (${saved.reason}).${next}`;
}

/**
 * Writes through a hidden temporary file and a rename, so a cut-off run leaves no half image under the final name.
 * On failure the temporary file is removed and the result is rescued (see above); throws WriteFailed with the story.
 */
export async function writeResult(path: string, bytes: Uint8Array, recovery: Recovery = {}): Promise<void> {
	const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.part`);
	try {
		await writeNew(tmp, bytes);
		await rename(tmp, path);
	} catch (e) {
		await unlink(tmp).catch(() => undefined);
		throw new WriteFailed(lostMessage(path, fileErrorReason(e), await rescue(basename(path), bytes), recovery));
	}
}

/** Writes the image to standard output; on a full device or a closed pipe, rescues it as writeResult does. */
export async function writeStdout(bytes: Uint8Array, name: string, recovery: Recovery = {}): Promise<void> {
	const failed = await new Promise<unknown>((resolve) => {
		const onError = (e: unknown) => resolve(e);
		process.stdout.once('error', onError);
		process.stdout.write(bytes, (e) => {
			process.stdout.removeListener('error', onError);
			resolve(e ?? undefined);
		});
	});
	// Later errors of the same stream (a second report of the same failure) must not crash the process.
	process.stdout.on('error', () => undefined);
	if (failed) throw new WriteFailed(lostMessage('the image to standard output', fileErrorReason(failed), await rescue(name, bytes), recovery));
}
