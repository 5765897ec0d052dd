/**
 * The ESRGAN TF.js layers models (model.json + weight shards, as the @upscalerjs packages ship them) as ONNX graphs,
 * so ONNX Runtime can run the same weights: our own converter, because the models are small graphs of five layer
 * kinds and the usual converters (tf2onnx, Python) are not available offline. The graph is NCHW (ONNX's layout);
 * pixels go in as 0..255 floats and come out the same way, exactly as the TF.js model takes and gives them.
 *
 * Layers: Conv2D (HWIO kernels become OIHW; "same" padding for odd kernels), Activation (relu, linear), Concatenate
 * (channels), Add, UpSampling2D (nearest: a Resize that repeats pixels), and ESRGAN-thick's two custom layers as
 * UpscalerJS defines them: MultiplyBeta (× its beta) and PixelShuffle{s}x (TF's depth_to_space: ONNX's DepthToSpace
 * in DCR order). Anything else is refused by name. A model that works on 0..1 (thick) gets its input divided by 255
 * and its output multiplied by 255, so every graph takes and gives 0..255.
 *
 * Rewrites, each the same maths (the bench's "as shipped" graph has none of them; a test checks they change no pixel):
 * - "Nearest upsampling by s, then a convolution" becomes a smaller convolution at the input's size with s² times the
 *   output channels, then DepthToSpace and a crop (layers-model.ts). The model's last step no longer makes a
 *   48-channel tensor at the output's full size (200 MB for one 256-px tile at ×4), and does a quarter of the
 *   multiplications at ×4.
 * - A convolution that reads a concatenation is split over its parts, whose results are added; a residual addition
 *   around it is folded into its kernel; tensors at the input's size are declared so ONNX Runtime folds the other
 *   additions into the convolutions (rewrites.ts).
 */
import { enlargement, fusableUpsamples, fusedUpsampleConv, readModelJson, readWeights, type FusedUpsample, type LayerJson } from '../layers-model';
import { DTYPE, model, node, rawTensor, tensor, valueInfo, type Attr } from './onnx';
import { addIdentity, channelsOf, linksOf, residualAdds, splitsOver } from './rewrites';

/** The range of each float tensor, by name, measured on calibration images (for the int8 graph). */
export type Ranges = Record<string, [number, number]>;

export interface ConvertOptions {
	depthToSpace?: boolean;
	/**
	 * Leave the last layer's crop to the caller when it is a rewritten upsample+conv (layers-model.ts, outputMargin):
	 * the engine crops its tiles anyway.
	 */
	uncropped?: boolean;
	/** Split a convolution over the concatenation it reads (default true; false: the graph as the bench compares it). */
	splitConcat?: boolean;
	/** The model's pixel range: 255 (slim) or 1 (thick). */
	range?: 1 | 255;
	/** Every layer's output is also a graph output (to measure their ranges). */
	exposeAll?: boolean;
	/**
	 * Quantise the convolutions to int8 (QDQ: ONNX Runtime runs them as QLinearConv), with these ranges; the first
	 * (it reads the pixels) and the output's stay float. Measured by `npm run int8-probe` and not used by the engine:
	 * 2× faster, but the ranges do not carry over from one photo to another (see README).
	 */
	int8?: Ranges;
}

/** uint8 scale and zero point for a float range (0 always exactly representable). */
function uint8Params([lo, hi]: [number, number]): { scale: number; zero: number } {
	const min = Math.min(0, lo);
	const max = Math.max(0, hi);
	const scale = (max - min) / 255 || 1e-8;
	return { scale, zero: Math.max(0, Math.min(255, Math.round(-min / scale))) };
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

/** Converts a TF.js layers model folder (model.json and its shards) to the bytes of an ONNX model. */
export function convertLayersModel(dir: string, opts: ConvertOptions = {}): Uint8Array {
	const { json, graph } = readModelJson(dir);
	const weights = readWeights(dir, json);
	const nodes: Uint8Array[] = [];
	const initializers: Uint8Array[] = [];
	const add = (op: string, inputs: string[], output: string, name: string, attrs?: Record<string, Attr>) => nodes.push(node(op, inputs, [output], name, attrs));
	const exposed: string[] = [];
	/** `x` quantised to uint8 and back, as `out` (its range measured under the name `x`). */
	const qdq = (x: string, out: string, measured = x) => {
		const r = opts.int8![measured];
		if (!r) throw new Error(`no calibration range for ${measured}`);
		const { scale, zero } = uint8Params(r);
		initializers.push(tensor(`${out}/s`, [], Float32Array.of(scale)), rawTensor(`${out}/z`, [], DTYPE.UINT8, Uint8Array.of(zero)));
		add('QuantizeLinear', [x, `${out}/s`, `${out}/z`], `${out}/q`, `${out}/q`);
		add('DequantizeLinear', [`${out}/q`, `${out}/s`, `${out}/z`], out, `${out}/dq`);
		return scale;
	};
	/**
	 * The tensors at the input's size, with their channels: declared in the graph with the input's symbolic height
	 * and width, so ONNX Runtime can prove that an addition's two sides have one shape and fold it into the
	 * convolution that makes one of them (ONNX's shape inference alone loses symbolic sizes at each convolution).
	 */
	const sized = new Map<string, number>();
	let atInputSize = true;
	/**
	 * One convolution (OIHW weights), its activation, its output named `out`. In the int8 graph its input and output
	 * go through uint8 (per-tensor, from the measured ranges) and its weights through int8 (per output channel,
	 * symmetric), its bias through int32 at the input's scale times the weight's: the pattern ONNX Runtime fuses into
	 * QLinearConv.
	 */
	const conv = (name: string, x: string, w: { dims: number[]; data: Float32Array }, b: Float32Array | undefined, attrs: Record<string, Attr>, act: 'relu' | 'linear', out: string, float = false) => {
		if (!opts.int8 || float) {
			initializers.push(tensor(`${name}/W`, w.dims, w.data));
			const ins = [x, `${name}/W`];
			if (b) {
				initializers.push(tensor(`${name}/B`, [b.length], b));
				ins.push(`${name}/B`);
			}
			const pre = act === 'linear' ? out : `${name}/pre`;
			if (atInputSize) for (const t of [pre, out]) sized.set(t, w.dims[0]);
			add('Conv', ins, pre, name, attrs);
			if (act === 'relu') add('Relu', [pre], out, `${name}/relu`);
			return;
		}
		const sx = qdq(x, `${name}/x`, x);
		const [o] = w.dims;
		const per = w.data.length / o;
		const wq = new Int8Array(w.data.length);
		const sw = new Float32Array(o);
		for (let k = 0; k < o; k++) {
			let m = 0;
			for (let i = k * per; i < (k + 1) * per; i++) m = Math.max(m, Math.abs(w.data[i]));
			sw[k] = m / 127 || 1e-8;
			for (let i = k * per; i < (k + 1) * per; i++) wq[i] = Math.round(w.data[i] / sw[k]);
		}
		initializers.push(rawTensor(`${name}/Wq`, w.dims, DTYPE.INT8, wq), tensor(`${name}/Ws`, [o], sw), rawTensor(`${name}/Wz`, [o], DTYPE.INT8, new Int8Array(o)));
		add('DequantizeLinear', [`${name}/Wq`, `${name}/Ws`, `${name}/Wz`], `${name}/W`, `${name}/Wdq`, { axis: 0 });
		const ins = [`${name}/x`, `${name}/W`];
		if (b) {
			const bs = Float32Array.from(sw, (s) => s * sx);
			const bq = Int32Array.from(b, (v, k) => Math.round(v / bs[k]));
			initializers.push(rawTensor(`${name}/Bq`, [o], DTYPE.INT32, bq), tensor(`${name}/Bs`, [o], bs), rawTensor(`${name}/Bz`, [o], DTYPE.INT32, new Int32Array(o)));
			add('DequantizeLinear', [`${name}/Bq`, `${name}/Bs`, `${name}/Bz`], `${name}/B`, `${name}/Bdq`, { axis: 0 });
			ins.push(`${name}/B`);
		}
		add('Conv', ins, `${name}/f`, name, attrs);
		if (act === 'relu') add('Relu', [`${name}/f`], `${name}/r`, `${name}/relu`);
		qdq(act === 'relu' ? `${name}/r` : `${name}/f`, out, out);
	};

	// Each upsampling read only by a plain convolution is fused with it (layers-model.ts).
	const fused = opts.depthToSpace === false ? new Map<string, FusedUpsample>() : fusableUpsamples(graph);
	const skipped = new Set([...fused.values()].map((f) => f.up.name));
	const input = graph.input_layers[0][0];
	const output = graph.output_layers[0][0];
	// 0..255 in and out: the model's input layer is fed from `pixels`, its output layer is scaled to `result`.
	const range = opts.range ?? 255;
	const scaled = range !== 255;
	const source = scaled ? 'pixels' : input;
	const result = scaled ? 'result' : output;
	if (scaled) {
		initializers.push(tensor('range/in', [], Float32Array.of(range / 255)), tensor('range/out', [], Float32Array.of(255 / range)));
		add('Mul', [source, 'range/in'], input, 'range/in');
	}

	// A concatenation read only by one plain convolution is not made: the convolution is split over its parts (its
	// kernel's input channels), and the parts' results added, which ONNX Runtime runs as convolutions that sum into
	// their output. The same maths without the 128-channel copy (slim's largest tensor).
	const rewrite = !opts.int8 && !opts.exposeAll && opts.splitConcat !== false;
	const links = linksOf(graph);
	const splittable = (l: LayerJson) => rewrite && splitsOver(l, links, fused);
	/** The parts of each concatenation not made: their names and channel counts. */
	const parts = new Map<string, Array<[string, number]>>();
	// "x + a 1×1 convolution of a concatenation of x and more" (slim's residual blocks) is that convolution with the
	// identity added to its kernel on x's channels: the addition is not made. By convolution: the addition's name, and x.
	const residuals = rewrite ? residualAdds(graph, links, fused) : new Map<string, { add: string; x: string }>();
	/** Each tensor's channels, and its size as a multiple of the input's. */
	const channels = new Map<string, number>();
	const scaleOf = new Map<string, number>();

	for (const l of graph.layers) {
		const inputs = (l.inbound_nodes[0] ?? []).map(([n]) => n);
		const c = l.config;
		channels.set(l.name, channelsOf(l, inputs.map((n) => channels.get(n) ?? 0)));
		scaleOf.set(l.name, l.class_name === 'InputLayer' ? 1 : Math.max(1, ...inputs.map((n) => scaleOf.get(n) ?? 1)) * enlargement(l));
		atInputSize = scaleOf.get(l.name) === 1 && l.name !== output;
		if (atInputSize && l.class_name !== 'InputLayer') sized.set(l.name, channels.get(l.name)!);
		if (skipped.has(l.name)) continue;
		const f = fused.get(l.name);
		if (f) {
			const kernel = weights.get(`${l.name}/kernel`);
			const bias = weights.get(`${l.name}/bias`);
			if (!kernel) throw new Error(`no weights for ${l.name}`);
			const s = f.scale;
			const k = fusedUpsampleConv(kernel.shape, kernel.data, s, c.use_bias ? bias?.data : undefined);
			const [T] = k.dims.slice(2);
			const [pb, pe] = k.pad;
			const [cb, ce] = k.crop;
			// The output's convolution stays float: its uint8 step would be more than one level of the picture.
			conv(`${l.name}/lowres`, (f.up.inbound_nodes[0] ?? [])[0][0], k, k.bias, { kernel_shape: [T, T], pads: [pb, pb, pe, pe], strides: [1, 1], dilations: [1, 1] }, 'linear', `${l.name}/lowres`, true);
			exposed.push(`${l.name}/lowres`, l.name);
			if (opts.uncropped && l.name === output) {
				add('DepthToSpace', [`${l.name}/lowres`], l.name, `${l.name}/d2s`, { blocksize: s, mode: 'CRD' });
				continue;
			}
			add('DepthToSpace', [`${l.name}/lowres`], `${l.name}/d2s`, `${l.name}/d2s`, { blocksize: s, mode: 'CRD' });
			// The crop: from `cb` to `ce` before the end, on both spatial axes.
			const int64 = (name: string, v: number[]) => initializers.push(rawTensor(name, [v.length], DTYPE.INT64, BigInt64Array.from(v, BigInt)));
			int64(`${l.name}/crop/starts`, [cb, cb]);
			int64(`${l.name}/crop/ends`, ce > 0 ? [-ce, -ce] : [2 ** 53, 2 ** 53]);
			int64(`${l.name}/crop/axes`, [2, 3]);
			add('Slice', [`${l.name}/d2s`, `${l.name}/crop/starts`, `${l.name}/crop/ends`, `${l.name}/crop/axes`], l.name, `${l.name}/crop`);
			continue;
		}
		switch (l.class_name) {
			case 'InputLayer':
				break;
			case 'Conv2D': {
				const kernel = weights.get(`${l.name}/kernel`);
				if (!kernel) throw new Error(`no weights for ${l.name}`);
				const k = oihw(kernel.shape, kernel.data);
				const bias = weights.get(`${l.name}/bias`);
				const [kh, kw] = c.kernel_size as number[];
				if (c.padding === 'same' && (kh % 2 === 0 || kw % 2 === 0)) throw new Error(`${l.name}: "same" padding with an even kernel is not converted`);
				const pads = c.padding === 'same' ? [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2] : [0, 0, 0, 0];
				const act = c.activation as string;
				if (act !== 'relu' && act !== 'linear') throw new Error(`${l.name}: activation ${act} is not converted`);
				const attrs = { kernel_shape: [kh, kw], pads, strides: c.strides as number[], dilations: c.dilation_rate as number[] };
				const split = parts.get(inputs[0]);
				if (!split) {
					conv(l.name, inputs[0], k, c.use_bias ? bias?.data : undefined, attrs, act, l.name, inputs[0] === input);
					break;
				}
				// Over the concatenation's parts: the first with the bias, each next one added to the sum so far.
				const residual = residuals.get(l.name);
				const name = residual?.add ?? l.name;
				if (residual) sized.delete(l.name);
				const [o, i] = k.dims;
				const hw = kh * kw;
				let from = 0;
				let sum = '';
				for (const [p, [part, n]] of split.entries()) {
					const w = new Float32Array(o * n * hw);
					for (let y = 0; y < o; y++) w.set(k.data.subarray((y * i + from) * hw, (y * i + from + n) * hw), y * n * hw);
					from += n;
					if (residual?.x === part) addIdentity(w, o, n);
					const partName = `${l.name}/part${p}`;
					conv(partName, part, { dims: [o, n, kh, kw], data: w }, p === 0 && c.use_bias ? bias?.data : undefined, attrs, 'linear', partName);
					if (p === 0) sum = partName;
					else {
						const out = p === split.length - 1 ? name : `${partName}/sum`;
						if (atInputSize) sized.set(out, o);
						add('Add', [partName, sum], out, `${partName}/sum`);
						sum = out;
					}
				}
				if (from !== i) throw new Error(`${l.name}: the concatenation it reads has ${from} channels, its kernel ${i}`);
				break;
			}
			case 'Activation':
				if (c.activation !== 'relu') throw new Error(`${l.name}: activation ${String(c.activation)} is not converted`);
				add('Relu', inputs, l.name, l.name);
				break;
			case 'Concatenate': {
				const axis = c.axis as number;
				if (axis !== 3 && axis !== -1) throw new Error(`${l.name}: concatenation on axis ${axis} is not converted`);
				if (splittable(l)) parts.set(l.name, inputs.map((n) => [n, channels.get(n) ?? 0]));
				else add('Concat', inputs, l.name, l.name, { axis: 1 });
				break;
			}
			case 'Add':
				if ([...residuals.values()].some((r) => r.add === l.name)) break;
				if (inputs.length === 2) add('Add', inputs, l.name, l.name);
				else add('Sum', inputs, l.name, l.name);
				break;
			case 'MultiplyBeta': {
				const beta = c.beta;
				if (typeof beta !== 'number') throw new Error(`${l.name}: MultiplyBeta without a beta`);
				initializers.push(tensor(`${l.name}/beta`, [], Float32Array.of(beta)));
				add('Mul', [inputs[0], `${l.name}/beta`], l.name, l.name);
				break;
			}
			case 'UpSampling2D': {
				const [sy, sx] = c.size as number[];
				if (c.interpolation !== 'nearest') throw new Error(`${l.name}: ${String(c.interpolation)} upsampling is not converted`);
				initializers.push(tensor(`${l.name}/scales`, [4], Float32Array.from([1, 1, sy, sx])));
				add('Resize', [inputs[0], '', `${l.name}/scales`], l.name, l.name, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
				break;
			}
			default: {
				const shuffle = /^PixelShuffle(\d)x$/.exec(l.class_name);
				if (!shuffle || c.scale !== Number(shuffle[1])) throw new Error(`${l.name}: layer ${l.class_name} is not converted`);
				add('DepthToSpace', inputs, l.name, l.name, { blocksize: Number(shuffle[1]), mode: 'DCR' });
			}
		}
		if (l.class_name !== 'InputLayer') exposed.push(l.name);
	}
	if (scaled) add('Mul', [output, 'range/out'], result, 'range/out');
	return model({
		name: 'esrgan',
		producer: 'n8n-nodes-upscale converter',
		opset: 13,
		nodes,
		initializers,
		inputs: [valueInfo(source, [1, 3, 'height', 'width'])],
		valueInfo: [...sized].filter(([n]) => !opts.exposeAll && n !== source && n !== input).map(([n, ch]) => valueInfo(n, [1, ch, 'height', 'width'])),
		outputs: [valueInfo(result, [1, 3, 'out_height', 'out_width']), ...(opts.exposeAll ? [...new Set(exposed)].filter((n) => n !== result).map((n) => valueInfo(n, [`${n}:n`, `${n}:c`, `${n}:h`, `${n}:w`])) : [])],
	});
}
