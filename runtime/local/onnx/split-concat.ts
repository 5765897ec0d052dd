/**
 * The split-concatenation rewrite: a concatenation read only by one linear convolution is not made; the convolution
 * is split over the concatenation's parts (its kernel's input channels) and the parts' results are added, which ONNX
 * Runtime runs as convolutions that sum into their output. The same maths without the 128-channel copy (slim's
 * largest tensor). And "x + a 1×1 convolution of a concatenation of x and more" (slim's residual blocks) is that
 * convolution with the identity added to its kernel on x's channels: the addition is not made either.
 */
import type { FusedUpsample, GraphJson, LayerJson } from '../layers-model';
import type { Attr } from './onnx';
import type { GraphBuilder, Kernel } from './graph-builder';

/** Who reads each layer, and each layer by name. */
export interface Links {
	readers: Map<string, string[]>;
	byName: Map<string, LayerJson>;
}

/** A residual addition folded into the convolution it adds to: the addition's name, and the x it adds. */
export interface Residual {
	add: string;
	x: string;
}

/** A concatenation's parts: each part's tensor and its channels. */
export type Parts = Array<[string, number]>;

export function linksOf(graph: GraphJson): Links {
	const readers = new Map<string, string[]>();
	for (const l of graph.layers) for (const [n] of l.inbound_nodes[0] ?? []) readers.set(n, [...(readers.get(n) ?? []), l.name]);
	return { readers, byName: new Map(graph.layers.map((l) => [l.name, l])) };
}

export const inputsOf = (l: LayerJson): string[] => (l.inbound_nodes[0] ?? []).map(([n]) => n);

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
export function residualAdds(graph: GraphJson, links: Links, fused: Map<string, FusedUpsample>): Map<string, Residual> {
	const { readers, byName } = links;
	const out = new Map<string, Residual>();
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

/**
 * The convolution `name` over the parts of the concatenation it reads: the first part's with the bias, each next
 * one added to the sum so far; the last sum is named after the convolution, or after the residual addition folded
 * into it.
 */
export function convOverParts(b: GraphBuilder, name: string, k: Kernel, bias: Float32Array | undefined, attrs: Record<string, Attr>, parts: Parts, residual?: Residual): void {
	const out = residual?.add ?? name;
	if (residual) b.notMade(name);
	const [o, i, kh, kw] = k.dims;
	const hw = kh * kw;
	let from = 0;
	let sum = '';
	for (const [p, [part, n]] of parts.entries()) {
		const w = new Float32Array(o * n * hw);
		for (let y = 0; y < o; y++) w.set(k.data.subarray((y * i + from) * hw, (y * i + from + n) * hw), y * n * hw);
		from += n;
		if (residual?.x === part) addIdentity(w, o, n);
		const partName = `${name}/part${p}`;
		b.conv({ name: partName, input: part, kernel: { dims: [o, n, kh, kw], data: w }, bias: p === 0 ? bias : undefined, attrs, activation: 'linear', output: partName });
		if (p === 0) sum = partName;
		else {
			const next = p === parts.length - 1 ? out : `${partName}/sum`;
			b.atInputSizeWith(next, o);
			b.add('Add', [partName, sum], next, `${partName}/sum`);
			sum = next;
		}
	}
	if (from !== i) throw new Error(`${name}: the concatenation it reads has ${from} channels, its kernel ${i}`);
}
