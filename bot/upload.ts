/**
 * Sends a message with one file to Discord as a multipart stream of the bytes already in memory. discord.js's REST
 * client copies every file into a Blob first; for a 50 MB result that doubles the bot's peak memory, so result
 * uploads go through here (same routes, same payload_json, Discord's 429 retry_after honoured).
 */
import { Readable } from 'node:stream';
import { request } from 'undici';
import { encodeMultipart } from '../core';

export class DiscordHttpError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly code?: number,
	) {
		super(message);
		this.name = 'DiscordHttpError';
	}
}

export interface UploadTarget {
	method: 'PATCH' | 'POST';
	/** Full URL, e.g. `${api}/v10/webhooks/${app}/${token}/messages/@original`. */
	url: string;
	/** "Bot <token>" for bot routes; none for interaction webhooks. */
	authorization?: string;
}

export interface UploadFile {
	name: string;
	data: Uint8Array;
	contentType: string;
}

export async function sendWithFile(target: UploadTarget, payload: Record<string, unknown>, file: UploadFile): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		const body = encodeMultipart(
			[
				{ name: 'payload_json', value: JSON.stringify({ ...payload, attachments: [{ id: 0, filename: file.name }] }) },
				{ name: 'files[0]', fileName: file.name, contentType: file.contentType, data: file.data },
			],
		);
		const res = await request(target.url, {
			method: target.method,
			headers: { 'content-type': body.contentType, 'content-length': String(body.length), 'user-agent': 'DiscordBot (n8n-nodes-upscale, 0.1)', ...(target.authorization ? { authorization: target.authorization } : {}) },
			body: Readable.from(body.chunks, { objectMode: false }),
		});
		const text = await res.body.text();
		if (res.statusCode >= 200 && res.statusCode < 300) return;
		let json: { message?: string; code?: number; retry_after?: number } = {};
		try {
			json = JSON.parse(text);
		} catch {
			// not JSON
		}
		if (res.statusCode === 429 && attempt < 3) {
			await new Promise((r) => setTimeout(r, Math.ceil((json.retry_after ?? 1) * 1000)));
			continue;
		}
		throw new DiscordHttpError(json.message ?? `Discord answered ${res.statusCode}`, res.statusCode, json.code);
	}
}
