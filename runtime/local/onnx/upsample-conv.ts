/**
 * The upsample+conv rewrite in the ONNX graph: "nearest upsampling by s, then a convolution" becomes a smaller
 * convolution at the input's size with s² times the output channels, then DepthToSpace and a crop (the kernel and
 * its geometry: layers-model.ts, fusedUpsampleConv). The model's last step no longer makes a 48-channel tensor at
 * the output's full size (200 MB for one 256-px tile at ×4), and does a quarter of the multiplications at ×4.
 */
import { fusedUpsampleConv, type FusedUpsample, type LayerJson } from '../layers-model';
import type { GraphBuilder } from './graph-builder';
import type { Plan } from './plan';

/** The convolution `l` and the upsampling `f.up` it reads, as one low-resolution convolution, DepthToSpace and a crop. */
export function upsampleConv(b: GraphBuilder, l: LayerJson, f: FusedUpsample, plan: Plan): void {
	const kernel = plan.weights.get(`${l.name}/kernel`);
	const bias = plan.weights.get(`${l.name}/bias`);
	if (!kernel) throw new Error(`no weights for ${l.name}`);
	const s = f.scale;
	const k = fusedUpsampleConv(kernel.shape, kernel.data, s, l.config.use_bias ? bias?.data : undefined);
	const [T] = k.dims.slice(2);
	const [pb, pe] = k.pad;
	const [cb, ce] = k.crop;
	const lowres = `${l.name}/lowres`;
	const attrs = { kernel_shape: [T, T], pads: [pb, pb, pe, pe], strides: [1, 1], dilations: [1, 1] };
	// An edge: a quantised graph's uint8 step here would be more than one level of the picture.
	b.conv({ name: lowres, input: (f.up.inbound_nodes[0] ?? [])[0][0], kernel: k, bias: k.bias, attrs, activation: 'linear', output: lowres, edge: true });
	b.expose(lowres, l.name);
	// Uncropped: the engine crops its tiles anyway (layers-model.ts, outputMargin).
	if (plan.uncropped && l.name === plan.output) return b.add('DepthToSpace', [lowres], l.name, `${l.name}/d2s`, { blocksize: s, mode: 'CRD' });
	b.add('DepthToSpace', [lowres], `${l.name}/d2s`, `${l.name}/d2s`, { blocksize: s, mode: 'CRD' });
	// The crop: from `cb` to `ce` before the end, on both spatial axes.
	b.int64(`${l.name}/crop/starts`, [cb, cb]);
	b.int64(`${l.name}/crop/ends`, ce > 0 ? [-ce, -ce] : [2 ** 53, 2 ** 53]);
	b.int64(`${l.name}/crop/axes`, [2, 3]);
	b.add('Slice', [`${l.name}/d2s`, `${l.name}/crop/starts`, `${l.name}/crop/ends`, `${l.name}/crop/axes`], l.name, `${l.name}/crop`);
}
