/**
 * What Node's HTTP server answers before a route runs, in the API's words (problem+json like every other refusal):
 * a request that is not valid HTTP (400), headers too large (431: e.g. a pasted link gone wrong), a request that did
 * not arrive in time (408, UPSCALE_HEADERS_TIMEOUT / UPSCALE_REQUEST_TIMEOUT). Each closes the connection.
 *
 * And `Expect: 100-continue` (curl sends it for large bodies): a job body larger than any image needs is refused
 * with 413 from its Content-Length before the client is told to send it; every other request is told to go on.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { JSON_JOB_BODY_LIMIT, UPLOAD_LIMIT_TEXT } from './image-base64';
import { ApiError } from './problem';

function problemFor(err: NodeJS.ErrnoException): ApiError {
	if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('REQUEST_TIMEOUT', 'The request did not arrive in time: the connection is closed. Send it again, faster or smaller.');
	if (err.code === 'HPE_HEADER_OVERFLOW') return new ApiError('HEADERS_TOO_LARGE', 'The request line and headers are too large (is a pasted link or a header much longer than it should be?).');
	return new ApiError('BAD_REQUEST', 'The request is not valid HTTP.');
}

/** Fastify's clientErrorHandler: the answer written on the socket, then the connection closed. */
export function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
	if (err.code === 'ECONNRESET' || !socket.writable) {
		socket.destroy();
		return;
	}
	const p = problemFor(err);
	const body = JSON.stringify(p.body());
	socket.end(`HTTP/1.1 ${p.status} ${STATUS_CODES[p.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Answers `Expect: 100-continue` itself: an oversize job body is refused unread; anything else goes on as usual. */
export function answerExpectContinue(server: Server): void {
	server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
		const declared = Number(req.headers['content-length']);
		if (req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v1/jobs' && declared > JSON_JOB_BODY_LIMIT) {
			const body = JSON.stringify(new ApiError('PAYLOAD_TOO_LARGE', UPLOAD_LIMIT_TEXT).body());
			res.writeHead(413, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
			return;
		}
		res.writeContinue();
		server.emit('request', req, res);
	});
}
