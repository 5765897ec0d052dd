/**
 * Client keys: made by `upscale keys create`, stored hashed (SHA-256: the keys are 192 random bits, so a slow hash
 * adds nothing) in keys.db next to the jobs, each with its own webhook signing secret. Only `upscale keys` writes
 * this file; the server reads it, and sees a new or revoked key on the next request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Db } from '../../runtime/jobs/db';

export interface ClientKey {
	id: string;
	name: string;
	webhookSecret: string;
	createdAt: number;
	revokedAt: number | null;
}

const MIGRATIONS = [
	`CREATE TABLE keys (
		id TEXT PRIMARY KEY,
		hash TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		webhook_secret TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		revoked_at INTEGER
	)`,
];

export const keysFile = (dataDir: string) => join(dataDir, 'keys.db');

export const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

type KeyRow = { id: string; name: string; webhook_secret: string; created_at: number; revoked_at: number | null };
const toKey = (r: KeyRow): ClientKey => ({ id: r.id, name: r.name, webhookSecret: r.webhook_secret, createdAt: r.created_at, revokedAt: r.revoked_at });

export class KeyStore {
	private constructor(private readonly db: Db) {}

	static open(dataDir: string): KeyStore {
		return new KeyStore(new Db(keysFile(dataDir), MIGRATIONS));
	}

	/** A new key: the key itself and its webhook secret are returned once and never stored in clear (the secret is kept to sign). */
	create(name: string, now = Date.now()): { key: string; client: ClientKey } {
		const key = `usk_${randomBytes(24).toString('base64url')}`;
		const id = `key_${randomBytes(6).toString('hex')}`;
		const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
		this.db.run('INSERT INTO keys (id, hash, name, webhook_secret, created_at) VALUES (:id, :hash, :name, :secret, :now)', { id, hash: hashKey(key), name, secret: webhookSecret, now });
		return { key, client: { id, name, webhookSecret, createdAt: now, revokedAt: null } };
	}

	list(): ClientKey[] {
		return this.db.all<KeyRow>('SELECT * FROM keys ORDER BY created_at').map(toKey);
	}

	/** True when a key with that id was active and is now revoked. */
	revoke(id: string, now = Date.now()): boolean {
		return this.db.run('UPDATE keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL', { id, now }) > 0;
	}

	byHash(hash: string): ClientKey | undefined {
		const r = this.db.get<KeyRow>('SELECT * FROM keys WHERE hash = :hash AND revoked_at IS NULL', { hash });
		return r ? toKey(r) : undefined;
	}

	byId(id: string): ClientKey | undefined {
		const r = this.db.get<KeyRow>('SELECT * FROM keys WHERE id = :id', { id });
		return r ? toKey(r) : undefined;
	}

	close(): void {
		this.db.close();
	}
}

/** The server's view of keys.db: reopened whenever `upscale keys` changed it, so a new key works at once. */
export class KeyFile {
	private store?: KeyStore;
	private stamp = '';

	constructor(private readonly dataDir: string) {}

	current(): KeyStore | undefined {
		const file = keysFile(this.dataDir);
		if (!existsSync(file)) return undefined;
		const s = statSync(file);
		const stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
		if (!this.store || stamp !== this.stamp) {
			this.store?.close();
			this.store = KeyStore.open(this.dataDir);
			this.stamp = stamp;
		}
		return this.store;
	}

	close(): void {
		this.store?.close();
		this.store = undefined;
	}
}
