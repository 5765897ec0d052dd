/**
 * The converted graphs on disk, so a run does not convert a model again (about 55 ms each, a tenth of a small
 * local job). A file is keyed by everything its bytes follow from: the model's folder (its model.json, and the name
 * and size of each weight file), the conversion's options, and the converter itself (a hash of its compiled files,
 * so a changed converter never reads a graph an older one made). Each file ends with the SHA-256 of its graph: a
 * truncated or damaged file is converted again and rewritten. A file is written under a private name, then renamed
 * into place, so two processes writing at once leave one whole file. Where the cache cannot be read or written
 * (a read-only place, no home directory), there is none, and no error.
 *
 * Where: UPSCALE_CACHE_DIR (`off`: no cache), else $XDG_CACHE_HOME/upscale, else ~/.cache/upscale.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeDirs, settingPath } from '../../make-dirs';

const DIGEST_BYTES = 32;

/** The cache's folder, or undefined when there is none. */
export function graphCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const set = env.UPSCALE_CACHE_DIR?.trim();
	if (set) return set.toLowerCase() === 'off' ? undefined : settingPath(set);
	const xdg = env.XDG_CACHE_HOME?.trim();
	if (xdg) return join(xdg, 'upscale');
	try {
		const home = homedir();
		return home ? join(home, '.cache', 'upscale') : undefined;
	} catch {
		return undefined;
	}
}

let converterHash: string | undefined;
/** A hash of the converter's own compiled files (this folder), computed once a process. */
function converterVersion(): string {
	if (converterHash) return converterHash;
	const h = createHash('sha256');
	for (const f of readdirSync(__dirname).filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts')).sort()) h.update(f).update(readFileSync(join(__dirname, f)));
	return (converterHash = h.digest('hex'));
}

/** The cache file's name for a model folder and the conversion's options. */
export function graphKey(modelDir: string, options: object): string {
	const h = createHash('sha256').update(converterVersion()).update(JSON.stringify(options)).update(readFileSync(join(modelDir, 'model.json')));
	for (const f of readdirSync(modelDir).sort()) h.update(`${f}:${statSync(join(modelDir, f)).size}`);
	return `graph-${h.digest('hex').slice(0, 32)}.onnx`;
}

function read(path: string): Uint8Array | undefined {
	let file: Buffer;
	try {
		file = readFileSync(path);
	} catch {
		return undefined;
	}
	if (file.length <= DIGEST_BYTES) return undefined;
	const graph = file.subarray(0, file.length - DIGEST_BYTES);
	const digest = createHash('sha256').update(graph).digest();
	return digest.equals(file.subarray(file.length - DIGEST_BYTES)) ? new Uint8Array(graph) : undefined;
}

function write(dir: string, path: string, graph: Uint8Array): void {
	const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
	try {
		makeDirs(dir);
		writeFileSync(tmp, Buffer.concat([graph, createHash('sha256').update(graph).digest()]), { mode: 0o644 });
		renameSync(tmp, path);
	} catch {
		try {
			rmSync(tmp, { force: true });
		} catch {
			// Nothing was written there either (a file in the way of the folder).
		}
	}
}

/** The graph from the cache when a whole one is there, else converted (and kept for the next run, where it can be). */
export function cachedGraph(modelDir: string, options: object, convert: () => Uint8Array, env: NodeJS.ProcessEnv = process.env): Uint8Array {
	const dir = graphCacheDir(env);
	if (!dir) return convert();
	let path: string;
	try {
		path = join(dir, graphKey(modelDir, options));
	} catch {
		return convert();
	}
	const hit = read(path);
	if (hit) return hit;
	const graph = convert();
	write(dir, path, graph);
	return graph;
}
