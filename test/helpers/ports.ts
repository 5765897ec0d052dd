/** A free TCP port on the loopback interface, for a server a test starts itself (n8n, Redis). */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
	return new Promise((res, rej) => {
		const s = createServer();
		s.listen(0, '127.0.0.1', () => {
			const port = (s.address() as { port: number }).port;
			s.close(() => res(port));
		});
		s.on('error', rej);
	});
}
