/**
 * The service's embedded database: SQLite compiled to WebAssembly (node-sqlite3-wasm), so it installs anywhere with
 * no native build and no download, and writes a real file in the data directory. Its calls are synchronous, which
 * the service relies on: a check and the insert that follows it cannot interleave with another request.
 *
 * Its only lock between processes is a directory beside the file (`jobs.db.lock`), made and removed for every
 * transaction: two syscalls that cost about a millisecond each on this kind of disk, many times per request. The
 * server's own database (jobs.db) is therefore opened `exclusive`: SQLite takes the lock once and keeps it while the
 * server runs (0.04 ms a transaction instead of 1 ms, measured). That is safe because one server owns a data
 * directory (serve.lock, see lock.ts), which is also why a lock directory left by a killed server is removed on
 * open. keys.db stays shared: `upscale keys` writes it while the server reads it.
 */
import { rmSync } from 'node:fs';
import { Database } from 'node-sqlite3-wasm';

export type Row = Record<string, number | bigint | string | Uint8Array | null>;
export type Params = Record<string, number | string | boolean | null | undefined> | Array<number | string | boolean | null>;

export class Db {
	private readonly db: Database;

	/** `exclusive`: only for a file the caller alone may open (it holds serve.lock). */
	constructor(path: string, migrations: readonly string[], opts: { exclusive?: boolean } = {}) {
		if (opts.exclusive) rmSync(`${path}.lock`, { recursive: true, force: true });
		this.db = new Database(path);
		if (opts.exclusive) this.db.exec('PRAGMA locking_mode = EXCLUSIVE');
		// A kill -9 cannot lose a committed write (the operating system keeps it); a power cut could lose the last
		// ones. Without fsync a commit takes microseconds instead of milliseconds.
		this.db.exec('PRAGMA synchronous = OFF');
		this.db.exec('PRAGMA foreign_keys = ON');
		this.migrate(migrations);
	}

	private migrate(migrations: readonly string[]): void {
		const version = Number((this.db.get('PRAGMA user_version') as Row).user_version);
		for (let v = version; v < migrations.length; v++) {
			this.tx(() => {
				this.db.exec(migrations[v]);
				this.db.exec(`PRAGMA user_version = ${v + 1}`);
			});
		}
	}

	run(sql: string, params?: Params): number {
		return this.db.run(sql, clean(params)).changes;
	}

	get<T = Row>(sql: string, params?: Params): T | undefined {
		return (this.db.get(sql, clean(params)) as T | null) ?? undefined;
	}

	all<T = Row>(sql: string, params?: Params): T[] {
		return this.db.all(sql, clean(params)) as T[];
	}

	/** Runs work in one transaction (rolled back if it throws). */
	tx<T>(work: () => T): T {
		this.db.exec('BEGIN IMMEDIATE');
		try {
			const r = work();
			this.db.exec('COMMIT');
			return r;
		} catch (e) {
			if (this.db.inTransaction) this.db.exec('ROLLBACK');
			throw e;
		}
	}

	close(): void {
		if (this.db.isOpen) this.db.close();
	}
}

/** Named parameters as SQLite binds them (`:name`), undefined as NULL. */
function clean(params?: Params) {
	if (!params || Array.isArray(params)) return params;
	return Object.fromEntries(Object.entries(params).map(([k, v]) => [`:${k}`, v === undefined ? null : v]));
}
