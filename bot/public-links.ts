/**
 * The bot's own links to results that do not fit on Discord (BOT_PUBLIC_URL): `<base>/r/<job>?exp=…&sig=…`, signed
 * with HMAC-SHA256 (runtime/signed-links.ts, the data directory's link-secret) and valid for BOT_PUBLIC_LINK_HOURS.
 * The result file is kept that long under BOT_DATA_DIR/public/ (a hard link to the job's result, so the outbox
 * removing the result after delivery does not remove it), with its name and type beside it, and removed after.
 * public-links-server.ts serves them.
 */
import { copyFile, link, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeDirs } from '../runtime/make-dirs';
import { join } from 'node:path';
import { checkLink, linkSignature, loadLinkSecret, type LinkCheck } from '../runtime/signed-links';

const PURPOSE = 'bot-result:v1';
/** A job id as it may appear in a link and a file name (Discord snowflakes, UUIDs): nothing that can climb out of the folder. */
export const LINK_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** What is kept beside a linked file. */
export interface KeptMeta {
	name: string;
	type: string;
	/** When the link expires and the file is removed (ms). */
	expires: number;
}

export interface PublicLink {
	url: string;
	expiresAt: number;
}

export class PublicLinks {
	readonly dir: string;
	readonly ttlMs: number;
	private readonly secret: Buffer;
	private readonly base: string;

	constructor(opts: { dataDir: string; baseUrl: string; ttlMs: number }, secret?: Buffer) {
		this.dir = join(opts.dataDir, 'public');
		makeDirs(this.dir, 0o700);
		this.secret = secret ?? loadLinkSecret(opts.dataDir);
		this.base = opts.baseUrl.replace(/\/+$/, '');
		this.ttlMs = opts.ttlMs;
	}

	private paths(jobId: string) {
		if (!LINK_ID.test(jobId)) throw new Error('not a job id a link can name');
		return { file: join(this.dir, jobId), meta: join(this.dir, `${jobId}.json`) };
	}

	/** The link to `jobId`'s result at `path`, kept until the link expires. */
	async make(jobId: string, path: string, file: { name: string; contentType: string }, now = Date.now()): Promise<PublicLink> {
		const p = this.paths(jobId);
		const expires = Math.floor((now + this.ttlMs) / 1000);
		const tmp = `${p.file}.${process.pid}.tmp`;
		// What is kept beside it first: a crash in between leaves a record the sweep clears, never a file nothing removes.
		const meta: KeptMeta = { name: file.name, type: file.contentType, expires: expires * 1000 };
		await writeFile(`${tmp}.json`, JSON.stringify(meta), { mode: 0o600 });
		await rename(`${tmp}.json`, p.meta);
		await rm(tmp, { force: true });
		// A hard link costs no space; across file systems (a data dir split over volumes), a copy.
		await link(path, tmp).catch(() => copyFile(path, tmp));
		await rename(tmp, p.file);
		return { url: `${this.base}/r/${jobId}?exp=${expires}&sig=${linkSignature(this.secret, PURPOSE, jobId, expires)}`, expiresAt: expires * 1000 };
	}

	/** Whether a link's exp and sig were made here for this job, and still hold. */
	check(jobId: string, exp: string, sig: string, now = Date.now()): LinkCheck {
		return checkLink(this.secret, PURPOSE, jobId, exp, sig, now);
	}

	/** A kept result: its file and what was kept beside it, or undefined when it is not (or no longer) here. */
	async kept(jobId: string, now = Date.now()): Promise<{ file: string; meta: KeptMeta } | undefined> {
		if (!LINK_ID.test(jobId)) return undefined;
		const p = this.paths(jobId);
		const meta = await readFile(p.meta, 'utf8').then(
			(t) => JSON.parse(t) as KeptMeta,
			() => undefined,
		);
		return meta && meta.expires > now ? { file: p.file, meta } : undefined;
	}

	/** Removes the kept results whose links have expired (and leftovers of an interrupted make). */
	async sweep(now = Date.now()): Promise<number> {
		makeDirs(this.dir, 0o700);
		let removed = 0;
		for (const name of await readdir(this.dir)) {
			if (name.endsWith('.tmp') || name.endsWith('.tmp.json')) {
				// Left by a make that was interrupted (an hour is far longer than any make takes).
				const s = await stat(join(this.dir, name)).catch(() => undefined);
				if (s && now - s.mtimeMs > 3_600_000) await rm(join(this.dir, name), { force: true });
				continue;
			}
			if (!name.endsWith('.json')) continue;
			const id = name.slice(0, -5);
			if (!LINK_ID.test(id) || (await this.kept(id, now))) continue;
			await rm(join(this.dir, id), { force: true });
			await rm(join(this.dir, name), { force: true });
			removed++;
		}
		return removed;
	}
}
