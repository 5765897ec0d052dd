/**
 * `Content-Disposition: attachment` for a file name in any script (RFC 6266 with RFC 8187's `filename*`): an ASCII
 * `filename` for old clients, and the exact name UTF-8 percent-encoded for the rest. A header may carry only
 * visible ASCII, so a raw name in Cyrillic or Japanese made the download fail. Ten lines of our own rather than
 * the `content-disposition` package, whose current version needs Node 22 (the toolkit supports Node 20).
 */

/** RFC 8187 attr-char: what may stand unencoded in `filename*`. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+.^_`|~-]/;

function encodeExtValue(name: string): string {
	let out = '';
	for (const byte of new TextEncoder().encode(name)) {
		const c = String.fromCharCode(byte);
		out += byte < 0x80 && ATTR_CHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
	}
	return out;
}

/** The name's ASCII stand-in: accents dropped (é → e), anything else outside visible ASCII, quotes, backslashes and % as "_". */
function asciiFallback(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.replace(/[^\x20-\x7e]|["\\%]/g, '_');
}

export function attachmentDisposition(fileName: string): string {
	// eslint-disable-next-line no-control-regex
	const name = fileName.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/[/\\]/g, '_') || 'image';
	const fallback = asciiFallback(name);
	const plain = `attachment; filename="${fallback}"`;
	return fallback === name ? plain : `${plain}; filename*=UTF-8''${encodeExtValue(name)}`;
}
