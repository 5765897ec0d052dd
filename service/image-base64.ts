/**
 * image_base64: the image in a JSON request, as plain base64 or a data: URI (what Power Automate, Make and most
 * platforms hold a file as). Checked as strictly as an upload before anything is stored or sent: not base64, empty,
 * over 30 MB once decoded (computed from the text's length, before decoding), a data: URI that is not base64 or whose
 * media type names another format than the bytes are. The text is never echoed back (one offending character at most).
 */
import { formatFromMime, invalidInput, MAX_INPUT_BYTES, megabytes, type ImageFormat } from '../core';
import { ApiError } from './problem';

export const UPLOAD_LIMIT_TEXT = `The image is larger than ${megabytes(MAX_INPUT_BYTES)}, the most the vendors accept.`;

/**
 * The largest JSON job body: a 30 MB image in base64 (4 characters per 3 bytes), with room for line breaks every 76
 * characters (escaped as \r\n in JSON), a data: URI's prefix and the other fields.
 */
export const JSON_JOB_BODY_LIMIT = Math.ceil((Math.ceil(MAX_INPUT_BYTES / 3) * 4 * 108) / 100) + 64 * 1024;

export interface Base64Image {
	bytes: Buffer;
	/** The media type its data: URI names, lower-cased ('' when it names none). */
	declared?: string;
}

const NOT_BASE64 = /[^A-Za-z0-9+/=_\-\s]/;
const EXAMPLE = 'data:image/png;base64,iVBORw0KGgo…';

/** The data: URI's media type and its base64 text, or the text as given. */
function splitDataUri(text: string): { payload: string; declared?: string } {
	if (!/^\s*data:/i.test(text)) return { payload: text };
	const comma = text.indexOf(',');
	if (comma < 0 || comma > 300) throw invalidInput(`image_base64 starts like a data: URI but has no comma after its media type: give it as ${EXAMPLE}`);
	const params = text.slice(text.indexOf(':') + 1, comma).split(';').map((p) => p.trim().toLowerCase());
	if (!params.slice(1).includes('base64')) throw invalidInput(`image_base64 is a data: URI that is not base64-encoded: give it as ${EXAMPLE}`);
	return { payload: text.slice(comma + 1), declared: params[0] };
}

export function decodeImageBase64(text: string): Base64Image {
	const uri = splitDataUri(text);
	let payload = uri.payload;
	if (/\s/.test(payload)) payload = payload.replace(/\s+/g, '');
	const bad = NOT_BASE64.exec(payload);
	if (bad) throw invalidInput(`image_base64 is not base64: it has ${JSON.stringify(bad[0])} at character ${bad.index + 1} (base64 uses A-Z, a-z, 0-9, + and / with = at the end).`);
	let end = payload.length;
	while (end > 0 && end > payload.length - 2 && payload[end - 1] === '=') end--;
	const data = payload.slice(0, end);
	if (!data) throw invalidInput('image_base64 is empty: give the image\'s bytes in base64, or as a data: URI.');
	if (data.includes('=')) throw invalidInput('image_base64 is not base64: "=" may only close it (one or two at the end).');
	if (data.length % 4 === 1) throw invalidInput('image_base64 is not base64: its length is one character off (was it cut short?).');
	if (Math.floor((data.length * 3) / 4) > MAX_INPUT_BYTES) throw new ApiError('PAYLOAD_TOO_LARGE', UPLOAD_LIMIT_TEXT);
	return { bytes: Buffer.from(data, 'base64'), declared: uri.declared };
}

/** Refuses a data: URI whose media type names another format than the bytes are (a wrong type makes vendors guess). */
export function checkDeclaredType(declared: string | undefined, format: ImageFormat): void {
	// "Some bytes" is what platforms call a file whose type they do not know: it names no format, as a multipart upload of that type does not.
	if (!declared || /^(application|binary)\/octet-stream$/.test(declared)) return;
	if (formatFromMime(declared) !== format) {
		throw invalidInput(`image_base64 says it is ${declared.slice(0, 60)} (its data: URI) but holds a ${format.toUpperCase()} image: give the right media type (image/${format}), or the base64 alone.`);
	}
}
