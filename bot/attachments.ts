/** Downloads a Discord attachment: only from Discord's CDN hosts, size-capped and time-bounded. */
import { request } from 'undici';

export class AttachmentError extends Error {}

export async function downloadAttachment(url: string, o: { allowedHosts: string[]; maxBytes: number; timeoutMs: number }): Promise<Uint8Array> {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		throw new AttachmentError('The attachment has no valid URL.');
	}
	if (!o.allowedHosts.includes(u.host) && !o.allowedHosts.includes(u.hostname)) {
		throw new AttachmentError(`The attachment is not on Discord's CDN (${u.hostname}); it was not downloaded.`);
	}
	const signal = AbortSignal.timeout(o.timeoutMs);
	let res;
	try {
		res = await request(url, { method: 'GET', signal, maxRedirections: 0 } as Parameters<typeof request>[1]);
	} catch {
		throw new AttachmentError('The attachment could not be downloaded from Discord (network error or timeout). Try again.');
	}
	if (res.statusCode !== 200) {
		res.body.destroy();
		throw new AttachmentError(`Discord's CDN answered ${res.statusCode} for the attachment. Try uploading it again.`);
	}
	const declared = Number(res.headers['content-length']);
	if (declared > o.maxBytes) {
		res.body.destroy();
		throw new AttachmentError(`The attachment is larger than ${(o.maxBytes / 1048576).toFixed(0)} MB.`);
	}
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const c of res.body) {
			size += (c as Buffer).length;
			if (size > o.maxBytes) {
				res.body.destroy();
				throw new AttachmentError(`The attachment is larger than ${(o.maxBytes / 1048576).toFixed(0)} MB.`);
			}
			chunks.push(c as Buffer);
		}
	} catch (e) {
		if (e instanceof AttachmentError) throw e;
		throw new AttachmentError('The attachment download was cut off. Try again.');
	}
	const b = Buffer.concat(chunks, size);
	return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
