/** Which host names only a machine or a private network can reach (read as written; no DNS lookup). */
import { isPrivateHost } from '../../core';

describe('isPrivateHost', () => {
	it.each(['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.8.9.1', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.20', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '[::1]', 'fd12:3456::1', 'fe80::1', '::ffff:127.0.0.1', 'n8n', 'printer.local', 'db.internal', 'box.lan', 'nas.home.arpa', ''])(
		'%s is private',
		(h) => expect(isPrivateHost(h)).toBe(true),
	);

	it.each([
		// every spelling of an address is that address
		'2130706433', '0x7f000001', '0x7f.1', '0177.0.0.1', '127.1', '127.0.1', '127.0.0.1.', ' 127.0.0.1 ', '0', '[::ffff:7f00:1]', '::ffff:7f00:1', '[0:0:0:0:0:ffff:127.0.0.1]', '::FFFF:7F00:0001',
		'[::127.0.0.1]', '[::]', '::', '64:ff9b::7f00:1', '2002:7f00:1::', '2002:a9fe:a9fe::', 'fe80::1%eth0', 'FE80::1', '2001:db8::1', '2001::1', 'ff02::1', 'fec0::1', '100::1', '4000::1',
		'192.0.2.1', '198.18.0.1', '203.0.113.9', '224.0.0.1', '255.255.255.255', '240.0.0.1', '192.0.0.8', '192.88.99.1',
		// names: the local-only ones, any case, with the final dot, in full-width forms a URL parser folds
		'localhost.', 'LOCALHOST.', 'Printer.Local', 'printer.local.', '１２７.０.０.１', '127。0。0。1', 'ｌｏｃａｌｈｏｓｔ',
		// a colon no address has
		':::', '1::2::3',
	])('%s is private too', (h) => expect(isPrivateHost(h)).toBe(true));

	it.each(['api.ximilar.com', 'n8n.example.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700::1111', 'localhost.example.com', 'example.com.'])('%s is public', (h) => expect(isPrivateHost(h)).toBe(false));

	it.each(['134744072', '0x08080808', '[2606:4700::1111]', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::', 'API.Ximilar.com', 'local.example.com', 'internal.example.com'])('%s is public too', (h) => expect(isPrivateHost(h)).toBe(false));
});
