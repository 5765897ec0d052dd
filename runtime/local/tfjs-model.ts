/**
 * The models as TF.js loads them, with the upsample+conv rewrite (layers-model.ts) applied to the layer graph and
 * its weights in memory (×4 peak memory down by the 16×-size tensor it no longer makes), and the custom layers the
 * graphs name: ESRGAN-thick's MultiplyBeta and PixelShuffle{s}x (our own implementation of what UpscalerJS
 * registers: × beta; TF's depth_to_space), and the rewrite's DepthToSpace.
 */
import type * as TF from '@tensorflow/tfjs';
import { fusableUpsamples, fusedUpsampleConv, readModelJson, readWeights, type GraphJson, type LayerJson } from './layers-model';
import type { ModelArtifactsHandler } from './models';

/** The layer the rewrite inserts after each low-resolution convolution. */
const D2S = 'UpscaleDepthToSpace';

let registered = false;

/** Registers the custom layer classes with TF.js's serialization (once per TF.js instance). */
export function registerLayers(tf: typeof TF): void {
	if (registered) return;
	registered = true;
	type Args = TF.serialization.ConfigDict & { name?: string; trainable?: boolean; dtype?: string };
	const base = (c: Args) => ({ name: c.name, trainable: c.trainable, dtype: c.dtype as TF.DataType | undefined });
	const one = (x: TF.Tensor | TF.Tensor[]) => (Array.isArray(x) ? x[0] : x);

	class MultiplyBeta extends tf.layers.Layer {
		static className = 'MultiplyBeta';
		readonly beta: number;
		constructor(c: Args) {
			super(base(c));
			this.beta = typeof c.beta === 'number' ? c.beta : 0.2;
		}
		override call(x: TF.Tensor | TF.Tensor[]) {
			return tf.mul(one(x), this.beta);
		}
		override getConfig() {
			return { ...super.getConfig(), beta: this.beta };
		}
	}
	tf.serialization.registerClass(MultiplyBeta);

	/** depth_to_space by `size` (DCR order, as TF defines it), under the class name a graph gives it. */
	const shuffle = (className: string) =>
		class extends tf.layers.Layer {
			static className = className;
			readonly size: number;
			constructor(c: Args) {
				super(base(c));
				this.size = Number(c.scale);
			}
			override computeOutputShape(s: TF.Shape | TF.Shape[]) {
				const [n, h, w, ch] = (Array.isArray(s[0]) ? s[0] : s) as TF.Shape;
				const k = this.size;
				return [n, h === null ? null : h * k, w === null ? null : w * k, ch === null ? null : ch / (k * k)];
			}
			override call(x: TF.Tensor | TF.Tensor[]) {
				return tf.depthToSpace(one(x) as TF.Tensor4D, this.size, 'NHWC');
			}
			override getConfig() {
				return { ...super.getConfig(), scale: this.size };
			}
		};
	for (const s of [2, 3, 4, 8]) tf.serialization.registerClass(shuffle(`PixelShuffle${s}x`));
	tf.serialization.registerClass(shuffle(D2S));
}

/**
 * The artifacts of the model in `dir` for tf.loadLayersModel: each fused upsample+conv becomes a convolution at
 * input size (its kernel in TF's HWIO layout, output channels in depth_to_space's DCR order) named `<conv>_lowres`,
 * then a DepthToSpace layer under the convolution's own name, so the layers after it read it unchanged.
 */
export function tfjsModel(dir: string, opts: { depthToSpace?: boolean } = {}): ModelArtifactsHandler {
	return {
		async load() {
			const { json, graph } = readModelJson(dir);
			const weights = readWeights(dir, json);
			// Parsed afresh for this load: rewritten in place.
			const topology = json.modelTopology;
			const g: GraphJson = graph;
			const fused = opts.depthToSpace === false ? new Map() : fusableUpsamples(graph);
			const layers: LayerJson[] = [];
			for (const l of g.layers) {
				const f = [...fused.values()].find((v) => v.up.name === l.name);
				if (f) continue;
				const rewrite = fused.get(l.name);
				if (!rewrite) {
					layers.push(l);
					continue;
				}
				const s = rewrite.scale;
				const kernel = weights.get(`${l.name}/kernel`);
				if (!kernel) throw new Error(`no weights for ${l.name}`);
				const bias = weights.get(`${l.name}/bias`);
				// Unshifted (a 3×3 kernel stays 3×3, "same" padding, no crop): the shifted 2×2 kernel saves no time on
				// WebAssembly, and its padded and larger tensors cost the workers' heaps 25 MB each (measured).
				const k = fusedUpsampleConv(kernel.shape, kernel.data, s, l.config.use_bias ? bias?.data : undefined, false);
				const [outCh, ci, K] = k.dims;
				const co = outCh / (s * s);
				// OIHW in CRD order → HWIO in DCR order.
				const hwio = new Float32Array(k.data.length);
				for (let c = 0; c < co; c++)
					for (let p = 0; p < s * s; p++) {
						const crd = c * s * s + p;
						const dcr = p * co + c;
						for (let i = 0; i < ci; i++) for (let y = 0; y < K; y++) for (let x = 0; x < K; x++) hwio[((y * K + x) * ci + i) * outCh + dcr] = k.data[((crd * ci + i) * K + y) * K + x];
					}
				const low = `${l.name}_lowres`;
				weights.delete(`${l.name}/kernel`);
				weights.delete(`${l.name}/bias`);
				weights.set(`${low}/kernel`, { shape: [K, K, ci, outCh], data: hwio });
				if (k.bias) {
					const b = new Float32Array(outCh);
					for (let c = 0; c < co; c++) for (let p = 0; p < s * s; p++) b[p * co + c] = k.bias[c * s * s + p];
					weights.set(`${low}/bias`, { shape: [outCh], data: b });
				}
				layers.push({ ...l, name: low, config: { ...l.config, name: low, filters: outCh, kernel_size: [K, K] }, inbound_nodes: rewrite.up.inbound_nodes });
				layers.push({ class_name: D2S, name: l.name, config: { name: l.name, trainable: false, dtype: 'float32', scale: s }, inbound_nodes: [[[low, 0, 0, {}]]] });
			}
			g.layers = layers;
			const specs = [...weights].map(([name, w]) => ({ name, shape: w.shape, dtype: 'float32' }));
			const size = [...weights.values()].reduce((n, w) => n + w.data.byteLength, 0);
			const weightData = new ArrayBuffer(size);
			let at = 0;
			for (const w of weights.values()) {
				new Float32Array(weightData, at, w.data.length).set(w.data);
				at += w.data.byteLength;
			}
			return { modelTopology: topology, weightSpecs: specs, weightData, format: 'layers-model' };
		},
	};
}
