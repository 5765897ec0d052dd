/** Downloads a Discord attachment: only from Discord's CDN hosts, size-capped and time-bounded. */
import { request } from 'undici';
import { collectBody, discardBody } from '../runtime';

export class AttachmentError extends Error {}

export async function downloadAttachment(url: string, o: { allowedHosts: string[]; maxBytes: number; timeoutMs: number; signal?: AbortSignal }): Promise<Uint8Array> {
	let u: URL;
	try {
		u = new URL(url);
	} catch {
		throw new AttachmentError('The attachment has no valid URL.');
	}
	if (!o.allowedHosts.includes(u.host) && !o.allowedHosts.includes(u.hostname)) {
		throw new AttachmentError(`The attachment is not on Discord's CDN (${u.hostname}); it was not downloaded.`);
	}
	const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs);
	let res;
	try {
		res = await request(url, { method: 'GET', signal, maxRedirections: 0 } as Parameters<typeof request>[1]);
	} catch {
		throw new AttachmentError('The attachment could not be downloaded from Discord (network error or timeout). Try again.');
	}
	if (res.statusCode !== 200) {
		discardBody(res.body);
		throw new AttachmentError(`Discord's CDN answered ${res.statusCode} for the attachment. Try uploading it again.`);
	}
	const declared = Number(res.headers['content-length']);
	if (declared > o.maxBytes) {
		discardBody(res.body);
		throw new AttachmentError(`The attachment is larger than ${(o.maxBytes / 1048576).toFixed(0)} MB.`);
	}
	try {
		return await collectBody(res.body as never, declared, o.maxBytes, () => new AttachmentError(`The attachment is larger than ${(o.maxBytes / 1048576).toFixed(0)} MB.`));
	} catch (e) {
		if (e instanceof AttachmentError) throw e;
		throw new AttachmentError('The attachment download was cut off. Try again.');
	}
}
