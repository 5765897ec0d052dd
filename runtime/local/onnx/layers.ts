/**
 * Each TF.js layer kind the ESRGAN models use, as ONNX nodes: Conv2D (HWIO kernels become OIHW; "same" padding for
 * odd kernels), Activation (relu), Concatenate (channels), Add, UpSampling2D (nearest: a Resize that repeats pixels),
 * and ESRGAN-thick's two custom layers as UpscalerJS defines them: MultiplyBeta (× its beta) and PixelShuffle{s}x
 * (TF's depth_to_space: ONNX's DepthToSpace in DCR order). Anything else is refused by name.
 */
import type { LayerJson } from '../layers-model';
import type { GraphBuilder, Kernel } from './graph-builder';
import type { Plan } from './plan';
import { convOverParts, inputsOf } from './split-concat';

type Convert = (b: GraphBuilder, l: LayerJson, inputs: string[], plan: Plan) => void;

/** HWIO (TF) to OIHW (ONNX). */
function oihw(shape: number[], data: Float32Array): Kernel {
	const [h, w, i, o] = shape;
	const out = new Float32Array(data.length);
	for (let y = 0; y < h; y++)
		for (let x = 0; x < w; x++)
			for (let c = 0; c < i; c++)
				for (let k = 0; k < o; k++) out[((k * i + c) * h + y) * w + x] = data[((y * w + x) * i + c) * o + k];
	return { dims: [o, i, h, w], data: out };
}

/** A convolution; over the parts of the concatenation it reads when that one is not made (split-concat.ts). */
const conv2d: Convert = (b, l, inputs, plan) => {
	const c = l.config;
	const kernel = plan.weights.get(`${l.name}/kernel`);
	if (!kernel) throw new Error(`no weights for ${l.name}`);
	const k = oihw(kernel.shape, kernel.data);
	const bias = c.use_bias ? plan.weights.get(`${l.name}/bias`)?.data : undefined;
	const [kh, kw] = c.kernel_size as number[];
	if (c.padding === 'same' && (kh % 2 === 0 || kw % 2 === 0)) throw new Error(`${l.name}: "same" padding with an even kernel is not converted`);
	const pads = c.padding === 'same' ? [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2] : [0, 0, 0, 0];
	const activation = c.activation as string;
	if (activation !== 'relu' && activation !== 'linear') throw new Error(`${l.name}: activation ${activation} is not converted`);
	const attrs = { kernel_shape: [kh, kw], pads, strides: c.strides as number[], dilations: c.dilation_rate as number[] };
	const parts = plan.splits.get(inputs[0]);
	if (parts) return convOverParts(b, l.name, k, bias, attrs, parts, plan.residuals.get(l.name));
	b.conv({ name: l.name, input: inputs[0], kernel: k, bias, attrs, activation, output: l.name, edge: inputs[0] === plan.input });
};

const activation: Convert = (b, l, inputs) => {
	if (l.config.activation !== 'relu') throw new Error(`${l.name}: activation ${String(l.config.activation)} is not converted`);
	b.add('Relu', inputs, l.name, l.name);
};

const concatenate: Convert = (b, l, inputs, plan) => {
	const axis = l.config.axis as number;
	if (axis !== 3 && axis !== -1) throw new Error(`${l.name}: concatenation on axis ${axis} is not converted`);
	if (!plan.splits.has(l.name)) b.add('Concat', inputs, l.name, l.name, { axis: 1 });
};

const add: Convert = (b, l, inputs, plan) => {
	if (plan.folded.has(l.name)) return;
	if (inputs.length === 2) b.add('Add', inputs, l.name, l.name);
	else b.add('Sum', inputs, l.name, l.name);
};

const multiplyBeta: Convert = (b, l, inputs) => {
	const beta = l.config.beta;
	if (typeof beta !== 'number') throw new Error(`${l.name}: MultiplyBeta without a beta`);
	b.constant(`${l.name}/beta`, [], Float32Array.of(beta));
	b.add('Mul', [inputs[0], `${l.name}/beta`], l.name, l.name);
};

const upSampling2d: Convert = (b, l, inputs) => {
	const [sy, sx] = l.config.size as number[];
	if (l.config.interpolation !== 'nearest') throw new Error(`${l.name}: ${String(l.config.interpolation)} upsampling is not converted`);
	b.constant(`${l.name}/scales`, [4], Float32Array.from([1, 1, sy, sx]));
	b.add('Resize', [inputs[0], '', `${l.name}/scales`], l.name, l.name, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
};

const pixelShuffle: Convert = (b, l, inputs) => {
	const shuffle = /^PixelShuffle(\d)x$/.exec(l.class_name);
	if (!shuffle || l.config.scale !== Number(shuffle[1])) throw new Error(`${l.name}: layer ${l.class_name} is not converted`);
	b.add('DepthToSpace', inputs, l.name, l.name, { blocksize: Number(shuffle[1]), mode: 'DCR' });
};

const CONVERTERS: Record<string, Convert> = { InputLayer: () => undefined, Conv2D: conv2d, Activation: activation, Concatenate: concatenate, Add: add, MultiplyBeta: multiplyBeta, UpSampling2D: upSampling2d };

/** One layer's nodes (PixelShuffle{s}x, or a refusal by name, for any kind not listed); its output exposed. */
export function convertLayer(b: GraphBuilder, l: LayerJson, plan: Plan): void {
	(Object.hasOwn(CONVERTERS, l.class_name) ? CONVERTERS[l.class_name] : pixelShuffle)(b, l, inputsOf(l), plan);
	if (l.class_name !== 'InputLayer') b.expose(l.name);
}
