/** Reading the user's input for the CLI and bot: a local file, or a URL (left for the core to fetch when needed). */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { invalidInput, type UpscaleInput } from '../core';

/** Refuse to read more than this from disk: no vendor takes more, and it keeps memory bounded. */
export const MAX_FILE_BYTES = 30 * 1024 * 1024;

export async function readInput(source: string): Promise<UpscaleInput> {
	if (/^https?:\/\//i.test(source)) return { url: source };
	let size: number;
	try {
		const s = await stat(source);
		if (!s.isFile()) throw invalidInput(`${source} is not a file.`);
		size = s.size;
	} catch (e) {
		if ((e as { code?: string }).code === 'ENOENT') throw invalidInput(`No such file: ${source}`);
		if ((e as { code?: string }).code === 'EACCES') throw invalidInput(`Cannot read ${source}: permission denied.`);
		throw e;
	}
	if (size > MAX_FILE_BYTES) {
		throw invalidInput(`${basename(source)} is ${(size / 1048576).toFixed(1)} MB; the vendors accept at most 30 MB.`);
	}
	const fh = await open(source, 'r');
	try {
		const buf = Buffer.allocUnsafe(size);
		let off = 0;
		while (off < size) {
			const { bytesRead } = await fh.read(buf, off, size - off, off);
			if (bytesRead === 0) break;
			off += bytesRead;
		}
		return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, off), fileName: basename(source) };
	} finally {
		await fh.close();
	}
}
