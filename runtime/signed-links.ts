/**
 * Signed expiring links, shared by the job service's download_url and the bot's result links: an HMAC-SHA256 over
 * the link's purpose, its subject (a job id) and its expiry (whole seconds), with a secret kept in the data directory.
 *
 * The secret (link-secret: 32 random bytes, base64url, mode 0600) is made once by the first process that starts on
 * the directory and read by every later one, so it survives restarts and a fleet on a shared volume signs with one
 * secret. Deleting the file (and restarting) revokes every link given out. It is never logged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET_FILE = 'link-secret';
const SECRET_BYTES = 32;

/** The data directory's link secret, made the first time (two processes starting at once agree: the first file wins). */
export function loadLinkSecret(dataDir: string): Buffer {
	const path = join(dataDir, SECRET_FILE);
	const read = () => {
		const text = readFileSync(path, 'utf8').trim();
		const secret = Buffer.from(text, 'base64url');
		if (secret.length < SECRET_BYTES) throw new Error(`${path} is not a link secret this server made (delete it to make a new one; links given out stop working)`);
		return secret;
	};
	try {
		return read();
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
	}
	// Written whole under a private name, then linked into place: a reader never sees half a secret, and of two
	// processes making one at once, the second finds the first's.
	const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
	writeFileSync(tmp, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
	try {
		linkSync(tmp, path);
	} catch (e) {
		if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
	} finally {
		rmSync(tmp, { force: true });
	}
	return read();
}

/** The signature of a link (base64url): `purpose` keeps one kind of link from being used as another. */
export function linkSignature(secret: Buffer, purpose: string, subject: string, expires: number): string {
	return createHmac('sha256', secret).update(`${purpose}:${subject}:${expires}`).digest('base64url');
}

/** What a link's expiry and signature say: made here and still valid, made here but expired, or not made here. */
export type LinkCheck = 'valid' | 'expired' | 'invalid';

/**
 * Checks a link's `expires` (whole seconds, as text) and `signature`, comparing the text this code writes (a decoder
 * would forgive changed padding) in constant time. Expired is only said of a link this secret signed.
 */
export function checkLink(secret: Buffer, purpose: string, subject: string, expires: string, signature: string, now = Date.now()): LinkCheck {
	const given = Buffer.from(signature);
	const wanted = Buffer.from(/^\d{1,12}$/.test(expires) ? linkSignature(secret, purpose, subject, Number(expires)) : '');
	if (!wanted.length || given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'invalid';
	return Number(expires) * 1000 <= now ? 'expired' : 'valid';
}
