/** The signed links shared by the job service's download_url and the bot's result links (runtime/signed-links.ts). */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLink, linkSignature, loadLinkSecret } from '../../runtime/signed-links';

const dir = () => mkdtempSync(join(tmpdir(), 'signed-links-'));
const NOW = Date.UTC(2026, 11, 5, 12);
const LATER = Math.floor(NOW / 1000) + 3600;

describe('loadLinkSecret', () => {
	it('makes a 32-byte secret once, private (0600), and reads the same one again', () => {
		const d = dir();
		const a = loadLinkSecret(d);
		expect(a.length).toBe(32);
		expect(statSync(join(d, 'link-secret')).mode & 0o777).toBe(0o600);
		expect(loadLinkSecret(d).equals(a)).toBe(true);
		expect(loadLinkSecret(dir()).equals(a)).toBe(false);
	});

	it('refuses a file it did not make, saying how to recover', () => {
		const d = dir();
		writeFileSync(join(d, 'link-secret'), 'short\n');
		expect(() => loadLinkSecret(d)).toThrow(/is not a link secret this server made \(delete it to make a new one/);
		expect(readFileSync(join(d, 'link-secret'), 'utf8')).toBe('short\n');
	});
});

describe('checkLink', () => {
	const secret = loadLinkSecret(dir());
	const sig = linkSignature(secret, 'bot-result:v1', '1234', LATER);

	it('accepts what it signed until the expiry, then says expired', () => {
		expect(checkLink(secret, 'bot-result:v1', '1234', String(LATER), sig, NOW)).toBe('valid');
		expect(checkLink(secret, 'bot-result:v1', '1234', String(LATER), sig, LATER * 1000)).toBe('expired');
	});

	it.each([
		['another subject', 'bot-result:v1', '1235', String(LATER), sig],
		['another purpose (a download link used as a result link)', 'download:v1', '1234', String(LATER), sig],
		['a later expiry', 'bot-result:v1', '1234', String(LATER + 1), sig],
		['an expiry that is not a number', 'bot-result:v1', '1234', `${LATER}.0`, sig],
		['a changed signature', 'bot-result:v1', '1234', String(LATER), `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`],
		['added padding', 'bot-result:v1', '1234', String(LATER), `${sig}=`],
		['no signature', 'bot-result:v1', '1234', String(LATER), ''],
		['no expiry', 'bot-result:v1', '1234', '', sig],
	])('refuses %s', (_, purpose, subject, expires, signature) => {
		expect(checkLink(secret, purpose, subject, expires, signature, NOW)).toBe('invalid');
	});

	it('an expired link with a changed signature is invalid, not expired (expiry is only told of real links)', () => {
		expect(checkLink(secret, 'bot-result:v1', '1234', String(LATER), 'x'.repeat(sig.length), LATER * 1000 + 1)).toBe('invalid');
	});

	it("another data directory's secret does not verify it", () => {
		expect(checkLink(loadLinkSecret(dir()), 'bot-result:v1', '1234', String(LATER), sig, NOW)).toBe('invalid');
	});
});
