/**
 * HTTP spoken by hand over a socket, for what fetch would never send: request targets exactly as written (percent
 * escapes, dot segments, absolute form), and clients that trickle their bytes or go quiet.
 */
import net from 'node:net';

export interface RawAnswer {
	/** The status of the first answer, or 0 when the server closed without answering. */
	status: number;
	text: string;
	/** When the server closed the connection, in ms after the first byte was sent (undefined: still open at the end). */
	closedAfterMs?: number;
}

/**
 * Opens a connection, writes `head` then each of `trickle` (one every `everyMs`) until the server closes the
 * connection or `giveUpMs` passes, and returns what came back.
 */
export function rawExchange(port: number, head: string | Buffer, opts: { trickle?: Array<string | Buffer>; everyMs?: number; giveUpMs?: number } = {}): Promise<RawAnswer> {
	return new Promise((resolve) => {
		const started = Date.now();
		const socket = net.connect(port, '127.0.0.1');
		const chunks: Buffer[] = [];
		let timer: NodeJS.Timeout | undefined;
		let closedAfterMs: number | undefined;
		const finish = () => {
			clearInterval(timer);
			clearTimeout(stop);
			socket.destroy();
			const text = Buffer.concat(chunks).toString('latin1');
			const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
			resolve({ status: m ? Number(m[1]) : 0, text, closedAfterMs });
		};
		const stop = setTimeout(finish, opts.giveUpMs ?? 10_000);
		socket.on('data', (b) => chunks.push(b));
		socket.on('error', () => undefined);
		socket.on('close', () => {
			closedAfterMs = Date.now() - started;
			finish();
		});
		socket.write(head);
		const rest = [...(opts.trickle ?? [])];
		if (rest.length) {
			timer = setInterval(() => {
				const next = rest.shift();
				if (next === undefined || socket.destroyed) return clearInterval(timer);
				socket.write(next);
			}, opts.everyMs ?? 500);
		}
	});
}

/** A complete request with `Connection: close`; answers with the status and the text. */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
	const all = { host: '127.0.0.1', connection: 'close', ...headers };
	const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)];
	return rawExchange(port, `${lines.join('\r\n')}\r\n\r\n`, { giveUpMs: 10_000 });
}
