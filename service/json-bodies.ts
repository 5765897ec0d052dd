/**
 * Large JSON job bodies (an image in image_base64: up to ~45 MB of text, which the JSON parser holds whole, then the
 * decoded bytes) are read a few at a time: together they hold at most BUDGET bytes of body, and the next one waits
 * (unread: TCP holds it back) until one is answered. Small bodies never wait. Only a keyed client gets this far (the
 * key is checked before the body is read), and its wait is bounded by UPSCALE_REQUEST_TIMEOUT. A body larger than the
 * limit is refused from its Content-Length before a byte of it is read.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './problem';
import { JSON_JOB_BODY_LIMIT, UPLOAD_LIMIT_TEXT } from './image-base64';

/** Bodies up to this size go straight through. */
const SMALL = 1024 * 1024;
/** Room for two bodies of the largest size at once. */
const BUDGET = 2 * JSON_JOB_BODY_LIMIT;

let used = 0;
const waiting: Array<{ bytes: number; take: () => void }> = [];
const fits = (bytes: number) => used === 0 || used + bytes <= BUDGET;

/** Lets the waiting bodies in, in their order, while they fit. */
function next(): void {
	while (waiting.length && fits(waiting[0].bytes)) waiting.shift()!.take();
}

const cutOff = () => new ApiError('BAD_REQUEST', 'The request was cut off before it was complete.');

/** Holds `bytes` of the budget until the answer has gone (or the connection closed); waits its turn when it is spent. */
function hold(bytes: number, res: ServerResponse): Promise<void> {
	return new Promise((resolve, reject) => {
		if (res.closed) return reject(cutOff());
		let held = false;
		const take = () => {
			held = true;
			used += bytes;
			resolve();
		};
		res.once('close', () => {
			const i = waiting.findIndex((w) => w.take === take);
			if (i >= 0) waiting.splice(i, 1);
			if (held) used -= bytes;
			else reject(cutOff());
			next();
		});
		if (!waiting.length && fits(bytes)) take();
		else waiting.push({ bytes, take });
	});
}

/** A route's preParsing hook: refuses an oversized JSON body at once, and lets large ones in a few at a time. */
export async function admitJsonBody(req: FastifyRequest, reply: FastifyReply): Promise<void> {
	if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return;
	const declared = Number(req.headers['content-length']);
	if (declared > JSON_JOB_BODY_LIMIT) throw new ApiError('PAYLOAD_TOO_LARGE', UPLOAD_LIMIT_TEXT);
	// A chunked body (no Content-Length) may be as large as the limit: it is counted so.
	const bytes = Number.isFinite(declared) && declared > 0 ? declared : JSON_JOB_BODY_LIMIT;
	if (bytes > SMALL) await hold(bytes, reply.raw);
}
