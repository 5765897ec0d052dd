/**
 * What the ONNX converter needs to know about a layer graph to rewrite it (convert.ts): each layer's channels, which
 * concatenations are not made (the one convolution that reads one is split over its parts, and their results summed:
 * ONNX Runtime runs those as convolutions that add into their output, with no 128-channel copy), and which residual
 * additions fold into such a convolution's kernel.
 */
import { enlargement, type FusedUpsample, type GraphJson, type LayerJson } from '../layers-model';

/** Who reads each layer, and each layer by name. */
export interface Links {
	readers: Map<string, string[]>;
	byName: Map<string, LayerJson>;
}

export function linksOf(graph: GraphJson): Links {
	const readers = new Map<string, string[]>();
	for (const l of graph.layers) for (const [n] of l.inbound_nodes[0] ?? []) readers.set(n, [...(readers.get(n) ?? []), l.name]);
	return { readers, byName: new Map(graph.layers.map((l) => [l.name, l])) };
}

const inputsOf = (l: LayerJson) => (l.inbound_nodes[0] ?? []).map(([n]) => n);

/** The channels of a layer's output, from its inputs' channels. */
export function channelsOf(l: LayerJson, from: number[]): number {
	const c = l.config;
	if (l.class_name === 'InputLayer') return ((c.batch_input_shape as number[] | undefined) ?? [])[3] ?? 3;
	if (l.class_name === 'Conv2D') return c.filters as number;
	if (l.class_name === 'Concatenate') return from.reduce((a, b) => a + b, 0);
	// PixelShuffle trades channels for size; upsampling keeps them.
	return l.class_name === 'UpSampling2D' ? from[0] : from[0] / enlargement(l) ** 2;
}

/**
 * Whether a concatenation is not made: it joins channels of two or more tensors, and its one reader is a linear
 * convolution (not one the upsampling rewrite takes), which is split over the parts.
 */
export function splitsOver(l: LayerJson, { readers, byName }: Links, fused: Map<string, FusedUpsample>): boolean {
	if (l.class_name !== 'Concatenate' || inputsOf(l).length < 2 || ![3, -1].includes(l.config.axis as number)) return false;
	const r = readers.get(l.name) ?? [];
	const conv = r.length === 1 ? byName.get(r[0]) : undefined;
	return conv?.class_name === 'Conv2D' && conv.config.activation === 'linear' && !fused.has(conv.name);
}

/**
 * The additions "x + conv(concat(x, …))" where conv is a linear 1×1 convolution with x's channels, read only by that
 * addition: by the convolution's name, the addition's name and x.
 */
export function residualAdds(graph: GraphJson, links: Links, fused: Map<string, FusedUpsample>): Map<string, { add: string; x: string }> {
	const { readers, byName } = links;
	const out = new Map<string, { add: string; x: string }>();
	for (const l of graph.layers) {
		const inputs = inputsOf(l);
		if (l.class_name !== 'Add' || inputs.length !== 2) continue;
		for (const [a, x] of [inputs, [...inputs].reverse()]) {
			const conv = byName.get(a);
			if (conv?.class_name !== 'Conv2D' || conv.config.activation !== 'linear' || (readers.get(a) ?? []).length !== 1) continue;
			if ((conv.config.kernel_size as number[]).some((v) => v !== 1) || (conv.config.strides as number[]).some((v) => v !== 1)) continue;
			const from = inputsOf(conv)[0];
			const concat = byName.get(from);
			// x is a part of a concatenation that the convolution is split over.
			if (!concat || !splitsOver(concat, links, fused) || !inputsOf(concat).includes(x)) continue;
			out.set(a, { add: l.name, x });
			break;
		}
	}
	return out;
}

/** Adds the identity to a 1×1 OIHW kernel of o outputs and as many inputs: conv(x) + x. */
export function addIdentity(w: Float32Array, o: number, i: number): void {
	if (i !== o) throw new Error(`a residual of ${o} channels over ${i}`);
	for (let y = 0; y < o; y++) w[y * i + y] += 1;
}
