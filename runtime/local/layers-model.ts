/**
 * Reading the TF.js layers models the @upscalerjs packages ship (model.json, its layer graph, its float32 weight
 * shards), and the one rewrite both backends apply: "nearest upsampling by s, then a convolution" becomes a
 * convolution at the input's size with s² times the output channels, then DepthToSpace. Same maths (each of the s×s
 * output positions a source pixel stands for sees its own sum of the kernel's taps), no 48-channel tensor at the
 * output's full size (200 MB for one 256-px tile at ×4) to make and to read, and, on ONNX Runtime, with the positions
 * shifted by half the kernel, a 2×2 kernel where the upsampled graph has a 3×3 one: at ×4 a quarter of the
 * multiplications of that layer (see fusedUpsampleConv).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LayerJson {
	class_name: string;
	name: string;
	config: Record<string, unknown>;
	inbound_nodes: Array<Array<[string, number, number, unknown?]>>;
}

export interface GraphJson {
	name?: string;
	layers: LayerJson[];
	input_layers: Array<[string, number, number]>;
	output_layers: Array<[string, number, number]>;
}

export interface ModelJson {
	format?: string;
	modelTopology: { model_config?: { class_name?: string; config: GraphJson }; config?: GraphJson } & Record<string, unknown>;
	weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** model.json of a model folder, checked to be a layers model with a graph. */
export function readModelJson(dir: string): { json: ModelJson; graph: GraphJson } {
	const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
	if (json.format !== 'layers-model') throw new Error(`${dir}/model.json is not a TF.js layers model`);
	const graph = json.modelTopology.model_config?.config ?? json.modelTopology.config;
	if (!graph) throw new Error(`${dir}/model.json has no model config`);
	return { json, graph };
}

/** The weights of a model folder, by name. */
export function readWeights(dir: string, json: ModelJson): Weights {
	const out: Weights = new Map();
	for (const group of json.weightsManifest) {
		const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
		let at = 0;
		for (const w of group.weights) {
			if (w.dtype !== 'float32') throw new Error(`weight ${w.name} is ${w.dtype}; only float32 weights are converted`);
			const n = w.shape.reduce((a, b) => a * b, 1);
			const data = new Float32Array(n);
			for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(at + i * 4);
			at += n * 4;
			out.set(w.name, { shape: w.shape, data });
		}
	}
	return out;
}

export interface FusedUpsample {
	up: LayerJson;
	conv: LayerJson;
	scale: number;
}

/** Each upsampling layer that the rewrite applies to (nearest, square, read only by a plain "same" convolution), by the name of that convolution. */
export function fusableUpsamples(graph: GraphJson): Map<string, FusedUpsample> {
	const readers = new Map<string, LayerJson[]>();
	for (const l of graph.layers) for (const [n] of l.inbound_nodes[0] ?? []) readers.set(n, [...(readers.get(n) ?? []), l]);
	const out = new Map<string, FusedUpsample>();
	for (const up of graph.layers) {
		if (up.class_name !== 'UpSampling2D' || up.config.interpolation !== 'nearest') continue;
		const [sy, sx] = up.config.size as number[];
		const next = readers.get(up.name);
		const conv = next?.length === 1 ? next[0] : undefined;
		if (sy !== sx || !conv || conv.class_name !== 'Conv2D' || conv.config.padding !== 'same' || conv.config.activation !== 'linear') continue;
		if ((conv.config.strides as number[]).some((v) => v !== 1) || (conv.config.dilation_rate as number[]).some((v) => v !== 1)) continue;
		out.set(conv.name, { up, conv, scale: sy });
	}
	return out;
}

/**
 * The low-resolution convolution of "nearest upsampling by s, then a k×k convolution" (k odd, HWIO in, OIHW out).
 * Taps that land on the same source pixel are summed. Output channel c·s² + a·s + b is colour c at position (a, b):
 * DepthToSpace's CRD order. The bias is repeated to match.
 *
 * `shifted` (the default): each input pixel i of the convolution stands for the s output positions s·i + h …
 * s·i + h + s − 1 (h = (k − 1) / 2, per axis), not the s positions of its own enlarged pixel: shifted by h, the s
 * windows of k taps land on T = ⌊(s + k − 2) / s⌋ + 1 source pixels (2 for a 3×3 kernel at any scale), so the kernel
 * is T×T: at ×4 a quarter of the multiplications of the unshifted kernel (4 of 9 at ×2). Unshifted: each pixel's own
 * s positions, a (2R + 1)² kernel with "same" padding (3×3 for a 3×3 kernel), no crop.
 *
 * To run it: pad the input by `pad` = [before, after] on each axis (zeros, as the convolution's "same" padding
 * reads beyond the enlarged image), convolve without padding, DepthToSpace by s, then crop `crop` = [before, after]
 * output pixels on each axis.
 */
export function fusedUpsampleConv(
	shape: number[],
	data: Float32Array,
	s: number,
	bias?: Float32Array,
	shifted = true,
): { dims: number[]; data: Float32Array; bias?: Float32Array; pad: [number, number]; crop: [number, number] } {
	const [kh, kw, ci, co] = shape;
	if (kh !== kw || kh % 2 === 0) throw new Error(`the upsample+conv rewrite needs a square, odd kernel (got ${kh}×${kw})`);
	const h = (kh - 1) / 2;
	const { T, pad, crop } = fusedGeometry(s, kh, shifted);
	// Position a of pixel i is output s·i + shift + a; its tap dy lands on source pixel i + ⌊(shift + a + dy) / s⌋,
	// kernel row ⌊(shift + a + dy) / s⌋ + first.
	const shift = shifted ? h : 0;
	const first = shifted ? 0 : pad[0];
	const outCh = co * s * s;
	const out = new Float32Array(outCh * ci * T * T);
	for (let c = 0; c < co; c++)
		for (let a = 0; a < s; a++)
			for (let b = 0; b < s; b++) {
				const o = c * s * s + a * s + b;
				for (let dy = -h; dy <= h; dy++)
					for (let dx = -h; dx <= h; dx++) {
						const ty = Math.floor((shift + a + dy) / s) + first;
						const tx = Math.floor((shift + b + dx) / s) + first;
						for (let i = 0; i < ci; i++) out[((o * ci + i) * T + ty) * T + tx] += data[(((dy + h) * kw + (dx + h)) * ci + i) * co + c];
					}
			}
	let b: Float32Array | undefined;
	if (bias) {
		b = new Float32Array(bias.length * s * s);
		for (let ch = 0; ch < bias.length; ch++) b.fill(bias[ch], ch * s * s, (ch + 1) * s * s);
	}
	return { dims: [outCh, ci, T, T], data: out, bias: b, pad, crop };
}

/** The rewrite's kernel side, padding and crop (each [before, after], per axis) for a k×k kernel after upsampling by s. */
export function fusedGeometry(s: number, k: number, shifted = true): { T: number; pad: [number, number]; crop: [number, number] } {
	const h = (k - 1) / 2;
	if (!shifted) {
		const R = Math.max(Math.ceil(h / s), 1);
		return { T: 2 * R + 1, pad: [R, R], crop: [0, 0] };
	}
	const T = Math.floor((s + k - 2) / s) + 1;
	// The first block starts at output position s·(−before) + h ≤ 0.
	const before = Math.ceil(h / s);
	return { T, pad: [before, T - 1], crop: [s * before - h, h] };
}

/**
 * When the model's last layer is a rewritten upsample+conv, the output pixels before the picture on each axis that
 * its crop would remove (0 otherwise). A graph converted `uncropped` leaves them, and those after it, in the output:
 * the engine's tiles are cropped anyway, so the crop costs nothing there instead of a copy of the whole result.
 */
export function outputMargin(graph: GraphJson): number {
	const out = graph.output_layers[0]?.[0];
	const f = out === undefined ? undefined : fusableUpsamples(graph).get(out);
	return f ? fusedGeometry(f.scale, (f.conv.config.kernel_size as number[])[0]).crop[0] : 0;
}

/** How much a layer enlarges its input: UpSampling2D by its size, thick's PixelShuffle{s}x by s, any other by 1. */
export function enlargement(l: LayerJson): number {
	if (l.class_name === 'UpSampling2D') return (l.config.size as number[])[0];
	const shuffle = /^PixelShuffle(\d)x$/.exec(l.class_name);
	return shuffle ? Number(shuffle[1]) : 1;
}

/**
 * How far the model looks around a pixel, in input pixels: along its longest path, each convolution's reach at the
 * resolution it runs at (a 3×3 convolution after ×4 upsampling reaches a quarter of an input pixel), rounded up. A
 * tile with this much real context on every inner side gives the same result as the whole image.
 */
export function receptiveRadius(graph: GraphJson): number {
	const reach = new Map<string, number>();
	const scale = new Map<string, number>();
	let last = 0;
	for (const l of graph.layers) {
		const from = (l.inbound_nodes[0] ?? []).map(([n]) => n);
		const s = Math.max(1, ...from.map((n) => scale.get(n) ?? 1));
		let r = Math.max(0, ...from.map((n) => reach.get(n) ?? 0));
		if (l.class_name === 'Conv2D') {
			const [kh, kw] = l.config.kernel_size as number[];
			const [dh, dw] = (l.config.dilation_rate as number[] | undefined) ?? [1, 1];
			r += Math.max(((kh - 1) / 2) * dh, ((kw - 1) / 2) * dw) / s;
		}
		scale.set(l.name, s * enlargement(l));
		reach.set(l.name, r);
		last = r;
	}
	const out = graph.output_layers[0]?.[0];
	return Math.ceil((out ? reach.get(out) : undefined) ?? last);
}
