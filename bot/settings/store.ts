/**
 * A server's own settings for the bot (/upscale-settings): its default provider and scale, private answers by
 * default, its daily credits (the server's and each member's), and where the bot may be used (channels, roles).
 * Kept in BOT_DATA_DIR (sqlite-settings.ts), or in Redis with REDIS_URL (redis-settings.ts) so that every bot of a
 * fleet reads the same. What a value may be (the operator's ceiling) is ceiling.ts's; this only keeps them.
 */
import type { ProviderId } from '../../core';

export interface GuildSettings {
	/** Used when a member names no provider (absent: the bot's UPSCALE_DEFAULT_PROVIDER). */
	provider?: ProviderId;
	/** Used when a member gives no scale or size. */
	scale?: number;
	/** Answers only the member sees unless they ask otherwise. */
	private?: boolean;
	/** The server's daily credits, all members together (0 or absent: only the operator's ceiling). */
	serverDailyCredits?: number;
	/** Each member's daily credits in this server (0 or absent: only the operator's per-user cap). */
	memberDailyCredits?: number;
	/** The channels the bot works in (empty: all). */
	channels: string[];
	/** The roles whose members may use the bot (empty: everyone). */
	roles: string[];
}

export type ScalarSettings = Omit<GuildSettings, 'channels' | 'roles'>;
export type ListName = 'channels' | 'roles';

/** The most ids a list keeps (a refusal names it). */
export const MAX_LIST = 25;

export interface GuildSettingsStore {
	get(guildId: string): Promise<GuildSettings>;
	/** Changes the settings given (null: back to the bot's default). */
	set(guildId: string, patch: { [K in keyof ScalarSettings]?: ScalarSettings[K] | null }): Promise<void>;
	/** Adds an id; false when the list already holds MAX_LIST others. */
	add(guildId: string, list: ListName, id: string): Promise<boolean>;
	/** Removes an id; false when it was not there. */
	remove(guildId: string, list: ListName, id: string): Promise<boolean>;
	clear(guildId: string, list: ListName): Promise<void>;
	close?(): void;
}

export const SCALAR_KEYS = ['provider', 'scale', 'private', 'serverDailyCredits', 'memberDailyCredits'] as const satisfies ReadonlyArray<keyof ScalarSettings>;
