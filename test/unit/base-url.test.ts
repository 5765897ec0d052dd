/** Every base URL (a vendor's, in the n8n node, Zapier, the CLI, the service and the bot): what is refused, in words, never repeating a password. */
import { baseUrlProblem, webAddressProblem } from '../../core';
import { vendorEnv } from '../../runtime';

const CLIPDROP = { name: 'Clipdrop', defaultBaseUrl: 'https://clipdrop-api.co' };

describe('base URLs', () => {
	it.each(['https://clipdrop-api.co', 'http://127.0.0.1:9/v1/', 'https://[::1]:8443/proxy'])('%s is fine', (u) => {
		expect(webAddressProblem(u)).toBeUndefined();
		expect(baseUrlProblem(u, CLIPDROP)).toBeUndefined();
	});

	it('a user name or password is refused and never repeated; so is a query or a fragment (the paths would go after it)', () => {
		expect(baseUrlProblem('https://me:hunter2-pw@proxy.example', CLIPDROP)).toBe('The Clipdrop Base URL must not hold a user name or password (it would travel in every link and log line). Nothing was sent.');
		expect(baseUrlProblem('https://proxy.example/?key=abc', CLIPDROP)).toBe('The Clipdrop Base URL must have no ?query or #fragment (the paths are added after it). Nothing was sent.');
		expect(() => vendorEnv('clipdrop', { CLIPDROP_BASE_URL: 'https://me:hunter2-pw@proxy.example' })).toThrow(/^CLIPDROP_BASE_URL must not hold a user name or password \(it would travel in every link and log line\)\.$/);
		expect(() => vendorEnv('ximilar', { XIMILAR_BASE_URL: 'https://api.ximilar.com#x' })).toThrow('XIMILAR_BASE_URL must have no ?query or #fragment (the paths are added after it).');
	});
});
