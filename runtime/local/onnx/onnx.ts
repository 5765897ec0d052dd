/**
 * ONNX's messages (onnx.proto: ModelProto, GraphProto, NodeProto, TensorProto, AttributeProto, ValueInfoProto), as
 * far as a convolutional network of float32 tensors needs them, built on protobuf.ts.
 */
import { bytes, float, message, str, uint, type Field } from './protobuf';

const FLOAT = 1;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export type Attr = number | number[] | string | { float: number };

export function tensor(name: string, dims: number[], data: Float32Array): Uint8Array {
	return message(...dims.map((d) => uint(1, d)), uint(2, FLOAT), str(8, name), bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
}

/** TensorProto data types beyond float: quantised graphs, and the indices Slice takes. */
export const DTYPE = { UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** A tensor of another element type, from its raw little-endian bytes. */
export function rawTensor(name: string, dims: number[], dataType: number, data: Uint8Array | Int8Array | Int32Array | BigInt64Array): Uint8Array {
	return message(...dims.map((d) => uint(1, d)), uint(2, dataType), str(8, name), bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
}

function attribute(name: string, value: Attr): Uint8Array {
	if (typeof value === 'string') return message(str(1, name), uint(20, ATTR.STRING), str(4, value));
	if (typeof value === 'number') return message(str(1, name), uint(20, ATTR.INT), uint(3, value));
	if (Array.isArray(value)) return message(str(1, name), uint(20, ATTR.INTS), ...value.map((v) => uint(8, v)));
	return message(str(1, name), uint(20, ATTR.FLOAT), float(2, value.float));
}

export function node(op: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, Attr> = {}): Uint8Array {
	return message(...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op), ...Object.entries(attrs).map(([k, v]) => bytes(5, attribute(k, v))));
}

/** A float tensor's name and shape (a string is a named free dimension). */
export function valueInfo(name: string, dims: Array<number | string>): Uint8Array {
	const dim = (d: number | string) => bytes(1, typeof d === 'number' ? uint(1, d) : str(2, d));
	const shape = message(...dims.map(dim));
	const tensorType = message(uint(1, FLOAT), bytes(2, shape));
	return message(str(1, name), bytes(2, bytes(1, tensorType)));
}

export function model(o: { name: string; nodes: Uint8Array[]; initializers: Uint8Array[]; inputs: Uint8Array[]; outputs: Uint8Array[]; valueInfo?: Uint8Array[]; opset: number; producer: string }): Uint8Array {
	const graph = message(
		...o.nodes.map((n) => bytes(1, n)),
		str(2, o.name),
		...o.initializers.map((t) => bytes(5, t)),
		...o.inputs.map((v) => bytes(11, v)),
		...o.outputs.map((v) => bytes(12, v)),
		...(o.valueInfo ?? []).map((v) => bytes(13, v)),
	);
	const fields: Field[] = [uint(1, 8), str(2, o.producer), bytes(7, graph), bytes(8, message(str(1, ''), uint(2, o.opset)))];
	return message(...fields);
}
