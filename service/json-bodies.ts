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

/**
 * Holds `bytes` of the budget until released (once the body is decoded and stored: see releaseJsonBody), or else
 * until the answer has gone or the connection closed; waits its turn when it is spent.
 */
function hold(bytes: number, res: ServerResponse): Promise<() => void> {
	return new Promise((resolve, reject) => {
		if (res.closed) return reject(cutOff());
		let state: 'waiting' | 'held' | 'released' = 'waiting';
		const release = () => {
			if (state !== 'held') return;
			state = 'released';
			used -= bytes;
			next();
		};
		const take = () => {
			state = 'held';
			used += bytes;
			resolve(release);
		};
		res.once('close', () => {
			if (state !== 'waiting') return release();
			const i = waiting.findIndex((w) => w.take === take);
			if (i >= 0) waiting.splice(i, 1);
			state = 'released';
			reject(cutOff());
			next();
		});
		if (!waiting.length && fits(bytes)) take();
		else waiting.push({ bytes, take });
	});
}

const RELEASE = Symbol('release the body budget');
type Held = FastifyRequest & { [RELEASE]?: () => void };

/**
 * The body has been read, decoded and stored: its share of the budget goes back now, not when the answer has gone
 * (a job with `wait` may hold its answer 25 s). The caller drops its own references to the body's text too.
 */
export function releaseJsonBody(req: FastifyRequest): void {
	const held = req as Held;
	held[RELEASE]?.();
	delete held[RELEASE];
	(req as { body: unknown }).body = undefined;
}

/** A route's preParsing hook: refuses an oversized JSON body at once, and lets large ones in a few at a time. */
export async function admitJsonBody(req: FastifyRequest, reply: FastifyReply): Promise<void> {
	if (!/^application\/(.+\+)?json\b/i.test(req.headers['content-type'] ?? '')) return;
	const declared = Number(req.headers['content-length']);
	if (declared > JSON_JOB_BODY_LIMIT) throw new ApiError('PAYLOAD_TOO_LARGE', UPLOAD_LIMIT_TEXT);
	// A chunked body (no Content-Length) may be as large as the limit: it is counted so.
	const bytes = Number.isFinite(declared) && declared > 0 ? declared : JSON_JOB_BODY_LIMIT;
	if (bytes > SMALL) (req as Held)[RELEASE] = await hold(bytes, reply.raw);
}
