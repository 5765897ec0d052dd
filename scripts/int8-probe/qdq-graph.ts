/**
 * The int8 probe's two graphs, built by the product's converter with their own builder (runtime/local/onnx/
 * graph-builder.ts): the measuring graph, every layer's output also a graph output (to measure their ranges on
 * calibration images), and the quantised graph, its convolutions in int8 (QDQ: ONNX Runtime runs them as
 * QLinearConv). Only `npm run int8-probe` makes them: 2× faster, but the ranges do not carry over from one photo to
 * another, so the engine runs FP32.
 */
import { buildGraph } from '../../runtime/local/onnx/convert';
import { GraphBuilder, type Conv, type GraphEnds } from '../../runtime/local/onnx/graph-builder';
import { DTYPE, rawTensor, tensor, valueInfo } from '../../runtime/local/onnx/onnx';

/** The range of each float tensor, by name, measured on calibration images. */
export type Ranges = Record<string, [number, number]>;

/** uint8 scale and zero point for a float range (0 always exactly representable). */
function uint8Params([lo, hi]: [number, number]): { scale: number; zero: number } {
	const min = Math.min(0, lo);
	const max = Math.max(0, hi);
	const scale = (max - min) / 255 || 1e-8;
	return { scale, zero: Math.max(0, Math.min(255, Math.round(-min / scale))) };
}

/** Every layer's output is also a graph output; nothing is declared at the input's size. */
class MeasuringGraph extends GraphBuilder {
	protected override declared(): Uint8Array[] {
		return [];
	}

	protected override outputs(ends: GraphEnds): Uint8Array[] {
		const more = [...new Set(this.layerOutputs)].filter((n) => n !== ends.output);
		return [...super.outputs(ends), ...more.map((n) => valueInfo(n, [`${n}:n`, `${n}:c`, `${n}:h`, `${n}:w`]))];
	}
}

/**
 * Each convolution's input and output through uint8 (per tensor, from the measured ranges), its weights through int8
 * (per output channel, symmetric), its bias through int32 at the input's scale times the weight's: the pattern ONNX
 * Runtime fuses into QLinearConv. The convolutions at the edges (reading the pixels, making the picture) stay float.
 */
class QdqGraph extends GraphBuilder {
	constructor(private readonly ranges: Ranges) {
		super();
	}

	/** `x` quantised to uint8 and back, as `out` (its range measured under the name `measured`); its scale. */
	private qdq(x: string, out: string, measured: string): number {
		const r = this.ranges[measured];
		if (!r) throw new Error(`no calibration range for ${measured}`);
		const { scale, zero } = uint8Params(r);
		this.initializers.push(tensor(`${out}/s`, [], Float32Array.of(scale)), rawTensor(`${out}/z`, [], DTYPE.UINT8, Uint8Array.of(zero)));
		this.add('QuantizeLinear', [x, `${out}/s`, `${out}/z`], `${out}/q`, `${out}/q`);
		this.add('DequantizeLinear', [`${out}/q`, `${out}/s`, `${out}/z`], out, `${out}/dq`);
		return scale;
	}

	/** Per output channel, symmetric: the int8 weights and their scales. */
	private static int8Weights({ dims, data }: Conv['kernel']): { wq: Int8Array; sw: Float32Array } {
		const [o] = dims;
		const per = data.length / o;
		const wq = new Int8Array(data.length);
		const sw = new Float32Array(o);
		for (let k = 0; k < o; k++) {
			let m = 0;
			for (let i = k * per; i < (k + 1) * per; i++) m = Math.max(m, Math.abs(data[i]));
			sw[k] = m / 127 || 1e-8;
			for (let i = k * per; i < (k + 1) * per; i++) wq[i] = Math.round(data[i] / sw[k]);
		}
		return { wq, sw };
	}

	override conv(c: Conv): void {
		if (c.edge) return super.conv(c);
		const { name } = c;
		const sx = this.qdq(c.input, `${name}/x`, c.input);
		const [o] = c.kernel.dims;
		const { wq, sw } = QdqGraph.int8Weights(c.kernel);
		this.initializers.push(rawTensor(`${name}/Wq`, c.kernel.dims, DTYPE.INT8, wq), tensor(`${name}/Ws`, [o], sw), rawTensor(`${name}/Wz`, [o], DTYPE.INT8, new Int8Array(o)));
		this.add('DequantizeLinear', [`${name}/Wq`, `${name}/Ws`, `${name}/Wz`], `${name}/W`, `${name}/Wdq`, { axis: 0 });
		const inputs = [`${name}/x`, `${name}/W`];
		if (c.bias) {
			const bs = Float32Array.from(sw, (s) => s * sx);
			const bq = Int32Array.from(c.bias, (v, k) => Math.round(v / bs[k]));
			this.initializers.push(rawTensor(`${name}/Bq`, [o], DTYPE.INT32, bq), tensor(`${name}/Bs`, [o], bs), rawTensor(`${name}/Bz`, [o], DTYPE.INT32, new Int32Array(o)));
			this.add('DequantizeLinear', [`${name}/Bq`, `${name}/Bs`, `${name}/Bz`], `${name}/B`, `${name}/Bdq`, { axis: 0 });
			inputs.push(`${name}/B`);
		}
		this.add('Conv', inputs, `${name}/f`, name, c.attrs);
		if (c.activation === 'relu') this.add('Relu', [`${name}/f`], `${name}/r`, `${name}/relu`);
		this.qdq(c.activation === 'relu' ? `${name}/r` : `${name}/f`, c.output, c.output);
	}
}

// Both graphs without the split-concatenation rewrite: the ranges are measured and applied on the tensors as shipped.

/** The FP32 graph with every layer's output also an output, named as the ranges are. */
export const measuringGraph = (dir: string): Uint8Array => buildGraph(dir, { splitConcat: false }, new MeasuringGraph());

/** The int8 graph, with these ranges. */
export const int8Graph = (dir: string, ranges: Ranges): Uint8Array => buildGraph(dir, { splitConcat: false }, new QdqGraph(ranges));
