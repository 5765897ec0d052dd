/**
 * The servers' settings of a bot on its own (no REDIS_URL): `settings.db` under BOT_DATA_DIR, which this process
 * owns (bot.lock), so a restart keeps them.
 */
import { join } from 'node:path';
import { Db } from '../../runtime/jobs/db';
import { MAX_LIST, SCALAR_KEYS, type GuildSettings, type GuildSettingsStore, type ListName, type ScalarSettings } from './store';

const MIGRATIONS: readonly string[] = [
	`
	CREATE TABLE guild_settings (
		guild_id TEXT PRIMARY KEY,
		settings TEXT NOT NULL          -- JSON: the scalar settings that are set
	);
	CREATE TABLE guild_lists (
		guild_id TEXT NOT NULL,
		list TEXT NOT NULL,             -- channels | roles
		id TEXT NOT NULL,
		PRIMARY KEY (guild_id, list, id)
	);
	`,
];

export class SqliteGuildSettings implements GuildSettingsStore {
	private readonly db: Db;

	constructor(dataDir: string) {
		this.db = new Db(join(dataDir, 'settings.db'), MIGRATIONS, { exclusive: true });
	}

	private scalars(guildId: string): ScalarSettings {
		const row = this.db.get<{ settings: string }>('SELECT settings FROM guild_settings WHERE guild_id = :guildId', { guildId });
		return row ? (JSON.parse(row.settings) as ScalarSettings) : {};
	}

	private list(guildId: string, list: ListName): string[] {
		return this.db.all<{ id: string }>('SELECT id FROM guild_lists WHERE guild_id = :guildId AND list = :list ORDER BY rowid', { guildId, list }).map((r) => r.id);
	}

	async get(guildId: string): Promise<GuildSettings> {
		return { ...this.scalars(guildId), channels: this.list(guildId, 'channels'), roles: this.list(guildId, 'roles') };
	}

	async set(guildId: string, patch: { [K in keyof ScalarSettings]?: ScalarSettings[K] | null }): Promise<void> {
		this.db.tx(() => {
			const s: Record<string, unknown> = { ...this.scalars(guildId) };
			for (const k of SCALAR_KEYS) {
				if (patch[k] === null) delete s[k];
				else if (patch[k] !== undefined) s[k] = patch[k];
			}
			this.db.run('INSERT INTO guild_settings (guild_id, settings) VALUES (:guildId, :s) ON CONFLICT (guild_id) DO UPDATE SET settings = :s', { guildId, s: JSON.stringify(s) });
		});
	}

	async add(guildId: string, list: ListName, id: string): Promise<boolean> {
		return this.db.tx(() => {
			const ids = this.list(guildId, list);
			if (ids.includes(id)) return true;
			if (ids.length >= MAX_LIST) return false;
			this.db.run('INSERT INTO guild_lists (guild_id, list, id) VALUES (:guildId, :list, :id)', { guildId, list, id });
			return true;
		});
	}

	async remove(guildId: string, list: ListName, id: string): Promise<boolean> {
		return this.db.run('DELETE FROM guild_lists WHERE guild_id = :guildId AND list = :list AND id = :id', { guildId, list, id }) > 0;
	}

	async clear(guildId: string, list: ListName): Promise<void> {
		this.db.run('DELETE FROM guild_lists WHERE guild_id = :guildId AND list = :list', { guildId, list });
	}

	close(): void {
		this.db.close();
	}
}
