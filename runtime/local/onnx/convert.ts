/**
 * The ESRGAN TF.js layers models (model.json + weight shards, as the @upscalerjs packages ship them) as ONNX graphs,
 * so ONNX Runtime can run the same weights: our own converter, because the models are small graphs of five layer
 * kinds and the usual converters (tf2onnx, Python) are not available offline. The graph is NCHW (ONNX's layout);
 * pixels go in as 0..255 floats and come out the same way, exactly as the TF.js model takes and gives them.
 *
 * Layers: Conv2D (HWIO kernels become OIHW; "same" padding for odd kernels), Activation (relu, linear), Concatenate
 * (channels), Add, UpSampling2D (nearest: a Resize that repeats pixels). Anything else is refused by name.
 *
 * "Nearest upsampling by s, then a convolution" is rewritten as a convolution at the input's size with s² times the
 * output channels, then DepthToSpace (the same maths: each of the s×s positions inside an enlarged pixel sees its own
 * sum of the kernel's taps). The model's last step no longer makes a 48-channel tensor at the output's full size
 * (200 MB for one 256-px tile at ×4), and does s² fewer multiplications.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { model, node, tensor, valueInfo, type Attr } from './onnx';

interface LayerJson {
	class_name: string;
	name: string;
	config: Record<string, unknown>;
	inbound_nodes: Array<Array<[string, number, number, unknown?]>>;
}

interface ModelJson {
	format?: string;
	modelTopology: { model_config?: { config: GraphJson }; config?: GraphJson };
	weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

interface GraphJson {
	layers: LayerJson[];
	input_layers: Array<[string, number, number]>;
	output_layers: Array<[string, number, number]>;
}

/** The weights of a model folder, by name. */
export function readWeights(dir: string, json: ModelJson): Map<string, { shape: number[]; data: Float32Array }> {
	const out = new Map<string, { shape: number[]; data: Float32Array }>();
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

/** HWIO (TF) to OIHW (ONNX). */
function oihw(shape: number[], data: Float32Array): { dims: number[]; data: Float32Array } {
	const [h, w, i, o] = shape;
	const out = new Float32Array(data.length);
	for (let y = 0; y < h; y++)
		for (let x = 0; x < w; x++)
			for (let c = 0; c < i; c++)
				for (let k = 0; k < o; k++) out[((k * i + c) * h + y) * w + x] = data[((y * w + x) * i + c) * o + k];
	return { dims: [o, i, h, w], data: out };
}

/**
 * The low-resolution kernel of "nearest upsampling by s, then a k×k convolution" (HWIO in, OIHW out): for each
 * position (a, b) inside an enlarged pixel, the taps that land on the same source pixel are summed. Output channel
 * c·s² + a·s + b is colour c at position (a, b): DepthToSpace's CRD order.
 */
function fusedUpsampleConv(shape: number[], data: Float32Array, s: number): { dims: number[]; data: Float32Array; radius: number } {
	const [kh, kw, ci, co] = shape;
	const hy = (kh - 1) / 2;
	const hx = (kw - 1) / 2;
	const R = Math.max(Math.ceil(hy / s), Math.ceil(hx / s), 1);
	const K = 2 * R + 1;
	const outCh = co * s * s;
	const out = new Float32Array(outCh * ci * K * K);
	for (let c = 0; c < co; c++)
		for (let a = 0; a < s; a++)
			for (let b = 0; b < s; b++) {
				const o = c * s * s + a * s + b;
				for (let dy = -hy; dy <= hy; dy++)
					for (let dx = -hx; dx <= hx; dx++) {
						const ry = Math.floor((a + dy) / s) + R;
						const rx = Math.floor((b + dx) / s) + R;
						for (let i = 0; i < ci; i++) out[((o * ci + i) * K + ry) * K + rx] += data[(((dy + hy) * kw + (dx + hx)) * ci + i) * co + c];
					}
			}
	return { dims: [outCh, ci, K, K], data: out, radius: R };
}

/** Converts a TF.js layers model folder (model.json and its shards) to the bytes of an ONNX model. */
export function convertLayersModel(dir: string, opts: { depthToSpace?: boolean } = {}): Uint8Array {
	const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJson;
	if (json.format !== 'layers-model') throw new Error(`${dir}/model.json is not a TF.js layers model`);
	const graph = json.modelTopology.model_config?.config ?? json.modelTopology.config;
	if (!graph) throw new Error(`${dir}/model.json has no model config`);
	const weights = readWeights(dir, json);
	const nodes: Uint8Array[] = [];
	const initializers: Uint8Array[] = [];
	const add = (op: string, inputs: string[], output: string, name: string, attrs?: Record<string, Attr>) => nodes.push(node(op, inputs, [output], name, attrs));

	// Which layers read each output: an upsampling read only by a convolution can be fused with it.
	const readers = new Map<string, LayerJson[]>();
	for (const l of graph.layers) for (const [n] of l.inbound_nodes[0] ?? []) readers.set(n, [...(readers.get(n) ?? []), l]);
	const fusable = (l: LayerJson): LayerJson | undefined => {
		if (opts.depthToSpace === false || l.class_name !== 'UpSampling2D' || l.config.interpolation !== 'nearest') return undefined;
		const [sy, sx] = l.config.size as number[];
		const next = readers.get(l.name);
		const conv = next?.length === 1 ? next[0] : undefined;
		if (sy !== sx || !conv || conv.class_name !== 'Conv2D' || conv.config.padding !== 'same' || conv.config.activation !== 'linear') return undefined;
		if ((conv.config.strides as number[]).some((v) => v !== 1) || (conv.config.dilation_rate as number[]).some((v) => v !== 1)) return undefined;
		return conv;
	};
	const fused = new Map<string, { up: LayerJson; scale: number }>();

	for (const l of graph.layers) {
		const inputs = (l.inbound_nodes[0] ?? []).map(([n]) => n);
		const c = l.config;
		const conv = fusable(l);
		if (conv) {
			fused.set(conv.name, { up: l, scale: (c.size as number[])[0] });
			continue;
		}
		const f = fused.get(l.name);
		if (f) {
			const kernel = weights.get(`${l.name}/kernel`);
			const bias = weights.get(`${l.name}/bias`);
			if (!kernel) throw new Error(`no weights for ${l.name}`);
			const s = f.scale;
			const k = fusedUpsampleConv(kernel.shape, kernel.data, s);
			initializers.push(tensor(`${l.name}/W`, k.dims, k.data));
			const ins = [(f.up.inbound_nodes[0] ?? [])[0][0], `${l.name}/W`];
			if (c.use_bias && bias) {
				const b = new Float32Array(bias.data.length * s * s);
				for (let ch = 0; ch < bias.data.length; ch++) b.fill(bias.data[ch], ch * s * s, (ch + 1) * s * s);
				initializers.push(tensor(`${l.name}/B`, [b.length], b));
				ins.push(`${l.name}/B`);
			}
			const r = k.radius;
			add('Conv', ins, `${l.name}/lowres`, `${l.name}/lowres`, { kernel_shape: [2 * r + 1, 2 * r + 1], pads: [r, r, r, r], strides: [1, 1], dilations: [1, 1] });
			add('DepthToSpace', [`${l.name}/lowres`], l.name, `${l.name}/d2s`, { blocksize: s, mode: 'CRD' });
			continue;
		}
		switch (l.class_name) {
			case 'InputLayer':
				break;
			case 'Conv2D': {
				const kernel = weights.get(`${l.name}/kernel`);
				if (!kernel) throw new Error(`no weights for ${l.name}`);
				const k = oihw(kernel.shape, kernel.data);
				initializers.push(tensor(`${l.name}/W`, k.dims, k.data));
				const ins = [inputs[0], `${l.name}/W`];
				const bias = weights.get(`${l.name}/bias`);
				if (c.use_bias && bias) {
					initializers.push(tensor(`${l.name}/B`, bias.shape, bias.data));
					ins.push(`${l.name}/B`);
				}
				const [kh, kw] = c.kernel_size as number[];
				if (c.padding === 'same' && (kh % 2 === 0 || kw % 2 === 0)) throw new Error(`${l.name}: "same" padding with an even kernel is not converted`);
				const pads = c.padding === 'same' ? [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2] : [0, 0, 0, 0];
				const act = c.activation as string;
				const out = act === 'linear' ? l.name : `${l.name}/pre`;
				add('Conv', ins, out, l.name, { kernel_shape: [kh, kw], pads, strides: c.strides as number[], dilations: c.dilation_rate as number[] });
				if (act === 'relu') add('Relu', [out], l.name, `${l.name}/relu`);
				else if (act !== 'linear') throw new Error(`${l.name}: activation ${act} is not converted`);
				break;
			}
			case 'Activation':
				if (c.activation !== 'relu') throw new Error(`${l.name}: activation ${String(c.activation)} is not converted`);
				add('Relu', inputs, l.name, l.name);
				break;
			case 'Concatenate': {
				const axis = c.axis as number;
				if (axis !== 3 && axis !== -1) throw new Error(`${l.name}: concatenation on axis ${axis} is not converted`);
				add('Concat', inputs, l.name, l.name, { axis: 1 });
				break;
			}
			case 'Add':
				if (inputs.length === 2) add('Add', inputs, l.name, l.name);
				else add('Sum', inputs, l.name, l.name);
				break;
			case 'UpSampling2D': {
				const [sy, sx] = c.size as number[];
				if (c.interpolation !== 'nearest') throw new Error(`${l.name}: ${String(c.interpolation)} upsampling is not converted`);
				initializers.push(tensor(`${l.name}/scales`, [4], Float32Array.from([1, 1, sy, sx])));
				add('Resize', [inputs[0], '', `${l.name}/scales`], l.name, l.name, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
				break;
			}
			default:
				throw new Error(`${l.name}: layer ${l.class_name} is not converted`);
		}
	}
	const input = graph.input_layers[0][0];
	const output = graph.output_layers[0][0];
	return model({
		name: 'esrgan',
		producer: 'n8n-nodes-upscale converter',
		opset: 13,
		nodes,
		initializers,
		inputs: [valueInfo(input, [1, 3, 'height', 'width'])],
		outputs: [valueInfo(output, [1, 3, 'out_height', 'out_width'])],
	});
}
