/**
 * The HTTP server behind BOT_PUBLIC_URL: GET and HEAD `/r/<job>?exp=…&sig=…` answer a kept result (public-links.ts)
 * with its type, size and name (inline, RFC 6266 with RFC 8187 for any script). A changed link: 403; an expired
 * one: 410; a result not (or no longer) here, or any other path: 404; another method: 405. Short plain texts, no
 * detail a stranger could use. Node's http server: one route needs no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { listenProblem } from '../runtime/listen-error';
import type { Logger } from '../runtime/log';
import { attachmentDisposition } from '../runtime/content-disposition';
import type { PublicLinks } from './public-links';

/** How often results whose links expired are removed (a link is refused from its expiry on, whatever is on disk). */
const SWEEP_MS = 3_600_000;
const ROUTE = /^\/r\/([A-Za-z0-9_-]{1,100})$/;
/** The types a kept result is served as; anything else as bytes to save (never HTML a browser would run). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/avif', 'image/gif', 'image/tiff']);

function plain(res: ServerResponse, status: number, text: string, head: boolean, extra: Record<string, string> = {}): void {
	const body = Buffer.from(`${text}\n`);
	res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
	res.end(head ? undefined : body);
}

async function answer(links: PublicLinks, req: IncomingMessage, res: ServerResponse): Promise<void> {
	const head = req.method === 'HEAD';
	if (req.method !== 'GET' && !head) return plain(res, 405, 'Only GET and HEAD are allowed here.', false, { allow: 'GET, HEAD' });
	let url: URL;
	try {
		url = new URL(req.url ?? '/', 'http://bot.invalid');
	} catch {
		return plain(res, 404, 'Not found.', head);
	}
	const route = ROUTE.exec(url.pathname);
	if (!route) return plain(res, 404, 'Not found.', head);
	const job = route[1];
	const exp = url.searchParams.getAll('exp');
	const sig = url.searchParams.getAll('sig');
	const check = exp.length === 1 && sig.length === 1 ? links.check(job, exp[0], sig[0]) : 'invalid';
	if (check === 'invalid') return plain(res, 403, 'This link is not valid: it was changed, or this bot did not make it.', head);
	if (check === 'expired') return plain(res, 410, `This link expired at ${new Date(Number(exp[0]) * 1000).toISOString()} and the result was deleted.`, head);
	const kept = await links.kept(job);
	const fh = kept && (await open(kept.file, 'r').catch(() => undefined));
	if (!kept || !fh) return plain(res, 404, 'This result is no longer here.', head);
	try {
		const { size } = await fh.stat();
		const type = IMAGE_TYPES.has(kept.meta.type) ? kept.meta.type : 'application/octet-stream';
		const disposition = attachmentDisposition(kept.meta.name).replace(/^attachment/, 'inline');
		const maxAge = Math.max(0, Math.floor((Number(exp[0]) * 1000 - Date.now()) / 1000));
		res.writeHead(200, { 'content-type': type, 'content-length': size, 'content-disposition': disposition, 'cache-control': `private, max-age=${maxAge}`, 'x-content-type-options': 'nosniff' });
		if (head) return void res.end();
		await pipeline(fh.createReadStream({ autoClose: false }), res);
	} finally {
		await fh.close();
	}
}

/**
 * A connection with nothing sent or received this long is closed (a reader that stopped, a sender that stalled).
 * Node checks a stalled write twice before it calls the socket idle: such a reader goes within 2 × IDLE_MS.
 */
const IDLE_MS = 15_000;
/** Connections at once (each may hold a result file open while it downloads). */
const MAX_CONNECTIONS = 256;

/** Starts the server on `host`:`port` (0: any free port), and the hourly removal of expired results; resolves once it listens. */
export async function startPublicLinksServer(links: PublicLinks, where: { host: string; port: number }, log: Logger): Promise<{ server: Server; port: number; close(): Promise<void> }> {
	const server = createServer((req, res) => {
		answer(links, req, res).catch((e: Error) => {
			log.warn('public link: could not answer', { error: e.message });
			if (!res.headersSent) plain(res, 500, 'Something went wrong on the bot’s side.', req.method === 'HEAD');
			else res.destroy();
		});
	});
	server.headersTimeout = 10_000;
	server.requestTimeout = 60_000;
	// Those two bound receiving a request, not sending the answer: a client that stops reading (its window full, the
	// socket idle) is dropped after this long, its file closed; and there is a cap on connections at once.
	server.timeout = IDLE_MS;
	server.maxConnections = MAX_CONNECTIONS;
	await new Promise<void>((resolve, reject) => {
		server.once('error', (e: NodeJS.ErrnoException) => {
			const at = `${where.host}:${where.port}`;
			reject(new Error(`the bot's link server (BOT_PUBLIC_URL) cannot listen on ${at}: ${listenProblem(e, { host: 'BOT_PUBLIC_HOST', port: 'BOT_PUBLIC_PORT' })}`));
		});
		server.listen(where.port, where.host, () => resolve());
	});
	const port = (server.address() as { port: number }).port;
	log.info('public links: listening', { host: where.host, port });
	const sweep = () => void links.sweep().catch((e: Error) => log.warn('public links: could not remove expired results', { error: e.message }));
	sweep();
	const timer = setInterval(sweep, SWEEP_MS).unref();
	return {
		server,
		port,
		close: () =>
			new Promise<void>((resolve) => {
				clearInterval(timer);
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
