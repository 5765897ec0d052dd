/**
 * An ONNX graph being built, node by node, in the order the converter (convert.ts) walks the layers: its nodes, its
 * initialisers, the tensors it declares at the input's size, and the layer outputs a measuring graph would expose.
 * The one place that knows how a convolution becomes ONNX nodes; `conv` is a method so that a script can build the
 * same graph with its convolutions made another way (the int8 probe's quantised ones).
 */
import { model, node, rawTensor, tensor, valueInfo, DTYPE, type Attr } from './onnx';

/** OIHW weights (ONNX's kernel layout). */
export interface Kernel {
	dims: number[];
	data: Float32Array;
}

/** One convolution, its activation, its output named `output`. */
export interface Conv {
	name: string;
	input: string;
	kernel: Kernel;
	bias?: Float32Array;
	attrs: Record<string, Attr>;
	activation: 'relu' | 'linear';
	output: string;
	/** It reads the pixels or makes the picture: a graph that changes how convolutions are made keeps it as it is. */
	edge?: boolean;
}

/** The graph's input and output tensors, and the model input layer's own name (fed from `input` when they differ). */
export interface GraphEnds {
	input: string;
	inputLayer: string;
	output: string;
}

export class GraphBuilder {
	protected readonly nodes: Uint8Array[] = [];
	protected readonly initializers: Uint8Array[] = [];
	/**
	 * The tensors at the input's size, with their channels: declared in the graph with the input's symbolic height
	 * and width, so ONNX Runtime can prove that an addition's two sides have one shape and fold it into the
	 * convolution that makes one of them (ONNX's shape inference alone loses symbolic sizes at each convolution).
	 */
	protected readonly sized = new Map<string, number>();
	/** Every layer's output tensor (and the rewrites' inner ones), in the order they are made. */
	protected readonly layerOutputs: string[] = [];
	/** Whether the layer being converted makes a tensor at the input's size (set by the converter, layer by layer). */
	atInputSize = true;

	add(op: string, inputs: string[], output: string, name: string, attrs?: Record<string, Attr>): void {
		this.nodes.push(node(op, inputs, [output], name, attrs));
	}

	/** A float32 initialiser. */
	constant(name: string, dims: number[], data: Float32Array): void {
		this.initializers.push(tensor(name, dims, data));
	}

	/** An int64 vector initialiser (Slice's starts, ends and axes). */
	int64(name: string, values: number[]): void {
		this.initializers.push(rawTensor(name, [values.length], DTYPE.INT64, BigInt64Array.from(values, BigInt)));
	}

	/** Declares `name` as a tensor at the input's size with these channels, when the current layer is at that size. */
	atInputSizeWith(name: string, channels: number): void {
		if (this.atInputSize) this.sized.set(name, channels);
	}

	/** Takes back a declaration: the tensor is not made after all (a rewrite folded it away). */
	notMade(name: string): void {
		this.sized.delete(name);
	}

	expose(...names: string[]): void {
		this.layerOutputs.push(...names);
	}

	conv(c: Conv): void {
		this.constant(`${c.name}/W`, c.kernel.dims, c.kernel.data);
		const inputs = [c.input, `${c.name}/W`];
		if (c.bias) {
			this.constant(`${c.name}/B`, [c.bias.length], c.bias);
			inputs.push(`${c.name}/B`);
		}
		const pre = c.activation === 'linear' ? c.output : `${c.name}/pre`;
		for (const t of [pre, c.output]) this.atInputSizeWith(t, c.kernel.dims[0]);
		this.add('Conv', inputs, pre, c.name, c.attrs);
		if (c.activation === 'relu') this.add('Relu', [pre], c.output, `${c.name}/relu`);
	}

	/** The model's bytes. */
	model(ends: GraphEnds): Uint8Array {
		return model({
			name: 'esrgan',
			producer: 'n8n-nodes-upscale converter',
			opset: 13,
			nodes: this.nodes,
			initializers: this.initializers,
			inputs: [valueInfo(ends.input, [1, 3, 'height', 'width'])],
			valueInfo: this.declared(ends),
			outputs: this.outputs(ends),
		});
	}

	/** The tensors declared at the input's size (the graph's own input excepted). */
	protected declared(ends: GraphEnds): Uint8Array[] {
		return [...this.sized].filter(([n]) => n !== ends.input && n !== ends.inputLayer).map(([n, ch]) => valueInfo(n, [1, ch, 'height', 'width']));
	}

	protected outputs(ends: GraphEnds): Uint8Array[] {
		return [valueInfo(ends.output, [1, 3, 'out_height', 'out_width'])];
	}
}
