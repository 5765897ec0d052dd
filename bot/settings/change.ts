/**
 * The changes `/upscale-settings` makes (set, reset, the channel and role lists), each checked against the
 * operator's ceiling first; the answer is the refusal, or "saved" and the settings as they now are.
 */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { ProviderId } from '../../core';
import type { BotContext } from '../context';
import { t } from '../i18n';
import { overCeiling } from './ceiling';
import { MAX_LIST, type ListName, type ScalarSettings } from './store';
import { settingsView } from './view';

/** The option each list's subcommands take. */
export const LIST_OPTION = { channels: 'channel', roles: 'role' } as const;

/** The set subcommand's options, as settings (only those given). */
function patchOf(i: ChatInputCommandInteraction): ScalarSettings {
	const patch: ScalarSettings = {};
	const provider = i.options.getString('provider');
	const scale = i.options.getNumber('scale');
	const priv = i.options.getBoolean('private');
	const server = i.options.getInteger('server_credits');
	const member = i.options.getInteger('member_credits');
	if (provider !== null) patch.provider = provider as ProviderId;
	if (scale !== null) patch.scale = scale;
	if (priv !== null) patch.private = priv;
	if (server !== null) patch.serverDailyCredits = server;
	if (member !== null) patch.memberDailyCredits = member;
	return patch;
}

async function saved(ctx: BotContext, locale: string, guildId: string): Promise<string> {
	return `${t(locale, 'settings.saved')}\n${await settingsView(ctx, locale, guildId, await ctx.settings.get(guildId))}`;
}

async function set(i: ChatInputCommandInteraction, ctx: BotContext, guildId: string): Promise<string> {
	const patch = patchOf(i);
	if (!Object.keys(patch).length) return t(i.locale, 'settings.nothingToSet');
	const refusal = overCeiling(ctx, i.locale, await ctx.settings.get(guildId), patch);
	if (refusal) return refusal;
	await ctx.settings.set(guildId, patch);
	return saved(ctx, i.locale, guildId);
}

async function changeList(i: ChatInputCommandInteraction, ctx: BotContext, guildId: string, list: ListName): Promise<string> {
	const action = i.options.getSubcommand();
	if (action === 'clear') {
		await ctx.settings.clear(guildId, list);
		return saved(ctx, i.locale, guildId);
	}
	const id = String(i.options.get(LIST_OPTION[list], true).value);
	// Discord sends a channel's or a role's id; anything else (a hostile client) is not stored.
	if (!/^\d{17,20}$/.test(id)) return t(i.locale, 'settings.notAnId');
	const item = list === 'channels' ? `<#${id}>` : `<@&${id}>`;
	if (action === 'add' && !(await ctx.settings.add(guildId, list, id))) return t(i.locale, 'settings.listFull', { max: MAX_LIST });
	if (action === 'remove' && !(await ctx.settings.remove(guildId, list, id))) return t(i.locale, 'settings.notInList', { item });
	return saved(ctx, i.locale, guildId);
}

/** The answer to one use of the command by a member allowed to change the settings. */
export async function settingsAnswer(i: ChatInputCommandInteraction, ctx: BotContext, guildId: string): Promise<string> {
	const group = i.options.getSubcommandGroup(false);
	if (group === 'channels' || group === 'roles') return changeList(i, ctx, guildId, group);
	const sub = i.options.getSubcommand();
	if (sub === 'set') return set(i, ctx, guildId);
	if (sub === 'reset') {
		await ctx.settings.set(guildId, { provider: null, scale: null, private: null, serverDailyCredits: null, memberDailyCredits: null });
		return saved(ctx, i.locale, guildId);
	}
	return settingsView(ctx, i.locale, guildId, await ctx.settings.get(guildId));
}
