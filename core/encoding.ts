/**
 * Request bodies built as lists of chunks, so big images are referenced, not copied.
 * Written here rather than taken from `form-data`: core/ may not import Node modules (form-data needs
 * Node streams and fs), and what the vendors need is two field kinds in a fixed order.
 */

const enc = new TextEncoder();

export interface EncodedBody {
	contentType: string;
	chunks: Uint8Array[];
	length: number;
}

export type MultipartPart =
	| { name: string; value: string }
	| { name: string; fileName: string; contentType: string; data: Uint8Array };

const safeHeaderValue = (s: string) => s.replace(/["\r\n\\]/g, '_');

/** True when `needle` occurs in `data` (a native scan for its first byte, then a comparison). */
function contains(data: Uint8Array, needle: Uint8Array): boolean {
	for (let i = data.indexOf(needle[0]); i !== -1 && i + needle.length <= data.length; i = data.indexOf(needle[0], i + 1)) {
		let j = 1;
		while (j < needle.length && data[i + j] === needle[j]) j++;
		if (j === needle.length) return true;
	}
	return false;
}

/**
 * A boundary that does not occur in any part (RFC 2046 asks for that; a random one only makes it likely):
 * the first of `upscale-boundary-0`, `-1`, … that is absent. Deterministic, so core needs no random source.
 */
export function pickBoundary(parts: MultipartPart[]): string {
	for (let n = 0; ; n++) {
		const boundary = `----upscale-boundary-${n}`;
		const bytes = enc.encode(boundary);
		if (!parts.some((p) => ('data' in p ? contains(p.data, bytes) : p.value.includes(boundary)))) return boundary;
	}
}

export function encodeMultipart(parts: MultipartPart[], boundary = pickBoundary(parts)): EncodedBody {
	const chunks: Uint8Array[] = [];
	for (const part of parts) {
		if ('data' in part) {
			chunks.push(
				enc.encode(
					`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${safeHeaderValue(part.fileName)}"\r\n` +
						`Content-Type: ${part.contentType}\r\n\r\n`,
				),
				part.data,
				enc.encode('\r\n'),
			);
		} else {
			chunks.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`));
		}
	}
	chunks.push(enc.encode(`--${boundary}--\r\n`));
	return { contentType: `multipart/form-data; boundary=${boundary}`, chunks, length: totalLength(chunks) };
}

export function totalLength(chunks: Uint8Array[]): number {
	let n = 0;
	for (const c of chunks) n += c.length;
	return n;
}

const B64 = enc.encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/** Standard base64 of bytes, as ASCII bytes (no intermediate string: 30 MB in, 40 MB out, one copy). */
export function base64Bytes(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(Math.ceil(data.length / 3) * 4);
	let o = 0;
	let i = 0;
	for (; i + 2 < data.length; i += 3) {
		const n = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
		out[o++] = B64[n >>> 18];
		out[o++] = B64[(n >>> 12) & 63];
		out[o++] = B64[(n >>> 6) & 63];
		out[o++] = B64[n & 63];
	}
	const rest = data.length - i;
	if (rest > 0) {
		const n = (data[i] << 16) | (rest === 2 ? data[i + 1] << 8 : 0);
		out[o++] = B64[n >>> 18];
		out[o++] = B64[(n >>> 12) & 63];
		out[o++] = rest === 2 ? B64[(n >>> 6) & 63] : 61;
		out[o++] = 61;
	}
	return out;
}

/**
 * A JSON body in which one string value is given as raw ASCII bytes (a base64 image): `placeholder`
 * must appear once in the JSON text of `value`, as a whole string, and is replaced by the bytes.
 */
export function encodeJson(value: unknown, splice?: { placeholder: string; bytes: Uint8Array }): EncodedBody {
	const text = JSON.stringify(value);
	if (!splice) {
		const b = enc.encode(text);
		return { contentType: 'application/json', chunks: [b], length: b.length };
	}
	const at = text.indexOf(splice.placeholder);
	if (at < 0) throw new Error('encodeJson: placeholder not found');
	const chunks = [enc.encode(text.slice(0, at)), splice.bytes, enc.encode(text.slice(at + splice.placeholder.length))];
	return { contentType: 'application/json', chunks, length: totalLength(chunks) };
}

export function decodeText(body: Uint8Array): string {
	return new TextDecoder().decode(body);
}

/** Parses a JSON body; undefined when it is not JSON. */
export function parseJson(body: Uint8Array): unknown {
	try {
		return JSON.parse(decodeText(body));
	} catch {
		return undefined;
	}
}
