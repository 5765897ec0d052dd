/**
 * The few pieces of Protocol Buffers' wire format an ONNX model file needs, written out: varints, length-delimited
 * fields and 32-bit floats. Written here rather than taken from protobufjs because only a writer is needed, for a
 * handful of ONNX messages (onnx.ts), and its output is checked by ONNX Runtime loading it.
 */
const enc = new TextEncoder();

export type Field = Uint8Array;

function varint(n: number): number[] {
	if (!Number.isSafeInteger(n) || n < 0) throw new Error(`protobuf varint out of range: ${n}`);
	const out: number[] = [];
	while (n > 0x7f) {
		out.push((n % 128) | 0x80);
		n = Math.floor(n / 128);
	}
	out.push(n);
	return out;
}

const key = (field: number, wire: 0 | 2 | 5) => varint(field * 8 + wire);

export const uint = (field: number, n: number): Field => Uint8Array.from([...key(field, 0), ...varint(n)]);

export function bytes(field: number, data: Uint8Array): Field {
	const head = Uint8Array.from([...key(field, 2), ...varint(data.length)]);
	const out = new Uint8Array(head.length + data.length);
	out.set(head);
	out.set(data, head.length);
	return out;
}

export const str = (field: number, s: string): Field => bytes(field, enc.encode(s));

export function float(field: number, x: number): Field {
	const out = new Uint8Array(key(field, 5).length + 4);
	out.set(key(field, 5));
	new DataView(out.buffer).setFloat32(out.length - 4, x, true);
	return out;
}

/** A message: its fields one after another. */
export function message(...fields: Field[]): Uint8Array {
	const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
	let at = 0;
	for (const f of fields) {
		out.set(f, at);
		at += f.length;
	}
	return out;
}
