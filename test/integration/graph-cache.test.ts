/**
 * The converted graphs' disk cache (runtime/local/onnx/graph-cache.ts) with the product's real model folder and
 * converter: a second run reads the file instead of converting; a damaged, truncated or foreign file is converted
 * again and rewritten, never trusted; another converter or other options never read an old graph; a place that
 * cannot be written degrades to no cache without an error; two processes writing at once leave one whole file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertLayersModel } from '../../runtime/local/onnx/convert';
import { cachedGraph, graphCacheDir, graphKey } from '../../runtime/local/onnx/graph-cache';
import { modelDir, MODELS } from '../../runtime/local/models';

jest.setTimeout(60_000);

const dir = modelDir('slim', 4);
const options = { range: MODELS.slim.range, depthToSpace: true, splitConcat: true, uncropped: true };
const tempDir = () => mkdtempSync(join(tmpdir(), 'graph-cache-'));
const at = (cache: string) => ({ UPSCALE_CACHE_DIR: cache });

/** The converter, counted. */
function counting() {
	const calls = { n: 0 };
	return { calls, convert: () => (calls.n++, convertLayersModel(dir, options)) };
}

test('the first run converts and keeps the graph; the next reads it, byte for byte the same', () => {
	const cache = tempDir();
	const c = counting();
	const first = cachedGraph(dir, options, c.convert, at(cache));
	expect(c.calls.n).toBe(1);
	expect(readdirSync(cache)).toEqual([graphKey(dir, options)]);
	const second = cachedGraph(dir, options, c.convert, at(cache));
	expect(c.calls.n).toBe(1);
	expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
	expect(Buffer.from(second).equals(Buffer.from(convertLayersModel(dir, options)))).toBe(true);
});

test('a truncated, damaged or empty file is converted again and rewritten', () => {
	const cache = tempDir();
	const c = counting();
	const good = cachedGraph(dir, options, c.convert, at(cache));
	const path = join(cache, graphKey(dir, options));
	const whole = readFileSync(path);
	const damaged = Buffer.from(whole);
	damaged[1000] ^= 0xff;
	for (const bad of [whole.subarray(0, whole.length - 1), whole.subarray(0, 1000), damaged, Buffer.alloc(0), Buffer.from('not a graph')]) {
		writeFileSync(path, bad);
		const again = cachedGraph(dir, options, c.convert, at(cache));
		expect(Buffer.from(again).equals(Buffer.from(good))).toBe(true);
		expect(readFileSync(path).equals(whole)).toBe(true);
	}
	expect(c.calls.n).toBe(6);
});

test('other options, another model or a changed converter are other files (an old graph is never read for them)', () => {
	const plain = { ...options, depthToSpace: false, splitConcat: false, uncropped: false };
	expect(graphKey(dir, plain)).not.toBe(graphKey(dir, options));
	expect(graphKey(modelDir('slim', 2), options)).not.toBe(graphKey(dir, options));
	// The converter's version is a hash of its own files: run from a copy with one byte changed, the key changes.
	const copy = tempDir();
	execFileSync('cp', ['-r', resolve(__dirname, '../../runtime'), copy]);
	execFileSync('cp', ['-r', resolve(__dirname, '../../core'), copy]);
	const layers = join(copy, 'runtime/local/onnx/layers.ts');
	writeFileSync(layers, `${readFileSync(layers, 'utf8')}\n// changed\n`);
	const keyOf = (root: string) =>
		execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', `const g = require(${JSON.stringify(join(root, 'runtime/local/onnx/graph-cache.ts'))}); process.stdout.write(g.graphKey(${JSON.stringify(dir)}, ${JSON.stringify(options)}))`], { encoding: 'utf8' });
	expect(keyOf(copy)).not.toBe(graphKey(dir, options));
});

test('a place that cannot be written (read-only, a file in the way) gives no cache and no error', () => {
	const c = counting();
	const readOnly = tempDir();
	chmodSync(readOnly, 0o500);
	const blocked = join(tempDir(), 'a-file');
	writeFileSync(blocked, 'x');
	for (const cache of [readOnly, blocked, join(blocked, 'below')]) {
		const graph = cachedGraph(dir, options, c.convert, at(cache));
		expect(graph.length).toBeGreaterThan(100_000);
	}
	if (process.getuid?.() !== 0) expect(readdirSync(readOnly)).toEqual([]); // root writes through the mode
	expect(c.calls.n).toBe(3);
	chmodSync(readOnly, 0o700);
});

test('where it lives: UPSCALE_CACHE_DIR (off: none), else XDG_CACHE_HOME/upscale, else ~/.cache/upscale', () => {
	expect(graphCacheDir({ UPSCALE_CACHE_DIR: '/srv/cache' })).toBe('/srv/cache');
	expect(graphCacheDir({ UPSCALE_CACHE_DIR: 'off' })).toBeUndefined();
	expect(graphCacheDir({ UPSCALE_CACHE_DIR: 'OFF' })).toBeUndefined();
	expect(graphCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/upscale');
	expect(graphCacheDir({})).toMatch(/\/\.cache\/upscale$/);
	const c = counting();
	cachedGraph(dir, options, c.convert, { UPSCALE_CACHE_DIR: 'off' });
	cachedGraph(dir, options, c.convert, { UPSCALE_CACHE_DIR: 'off' });
	expect(c.calls.n).toBe(2);
});

test('eight processes filling an empty cache at once leave one whole file, and every one gets the graph', async () => {
	const cache = tempDir();
	const script = `const g = require(${JSON.stringify(resolve(__dirname, '../../runtime/local/onnx/graph-cache.ts'))}); const c = require(${JSON.stringify(resolve(__dirname, '../../runtime/local/onnx/convert.ts'))});
const d = ${JSON.stringify(dir)}, o = ${JSON.stringify(options)};
const b = g.cachedGraph(d, o, () => c.convertLayersModel(d, o), { UPSCALE_CACHE_DIR: ${JSON.stringify(cache)} });
process.stdout.write(require('node:crypto').createHash('sha256').update(b).digest('hex'));`;
	const run = () =>
		new Promise<string>((res, rej) => {
			const p = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script]);
			let out = '';
			p.stdout.on('data', (d) => (out += d));
			p.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`exit ${code}`))));
		});
	const hashes = await Promise.all(Array.from({ length: 8 }, run));
	expect(new Set(hashes).size).toBe(1);
	expect(readdirSync(cache)).toEqual([graphKey(dir, options)]);
	const c = counting();
	cachedGraph(dir, options, c.convert, at(cache));
	expect(c.calls.n).toBe(0);
	expect(statSync(join(cache, graphKey(dir, options))).size).toBeGreaterThan(100_000);
});
