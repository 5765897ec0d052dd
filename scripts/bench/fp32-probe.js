// The machine's FP32 limit: one large 3×3 convolution, 256 → 256 channels on a 64×64 input (a GEMM with K = 2304:
// 4.8 GFLOP a run; a 64 → 64 convolution, the shape of ESRGAN's layers, reaches ~80 % of it) on ONNX Runtime with one thread,
// run for ~0.4 s three times; prints {"gflops": best of the three}. The bench runs one for a core, and one per worker
// at once for the workers.
// Plain JS: started with plain `node`.
'use strict';
const { join } = require('node:path');
const ort = require('onnxruntime-node');
const { model, node, tensor, valueInfo } = require(join(__dirname, '..', '..', 'dist/runtime/local/onnx/onnx.js'));

(async () => {
	// Optional: `node fp32-probe.js <channels> <side>` (the bench also probes ESRGAN's own layer shape, 64 on 128).
	const C = Number(process.argv[2] ?? 256);
	const S = Number(process.argv[3] ?? 64);
	const w = Float32Array.from({ length: C * C * 9 }, (_, i) => ((i * 7919) % 1000) / 1e5 - 0.005);
	const bytes = model({
		name: 'probe',
		producer: 'bench',
		opset: 13,
		nodes: [node('Conv', ['x', 'w'], ['y'], 'conv', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1] })],
		initializers: [tensor('w', [C, C, 3, 3], w)],
		inputs: [valueInfo('x', [1, C, S, S])],
		outputs: [valueInfo('y', [1, C, S, S])],
	});
	const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
	const x = new ort.Tensor('float32', Float32Array.from({ length: C * S * S }, (_, i) => (i % 255) / 255), [1, C, S, S]);
	const flops = 2 * 9 * C * C * S * S;
	for (let i = 0; i < 3; i++) await s.run({ x });
	let best = 0;
	for (let round = 0; round < 3; round++) {
		let n = 0;
		const t = process.hrtime.bigint();
		let ms = 0;
		while (ms < 400) {
			await s.run({ x });
			n++;
			ms = Number(process.hrtime.bigint() - t) / 1e6;
		}
		best = Math.max(best, (n * flops) / 1e9 / (ms / 1000));
	}
	process.stdout.write(`${JSON.stringify({ gflops: best })}\n`);
	process.exit(0);
})().catch((e) => {
	process.stderr.write(`${e.stack}\n`);
	process.exit(1);
});
