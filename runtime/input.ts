/** Reading the user's input for the CLI and bot: a local file, or a URL (left for the core to fetch when needed). */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { excerpt, imageUrlOf, invalidInput, MAX_INPUT_BYTES, megabytes, UpscaleError, type UpscaleInput } from '../core';

/** A file system error in words, for "Cannot read X: …" and "Cannot write X: …" (the CLI's output uses it too). */
export function fileErrorReason(e: unknown): string {
	const code = (e as { code?: string })?.code;
	switch (code) {
		case 'ENOSPC':
			return 'the disk is full';
		case 'EDQUOT':
			return 'the disk quota is used up';
		case 'EFBIG':
			return 'the file is larger than this system allows (file size limit)';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'EROFS':
			return 'the file system is read-only';
		case 'ENOENT':
			return 'the folder does not exist (any more)';
		case 'ENOTDIR':
			return 'a part of the path is not a folder';
		case 'EISDIR':
			return 'it is a folder';
		case 'EEXIST':
			return 'a file of that name appeared meanwhile';
		case 'EPIPE':
			return 'the program reading the output closed it';
		case 'ELOOP':
			return 'its symbolic links form a loop';
		case 'ENAMETOOLONG':
			return 'the name is too long for this system';
		case 'EIO':
			return 'an input/output error (a damaged disk or a network drive that went away)';
		default:
			return code ?? ((e as Error)?.message || String(e));
	}
}

/** A file system error on the input as the user reads it: an input problem (exit 2), never a raw code. */
function unreadable(source: string, e: unknown): UpscaleError {
	const code = (e as { code?: string })?.code;
	const name = excerpt(source);
	if (code === 'ENOENT') return invalidInput(`No such file: ${name}`);
	if (code === 'ENOTDIR') return invalidInput(`No such file: ${name} (a part of the path is not a folder).`);
	if (code === 'EISDIR') return invalidInput(`${name} is not a file.`);
	return invalidInput(`Cannot read ${name}: ${fileErrorReason(e)}.`);
}

export async function readInput(source: string): Promise<UpscaleInput> {
	if (/^https?:\/\//i.test(source)) return { url: source };
	// A data: URL or a URL of another kind is not a file name the user meant: the URL check says what is wrong.
	if (/^data:/i.test(source) || /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) imageUrlOf({ url: source });
	let size: number;
	try {
		const s = await stat(source);
		if (s.isDirectory()) throw invalidInput(`${excerpt(source)} is not a file.`);
		if (!s.isFile()) throw invalidInput(`${excerpt(source)} is not a regular file (a device, a pipe or a socket): save the image to a file first.`);
		size = s.size;
	} catch (e) {
		if (e instanceof UpscaleError) throw e;
		throw unreadable(source, e);
	}
	// No vendor takes more, and it keeps memory bounded.
	if (size > MAX_INPUT_BYTES) {
		throw invalidInput(`${excerpt(basename(source))} is ${(size / 1048576).toFixed(1)} MB; the vendors accept at most ${megabytes(MAX_INPUT_BYTES)}.`);
	}
	let fh;
	try {
		fh = await open(source, 'r');
	} catch (e) {
		throw unreadable(source, e);
	}
	try {
		const buf = Buffer.allocUnsafe(size);
		let off = 0;
		while (off < size) {
			const { bytesRead } = await fh.read(buf, off, size - off, off);
			if (bytesRead === 0) break;
			off += bytesRead;
		}
		return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, off), fileName: basename(source) };
	} catch (e) {
		throw unreadable(source, e);
	} finally {
		await fh.close();
	}
}
