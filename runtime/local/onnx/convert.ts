/**
 * The ESRGAN TF.js layers models (model.json + weight shards, as the @upscalerjs packages ship them) as ONNX graphs,
 * so ONNX Runtime can run the same weights: our own converter, because the models are small graphs of five layer
 * kinds and the usual converters (tf2onnx, Python) are not available offline. The graph is NCHW (ONNX's layout);
 * pixels go in as 0..255 floats and come out the same way, exactly as the TF.js model takes and gives them. A model
 * that works on 0..1 (thick) gets its input divided by 255 and its output multiplied by 255.
 *
 * The walk: plan the model once (plan.ts), then each layer in order becomes nodes in a graph builder
 * (graph-builder.ts): by its kind (layers.ts), or by a rewrite. Rewrites, each the same maths (the bench's "as
 * shipped" graph has none of them; a test checks they change no pixel, another pins every graph's bytes):
 * - upsample+conv (upsample-conv.ts): nearest upsampling then a convolution, as a smaller convolution at the input's
 *   size, DepthToSpace and a crop;
 * - split-concat (split-concat.ts): a convolution that reads a concatenation, split over its parts, a residual
 *   addition around it folded into its kernel; tensors at the input's size are declared so ONNX Runtime folds the
 *   other additions into the convolutions (graph-builder.ts).
 */
import { GraphBuilder, type GraphEnds } from './graph-builder';
import { convertLayer } from './layers';
import { planOf, type PlanOptions } from './plan';
import { upsampleConv } from './upsample-conv';

export interface ConvertOptions extends PlanOptions {
	/** The model's pixel range: 255 (slim) or 1 (thick). */
	range?: 1 | 255;
}

/** Converts a TF.js layers model folder (model.json and its shards) to the bytes of an ONNX model. */
export function convertLayersModel(dir: string, opts: ConvertOptions = {}): Uint8Array {
	return buildGraph(dir, opts, new GraphBuilder());
}

/** The same conversion into a given builder: the int8 probe's builders make their convolutions and outputs their way. */
export function buildGraph(dir: string, opts: ConvertOptions, b: GraphBuilder): Uint8Array {
	const plan = planOf(dir, opts);
	const range = opts.range ?? 255;
	// 0..255 in and out: the model's input layer is fed from `pixels`, its output layer is scaled to `result`.
	const ends: GraphEnds = range === 255 ? { input: plan.input, inputLayer: plan.input, output: plan.output } : { input: 'pixels', inputLayer: plan.input, output: 'result' };
	if (range !== 255) {
		b.constant('range/in', [], Float32Array.of(range / 255));
		b.constant('range/out', [], Float32Array.of(255 / range));
		b.add('Mul', [ends.input, 'range/in'], plan.input, 'range/in');
	}
	for (const l of plan.layers) {
		b.atInputSize = plan.scales.get(l.name) === 1 && l.name !== plan.output;
		if (l.class_name !== 'InputLayer') b.atInputSizeWith(l.name, plan.channels.get(l.name)!);
		if (plan.skipped.has(l.name)) continue;
		const fused = plan.fused.get(l.name);
		if (fused) upsampleConv(b, l, fused, plan);
		else convertLayer(b, l, plan);
	}
	if (range !== 255) b.add('Mul', [plan.output, 'range/out'], ends.output, 'range/out');
	return b.model(ends);
}
