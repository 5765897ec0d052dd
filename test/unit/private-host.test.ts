/** Which host names only a machine or a private network can reach (read as written; no DNS lookup). */
import { isPrivateHost } from '../../core';

describe('isPrivateHost', () => {
	it.each(['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.8.9.1', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '[::1]', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', 'n8n', 'printer.local', 'db.internal', 'box.lan', 'nas.home.arpa', ''])(
		'%s is private',
		(h) => expect(isPrivateHost(h)).toBe(true),
	);

	it.each(['api.ximilar.com', 'n8n.example.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700::1111', 'localhost.example.com', 'example.com.'])('%s is public', (h) => expect(isPrivateHost(h)).toBe(false));
});
