/**
 * A server's settings at admission, for every way of asking for an upscale (start-job.ts): where the bot may be
 * used (channels, roles), the server's defaults where the member gave none (provider, scale, private), and the
 * daily credit buckets the job counts against. A user-installed app (a server that did not add the bot, or DMs)
 * has no server settings: its use counts against the user's own bucket (BOT_USER_INSTALL_DAILY_CREDITS).
 */
import type { RepliableInteraction } from 'discord.js';
import type { ProviderId, UpscaleOptionsInput } from '../../core';
import { userInstallOnly } from '../commands/install';
import type { BotContext } from '../context';
import { t } from '../i18n';
import type { Bucket } from '../user-limits';
import { scaleProblem, serverProvider } from './ceiling';
import type { GuildSettings } from './store';

export interface Asked {
	provider: string | null;
	options: UpscaleOptionsInput;
	/** Absent: not asked (the server's default, else public). */
	private?: boolean;
}

export type ServerRules = { refusal: string } | { provider: string | null; options: UpscaleOptionsInput; private: boolean; buckets: Bucket[] };

/**
 * How long the server's settings may take to read (Redis hung, not down): Discord waits 3 s for an answer, and the
 * user's slot (start-job.ts) may take 2 s after this.
 */
const SETTINGS_MS = 800;

/** The server's settings, or an error when the store does not answer in time. */
function settingsOf(ctx: BotContext, guildId: string): Promise<GuildSettings> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the settings store did not answer within ${SETTINGS_MS} ms`)), SETTINGS_MS)));
	return Promise.race([ctx.settings.get(guildId), late]).finally(() => clearTimeout(timer));
}

/** The smallest cap that is set (0: none). */
function capOf(...caps: Array<number | undefined>): number {
	const set = caps.filter((c): c is number => !!c && c > 0);
	return set.length ? Math.min(...set) : 0;
}

/** The server the app is installed in for this interaction (null: a user install, or DMs). */
export function installedGuild(i: RepliableInteraction): string | null {
	return i.guildId && !userInstallOnly(i) ? i.guildId : null;
}

export const serverBucket = (guildId: string) => `server:${guildId}`;

/** The buckets a job here counts against besides its user's own. */
export function bucketsFor(ctx: BotContext, userId: string, guildId: string | null, s?: GuildSettings): Bucket[] {
	if (!guildId) return [{ id: `install:${userId}`, cap: ctx.config.userInstallDailyCreditCap, scope: 'user-install' }];
	return [
		{ id: serverBucket(guildId), cap: capOf(s?.serverDailyCredits, ctx.config.guildDailyCreditCap), scope: 'server' },
		{ id: `member:${guildId}:${userId}`, cap: capOf(s?.memberDailyCredits), scope: 'member' },
	];
}

/** The member's role ids (a cached GuildMember or the interaction's raw member). */
function rolesOf(i: RepliableInteraction): string[] {
	const roles = i.member?.roles;
	if (!roles) return [];
	return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

/** Where the bot may answer: the channel, or a thread's parent channel, is on the list (an empty list: everywhere). */
function channelAllowed(i: RepliableInteraction, channels: string[]): boolean {
	if (!channels.length || channels.includes(i.channelId ?? '')) return true;
	const parent = i.channel?.isThread() ? i.channel.parentId : null;
	return !!parent && channels.includes(parent);
}

/** A member's scale, else the server's when the provider takes it, else the provider's own default. */
function withScale(ctx: BotContext, provider: ProviderId, options: UpscaleOptionsInput, scale?: number): UpscaleOptionsInput {
	const sized = options.scale !== undefined || options.width !== undefined || options.height !== undefined;
	return sized || scale === undefined || scaleProblem(ctx, provider, scale) ? options : { ...options, scale };
}

/** The server's rules applied to what was asked: a refusal in the member's words, or the request with the server's defaults and buckets. */
export async function serverRules(i: RepliableInteraction, ctx: BotContext, asked: Asked): Promise<ServerRules> {
	const guildId = installedGuild(i);
	if (!guildId) return { provider: asked.provider, options: asked.options, private: asked.private ?? false, buckets: bucketsFor(ctx, i.user.id, null) };
	const s = await settingsOf(ctx, guildId);
	if (!channelAllowed(i, s.channels)) return { refusal: t(i.locale, 'settings.channelNotAllowed', { channels: s.channels.map((c) => `<#${c}>`).join(', ') }) };
	const roles = rolesOf(i);
	if (s.roles.length && !s.roles.some((r) => roles.includes(r))) return { refusal: t(i.locale, 'settings.roleNotAllowed', { roles: s.roles.map((r) => `<@&${r}>`).join(', ') }) };
	const provider = asked.provider ?? serverProvider(ctx, s);
	const options = ctx.upscalers[provider as ProviderId] ? withScale(ctx, provider as ProviderId, asked.options, s.scale) : asked.options;
	return { provider, options, private: asked.private ?? s.private ?? false, buckets: bucketsFor(ctx, i.user.id, guildId, s) };
}
