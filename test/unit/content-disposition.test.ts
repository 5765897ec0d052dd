/** Content-Disposition for names in any script (RFC 6266 + RFC 8187), as the job service sends results. */
import { attachmentDisposition } from '../../runtime/content-disposition';

const exact = (header: string) => decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(header)![1]);

describe('attachmentDisposition', () => {
	test('a plain ASCII name is sent as it is, with no filename*', () => {
		expect(attachmentDisposition('cat-upscaled.jpg')).toBe('attachment; filename="cat-upscaled.jpg"');
	});

	test.each([
		['фото-upscaled.jpg', '____-upscaled.jpg'],
		['café-upscaled.jpg', 'cafe-upscaled.jpg'],
		['写真 "best"-upscaled.jpg', '__ _best_-upscaled.jpg'],
		['back\\slash-upscaled.jpg', 'back_slash-upscaled.jpg'],
		['100%-upscaled.jpg', '100_-upscaled.jpg'],
		["it's (1)*-upscaled.jpg", "it's (1)*-upscaled.jpg"],
		['😀-upscaled.jpg', '__-upscaled.jpg'],
	])('%s: ASCII fallback %s, the exact name in filename*', (name, fallback) => {
		const h = attachmentDisposition(name);
		expect(h).toMatch(/^[\x20-\x7e]+$/);
		expect(h.startsWith(`attachment; filename="${fallback}"`)).toBe(true);
		const sent = name.replace(/\\/g, '_');
		if (fallback !== sent) expect(exact(h)).toBe(sent);
	});

	test('control characters (a header injection) are dropped; slashes become _', () => {
		const h = attachmentDisposition('a\r\nSet-Cookie: x=1\u0085/..\\b.jpg');
		expect(h).not.toMatch(/[\r\n]/);
		expect(h).toBe('attachment; filename="aSet-Cookie: x=1_.._b.jpg"');
	});

	test('filename* encodes everything outside RFC 8187 attr-char', () => {
		expect(attachmentDisposition("é'()*.jpg")).toBe('attachment; filename="e\'()*.jpg"; filename*=UTF-8\'\'%C3%A9%27%28%29%2A.jpg');
	});
});
