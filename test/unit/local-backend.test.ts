/** Which engine runs the local model: ONNX Runtime when it loads, TF.js otherwise, UPSCALE_LOCAL_BACKEND forcing one. */
import { chooseBackend } from '../../runtime/local/backend';

const loads = () => ({});
const fails = () => {
	throw new Error('Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by onnxruntime_binding.node)\nmore');
};

describe('chooseBackend', () => {
	it('takes ONNX Runtime when it loads, and says why not when it does not (TF.js then)', () => {
		expect(chooseBackend({}, loads)).toEqual({ backend: 'onnx' });
		expect(chooseBackend({}, fails)).toEqual({ backend: 'tfjs', why: 'ONNX Runtime (onnxruntime-node) does not load here: Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by onnxruntime_binding.node)' });
	});

	it('UPSCALE_LOCAL_BACKEND forces one; forcing ONNX where it cannot load is refused with what to do', () => {
		expect(chooseBackend({ UPSCALE_LOCAL_BACKEND: 'tfjs' }, loads)).toEqual({ backend: 'tfjs', why: 'UPSCALE_LOCAL_BACKEND=tfjs' });
		expect(chooseBackend({ UPSCALE_LOCAL_BACKEND: ' ONNX ' }, loads)).toEqual({ backend: 'onnx' });
		expect(() => chooseBackend({ UPSCALE_LOCAL_BACKEND: 'onnx' }, fails)).toThrow(/^UPSCALE_LOCAL_BACKEND=onnx, but ONNX Runtime \(onnxruntime-node\) does not load here: .*Install it \(npm install onnxruntime-node, with ONNXRUNTIME_NODE_INSTALL=skip\), or leave UPSCALE_LOCAL_BACKEND unset to use TF\.js\.$/);
		expect(() => chooseBackend({ UPSCALE_LOCAL_BACKEND: 'cuda' }, loads)).toThrow('UPSCALE_LOCAL_BACKEND must be onnx or tfjs (got "cuda").');
	});

	it('on this machine, ONNX Runtime loads (it is installed with the repository)', () => {
		expect(chooseBackend({}).backend).toBe('onnx');
	});
});
