/**
 * The ONNX converter (runtime/local/onnx/) gives the same bytes for every graph the product makes: each model of
 * runtime/local/models.ts at each scale, with our rewrites (what the engine runs) and without them (the graph as
 * shipped, which the bench and the rewrite test compare against), and with the default options. The hashes were
 * taken on the converter before it was split into a graph builder and named rewrites; a change that moves one byte
 * of a graph has to say why and pin the new hash. Also: what the converter refuses, in the words it uses.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelDir, MODELS, type ModelName } from '../../runtime/local/models';
import { convertLayersModel } from '../../runtime/local/onnx/convert';

const PINNED: Record<string, string> = {
	'slim x2 rewritten': '5bfe260a4ca7f61ec95952fb5a6c8d629461d164d2477f06f06b2f796ad44e53',
	'slim x2 as shipped': 'ce9cef54aabe53520845c826fadb57f19b34335c254fbaaa71e96be7a9c42aa7',
	'slim x3 rewritten': '7639fcfea4930e229d0d2497d2765c6ea2bc8fef9132f06368dca7dffa74c0c9',
	'slim x3 as shipped': '3f2bcdc772c13ea1b4d8a02fb2e522adb7be289234958f8a706cdcdb90771589',
	'slim x4 rewritten': 'aae5444680aac0dc45f76d8aea88e20dedb16d031a8940723e83917a76ea670f',
	'slim x4 as shipped': '240a81906dd1eb9ccbc1dcd3bbdf979c4cc65e4450894be8a0f07dce6326c644',
	'slim x8 rewritten': 'f7a2999265dc8e92f3ee22d6ecda9b94292d742121b4a9f29cac8ba88195f323',
	'slim x8 as shipped': '9a4fe58cf36b2e890b4ca1137b4a2cd7ccf03c025cd7f7bb1af4d38181cd65bf',
	'thick x2 rewritten': 'a36f411cd78b5b18cc711afa002c42355b849d24442598f4da97e3169594dd1b',
	'thick x2 as shipped': '4c1445768052f018b43d74c4c5d013645155d61a5bc33e8c9db6a502ef76473c',
	'thick x3 rewritten': 'ae5f9a63c11d3c2c09a76005dc3448781dca8c891fd5e15b4f00019bd125dc29',
	'thick x3 as shipped': '1a604fc9f5b755c93ff314580102cc0a5536f6a59f92996cfa0f4ee92789637b',
	'thick x4 rewritten': '03aa65641ca80c46019a1716471fe85584bbec1ca4f8c6e72f5f0b87e93686a6',
	'thick x4 as shipped': '13310dd1982a3e7c6c5439dfd081773f3831d4d509249e1d23aada167e87b4c1',
	'thick x8 rewritten': '55f9724f96723c7c79b5a2a894383981fddbb50fa174d771dc54ecbecea01bd9',
	'thick x8 as shipped': '59652e983aa5d1f727d0da83a76674858c65ef8e3c1c5caba40e8f82766ccbb1',
	// The options' defaults (the int8 probe's FP32 graph).
	'slim x2 default options': 'c610fa93b459c81994727e93ff67f7042d1658c598f4092f6464c6079304c2bb',
	'slim x3 default options': 'ac6fc5122e454a2106a5efe9b3e9482f500786176dc85dfb7f9dcc9afc881a12',
	'slim x4 default options': '593125d61e1dd1ed9053f43404f0f5c93fbf794e09d2f4ba88a72673f193dc3d',
	'slim x8 default options': '1740085f2bcd5290ed441c4ab283c06b6a0bd5481c8ef71809f6c166e4055898',
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the converted graphs', () => {
	const models = Object.keys(MODELS) as ModelName[];
	it.each(models.flatMap((m) => ([2, 3, 4, 8] as const).map((s) => [m, s] as const)))('%s x%d: byte for byte the pinned graphs, with and without our rewrites', (model, scale) => {
		const dir = modelDir(model, scale);
		// As runtime/local/ort.ts asks for them.
		for (const rewrite of [true, false]) {
			const label = `${model} x${scale} ${rewrite ? 'rewritten' : 'as shipped'}`;
			const bytes = convertLayersModel(dir, { range: MODELS[model].range, depthToSpace: rewrite, splitConcat: rewrite, uncropped: rewrite });
			expect({ [label]: sha256(bytes) }).toEqual({ [label]: PINNED[label] });
		}
		if (model === 'slim') expect(sha256(convertLayersModel(dir))).toBe(PINNED[`slim x${scale} default options`]);
	});

	it('every model and scale is pinned, and the rewrites change every graph they apply to', () => {
		expect(Object.keys(PINNED)).toHaveLength(models.length * 4 * 2 + 4);
		for (const m of models) for (const s of [2, 3, 4, 8]) expect(PINNED[`${m} x${s} rewritten`]).not.toBe(PINNED[`${m} x${s} as shipped`]);
	});
});

describe('what the converter refuses', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'onnx-convert-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	/** A one-layer model folder: an input and `layer` reading it, no weights. */
	function modelWith(layer: { class_name: string; config: Record<string, unknown> }, format = 'layers-model'): string {
		const layers = [
			{ class_name: 'InputLayer', name: 'input', config: { batch_input_shape: [null, null, null, 3] }, inbound_nodes: [] },
			{ ...layer, name: 'odd', inbound_nodes: [[['input', 0, 0, {}]]] },
		];
		const config = { layers, input_layers: [['input', 0, 0]], output_layers: [['odd', 0, 0]] };
		writeFileSync(join(dir, 'model.json'), JSON.stringify({ format, modelTopology: { model_config: { class_name: 'Model', config } }, weightsManifest: [] }));
		return dir;
	}

	it('a layer kind it does not know, by name', () => {
		expect(() => convertLayersModel(modelWith({ class_name: 'Dense', config: {} }))).toThrow('odd: layer Dense is not converted');
		expect(() => convertLayersModel(modelWith({ class_name: 'PixelShuffle3x', config: { scale: 2 } }))).toThrow('odd: layer PixelShuffle3x is not converted');
	});

	it('an activation, an upsampling or a concatenation axis it does not convert', () => {
		expect(() => convertLayersModel(modelWith({ class_name: 'Activation', config: { activation: 'tanh' } }))).toThrow('odd: activation tanh is not converted');
		expect(() => convertLayersModel(modelWith({ class_name: 'UpSampling2D', config: { size: [2, 2], interpolation: 'bilinear' } }))).toThrow('odd: bilinear upsampling is not converted');
		expect(() => convertLayersModel(modelWith({ class_name: 'Concatenate', config: { axis: 1 } }))).toThrow('odd: concatenation on axis 1 is not converted');
		expect(() => convertLayersModel(modelWith({ class_name: 'MultiplyBeta', config: {} }))).toThrow('odd: MultiplyBeta without a beta');
	});

	it('a convolution without its weights', () => {
		const conv = { filters: 3, kernel_size: [3, 3], strides: [1, 1], dilation_rate: [1, 1], padding: 'same', activation: 'linear', use_bias: true };
		expect(() => convertLayersModel(modelWith({ class_name: 'Conv2D', config: conv }))).toThrow('no weights for odd');
	});

	it('a folder that is not a layers model', () => {
		expect(() => convertLayersModel(modelWith({ class_name: 'Dense', config: {} }, 'graph-model'))).toThrow(`${dir}/model.json is not a TF.js layers model`);
	});
});
