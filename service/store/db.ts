/**
 * The service's embedded database: SQLite compiled to WebAssembly (node-sqlite3-wasm), so it installs anywhere with
 * no native build and no download, and writes a real file in the data directory. Its calls are synchronous, which
 * the service relies on: a check and the insert that follows it cannot interleave with another request.
 * It has no file locking, so one server owns a data directory at a time (see lock.ts); `upscale keys` writes to
 * its own file (keys.db), which the server only reads.
 */
import { Database } from 'node-sqlite3-wasm';

export type Row = Record<string, number | bigint | string | Uint8Array | null>;
export type Params = Record<string, number | string | boolean | null | undefined> | Array<number | string | boolean | null>;

export class Db {
	private readonly db: Database;

	constructor(path: string, migrations: readonly string[]) {
		this.db = new Database(path);
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
