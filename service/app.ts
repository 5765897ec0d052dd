/**
 * The HTTP server (Fastify): the perimeter (a client key on every route not declared public, see perimeter.ts),
 * bounds on slow clients (headers, whole request, idle connection), multipart uploads streamed with a 30 MB cap,
 * every error as problem+json, the OpenAPI document and its docs page, the page at /.
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { MAX_INPUT_BYTES, UpscaleError } from '../core';
import type { ServiceContext } from './context';
import './fastify-types';
import { openApiDocument } from './openapi';
import { guardRoutes, PUBLIC_ROUTE, publicScope, type DeclaredRoute } from './perimeter';
import { ApiError, fromUpscaleError } from './problem';
import { credits } from './routes/credits';
import { health } from './routes/health';
import { jobsCancel } from './routes/jobs-cancel';
import { jobsCreate, UPLOAD_LIMIT_TEXT } from './routes/jobs-create';
import { jobsDownload } from './routes/jobs-download';
import { jobsRead } from './routes/jobs-read';
import { page } from './routes/page';
import { webhooksCreate } from './routes/webhooks-create';
import { webhooksDelete } from './routes/webhooks-delete';
import { webhooksList } from './routes/webhooks-list';
import { webhooksRead } from './routes/webhooks-read';
import { answerExpectContinue, clientError } from './client-errors';

const MALFORMED_MULTIPART = /^(Multipart: Boundary not found|Malformed part header|Unexpected end of (form|file)|Part terminated early due to unexpected end of multipart data|Malformed content type|Missing Content-Type)$/;

/** Fastify's and the multipart parser's own errors, in the API's words. */
function asApiError(e: FastifyError, req: FastifyRequest): ApiError | undefined {
	switch (e.code) {
		case 'FST_REQ_FILE_TOO_LARGE':
			return new ApiError('PAYLOAD_TOO_LARGE', UPLOAD_LIMIT_TEXT);
		case 'FST_ERR_CTP_BODY_TOO_LARGE':
			// A job's body holds the image (image_base64); every other body is small.
			return new ApiError('PAYLOAD_TOO_LARGE', req.routeOptions.url === '/v1/jobs' ? UPLOAD_LIMIT_TEXT : 'The JSON body is larger than 1 MB.');
		case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
		case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
			return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the job as multipart/form-data (the file as "image") or as JSON (with image_url or image_base64).');
		case 'FST_FILES_LIMIT':
			return new ApiError('BAD_REQUEST', 'One image per job: the request has more than one file.');
		case 'FST_PARTS_LIMIT':
		case 'FST_FIELDS_LIMIT':
			return new ApiError('BAD_REQUEST', 'The multipart request has too many fields.');
		case 'FST_ERR_CTP_EMPTY_JSON_BODY':
			return new ApiError('BAD_REQUEST', 'The JSON body is empty.');
	}
	// The multipart parser's own words for a body that is not what its Content-Type says.
	if (MALFORMED_MULTIPART.test(e.message) && !e.code) return new ApiError('BAD_REQUEST', `The multipart body is malformed (${e.message}): send the image as the multipart field "image", with the boundary the Content-Type names.`);
	if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return new ApiError('BAD_REQUEST', `The body is not valid JSON: ${e.message}`);
	if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new ApiError('BAD_REQUEST', e.message);
	return undefined;
}

declare module 'fastify' {
	interface FastifyInstance {
		/** Every route with whether it answers without a key (the perimeter's tests read it). */
		declaredRoutes(): DeclaredRoute[];
	}
}

/** nginx's "lingering close": how long the unread rest of a refused request's body is read and dropped. */
const LINGER_MS = 5_000;
const LINGER_GAP_MS = 2_000;

/**
 * After an answer to a request whose body was not read (a 401 before an upload, say), the rest is read and dropped
 * so the client sees the answer; but only for LINGER_MS, with no pause over LINGER_GAP_MS, then the connection is
 * closed: a stranger cannot keep it by trickling.
 */
function linger(req: IncomingMessage): void {
	const socket = req.socket;
	const close = () => socket.destroy();
	const total = setTimeout(close, LINGER_MS);
	const gap = setTimeout(close, LINGER_GAP_MS);
	const onData = () => gap.refresh();
	const done = () => {
		clearTimeout(total);
		clearTimeout(gap);
		socket.off('data', onData);
	};
	socket.on('data', onData);
	req.once('end', done);
	socket.once('close', done);
}

export async function buildApp(ctx: ServiceContext, version: string): Promise<FastifyInstance> {
	const t = ctx.config.timeouts;
	const app = Fastify({
		logger: false,
		bodyLimit: 1024 * 1024,
		return503OnClosing: true,
		forceCloseConnections: true,
		// A request must arrive whole within requestMs (headers within headersMs); a connection with no traffic either
		// way for idleMs is closed. Node checks the first two every second.
		requestTimeout: t.requestMs,
		connectionTimeout: t.idleMs,
		keepAliveTimeout: Math.min(t.idleMs, 72_000),
		http: { headersTimeout: t.headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: 1000 },
		clientErrorHandler: clientError,
	});
	answerExpectContinue(app.server);
	app.decorate('declaredRoutes', guardRoutes(app, ctx.clients));
	await app.register(multipart, { limits: { fileSize: MAX_INPUT_BYTES, files: 2, fields: 50, fieldSize: 16 * 1024, parts: 60 }, throwFileSizeLimit: true });

	app.setErrorHandler((err: FastifyError, req, reply) => {
		let problem = err instanceof ApiError ? err : err instanceof UpscaleError ? fromUpscaleError(err) : asApiError(err, req);
		if (!problem && req.raw.aborted) {
			// The client went away mid-request: nobody reads the answer, and it is no fault of the server.
			ctx.log.debug('request aborted by the client', { method: req.method, url: req.url.split('?')[0] });
			problem = new ApiError('BAD_REQUEST', 'The request was cut off before it was complete.');
		}
		if (!problem) {
			ctx.log.error('request failed', { method: req.method, url: req.url.split('?')[0], error: err.message });
			problem = new ApiError('INTERNAL', 'The server failed on this request; the error is in its log.');
		}
		if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
		if (problem.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
		reply.code(problem.status).type('application/problem+json').send(problem.body(req.url.split('?')[0]));
	});
	app.setNotFoundHandler((req) => {
		throw new ApiError('ROUTE_NOT_FOUND', `No endpoint ${req.method} ${req.url.split('?')[0].slice(0, 100)}: see /docs.`);
	});

	app.addHook('onResponse', async (req) => {
		if (!req.raw.complete) linger(req.raw);
	});
	// No answer is sniffed into another type, and none is framed by another site.
	app.addHook('onSend', async (_req, reply) => {
		reply.header('x-content-type-options', 'nosniff');
		if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "frame-ancestors 'none'");
	});

	// The docs page's copy is made before the server listens: it names the server relatively ('/') unless
	// UPSCALE_PUBLIC_URL says where it is. /openapi.json names the server's address once it listens.
	await app.register(swagger, { mode: 'static', specification: { document: openApiDocument(version, ctx.config.publicUrl ?? '/') as never } });
	await publicScope(app, async (scope) => {
		await scope.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
	});
	app.get('/openapi.json', PUBLIC_ROUTE, async () => openApiDocument(version, ctx.baseUrl));

	jobsCreate(app, ctx);
	jobsRead(app, ctx);
	jobsCancel(app, ctx);
	jobsDownload(app, ctx);
	webhooksCreate(app, ctx);
	webhooksList(app, ctx);
	webhooksRead(app, ctx);
	webhooksDelete(app, ctx);
	credits(app, ctx);
	health(app, ctx);
	page(app, ctx);
	return app;
}
