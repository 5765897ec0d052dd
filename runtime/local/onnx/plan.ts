/**
 * What the converter (convert.ts) knows about a model before it makes a node: its layers and weights, each layer's
 * channels and size (as a multiple of the input's), and which rewrites apply where (upsample-conv.ts,
 * split-concat.ts). Computed once, read by every layer's conversion.
 */
import { enlargement, fusableUpsamples, readModelJson, readWeights, type FusedUpsample, type LayerJson, type Weights } from '../layers-model';
import { inputsOf, linksOf, residualAdds, splitsOver, type Parts, type Residual } from './split-concat';

export interface PlanOptions {
	/** The upsample+conv rewrite (default true). */
	depthToSpace?: boolean;
	/** The split-concatenation rewrite (default true). */
	splitConcat?: boolean;
	/** Leave the crop of the output's upsample+conv to the caller. */
	uncropped?: boolean;
}

export interface Plan {
	layers: LayerJson[];
	weights: Weights;
	/** The model's input and output layers. */
	input: string;
	output: string;
	uncropped: boolean;
	/** Each upsampling fused with the convolution that reads it, by the convolution's name. */
	fused: Map<string, FusedUpsample>;
	/** The upsamplings made by their fused convolution. */
	skipped: Set<string>;
	/** Each tensor's channels, and its size as a multiple of the input's. */
	channels: Map<string, number>;
	scales: Map<string, number>;
	/** The concatenations not made: their parts, by the concatenation's name. */
	splits: Map<string, Parts>;
	/** The residual additions folded into a split convolution, by the convolution's name. */
	residuals: Map<string, Residual>;
	folded: Set<string>;
}

/** The channels of a layer's output, from its inputs' channels. */
export function channelsOf(l: LayerJson, from: number[]): number {
	const c = l.config;
	if (l.class_name === 'InputLayer') return ((c.batch_input_shape as number[] | undefined) ?? [])[3] ?? 3;
	if (l.class_name === 'Conv2D') return c.filters as number;
	if (l.class_name === 'Concatenate') return from.reduce((a, b) => a + b, 0);
	// PixelShuffle trades channels for size; upsampling keeps them.
	return l.class_name === 'UpSampling2D' ? from[0] : from[0] / enlargement(l) ** 2;
}

export function planOf(dir: string, opts: PlanOptions): Plan {
	const { json, graph } = readModelJson(dir);
	const weights = readWeights(dir, json);
	const fused = opts.depthToSpace === false ? new Map<string, FusedUpsample>() : fusableUpsamples(graph);
	const split = opts.splitConcat !== false;
	const links = linksOf(graph);
	const residuals = split ? residualAdds(graph, links, fused) : new Map<string, Residual>();
	const channels = new Map<string, number>();
	const scales = new Map<string, number>();
	const splits = new Map<string, Parts>();
	for (const l of graph.layers) {
		const inputs = inputsOf(l);
		channels.set(l.name, channelsOf(l, inputs.map((n) => channels.get(n) ?? 0)));
		scales.set(l.name, l.class_name === 'InputLayer' ? 1 : Math.max(1, ...inputs.map((n) => scales.get(n) ?? 1)) * enlargement(l));
		if (split && splitsOver(l, links, fused)) splits.set(l.name, inputs.map((n) => [n, channels.get(n) ?? 0]));
	}
	return {
		layers: graph.layers,
		weights,
		input: graph.input_layers[0][0],
		output: graph.output_layers[0][0],
		uncropped: opts.uncropped === true,
		fused,
		skipped: new Set([...fused.values()].map((f) => f.up.name)),
		channels,
		scales,
		splits,
		residuals,
		folded: new Set([...residuals.values()].map((r) => r.add)),
	};
}
