/**
 * /upscale-settings: a server's own settings for the bot (bot/settings/), for members with Manage Server
 * (Discord's default_member_permissions, and checked again here). `view`; `set` a default provider, scale,
 * privacy and daily credits (the server's, each member's); `reset`; `channels` and `roles` add/remove/clear. The
 * operator's environment stays the ceiling (bot/settings/ceiling.ts). Every answer is ephemeral.
 */
import {
	ApplicationIntegrationType,
	InteractionContextType,
	PermissionFlagsBits,
	SlashCommandBuilder,
	type SlashCommandSubcommandBuilder,
	type SlashCommandSubcommandGroupBuilder,
} from 'discord.js';
import { OPTION_FIELDS, PROVIDER_NAMES, type ProviderId } from '../../core';
import { allowedHere } from '../allowed-guilds';
import { ephemeral } from '../delivery';
import { localizations, t, type MessageKey } from '../i18n';
import { messages } from '../messages';
import { installedGuild } from '../settings/admission';
import { LIST_OPTION, settingsAnswer } from '../settings/change';
import type { Command } from './index';

type Described = { setDescription(d: string): Described; setDescriptionLocalizations(l: Record<string, string>): Described };
type Named = Described & { setName(n: string): Named; setNameLocalizations(l: Record<string, string>): Named };

const described = <T extends Described>(b: T, key: MessageKey): T => b.setDescription(t('en', key)).setDescriptionLocalizations(localizations(key)) as T;

/** An option's name and description in every locale. */
function named<T extends Named>(o: T, option: string): T {
	const name = `cmd.settings.${option}.name` as MessageKey;
	return described(o.setName(t('en', name)).setNameLocalizations(localizations(name)) as T, `cmd.settings.${option}.description` as MessageKey);
}

const choice = (p: ProviderId) =>
	p === 'local' ? { name: t('en', 'cmd.upscale.provider.local'), name_localizations: localizations('cmd.upscale.provider.local'), value: p } : { name: PROVIDER_NAMES[p], value: p };

const SCALE = OPTION_FIELDS.find((f) => f.key === 'scale')!;
const MAX_CREDITS = 1_000_000;

function setCommand(s: SlashCommandSubcommandBuilder, providers: ProviderId[]): SlashCommandSubcommandBuilder {
	return described(s.setName('set'), 'cmd.settings.set.description')
		.addStringOption((o) => named(o, 'provider').addChoices(...providers.map(choice)))
		.addNumberOption((o) => named(o, 'scale').setMinValue(SCALE.min!).setMaxValue(SCALE.max!))
		.addBooleanOption((o) => named(o, 'private'))
		.addIntegerOption((o) => named(o, 'server_credits').setMinValue(0).setMaxValue(MAX_CREDITS))
		.addIntegerOption((o) => named(o, 'member_credits').setMinValue(0).setMaxValue(MAX_CREDITS));
}

/** `channels` or `roles`: add, remove, clear. */
function listGroup(g: SlashCommandSubcommandGroupBuilder, list: 'channels' | 'roles'): SlashCommandSubcommandGroupBuilder {
	const option = LIST_OPTION[list];
	const withItem = (s: SlashCommandSubcommandBuilder) => (list === 'channels' ? s.addChannelOption((o) => named(o, option).setRequired(true)) : s.addRoleOption((o) => named(o, option).setRequired(true)));
	return described(g.setName(list), `cmd.settings.${list}.description`)
		.addSubcommand((s) => withItem(described(s.setName('add'), 'cmd.settings.add.description')))
		.addSubcommand((s) => withItem(described(s.setName('remove'), 'cmd.settings.remove.description')))
		.addSubcommand((s) => described(s.setName('clear'), 'cmd.settings.clear.description'));
}

export const upscaleSettings: Command = {
	name: 'upscale-settings',
	data: (providers) =>
		described(new SlashCommandBuilder().setName('upscale-settings'), 'cmd.settings.description')
			// A server's settings: for a server that installed the bot, in that server only, for Manage Server.
			.setIntegrationTypes([ApplicationIntegrationType.GuildInstall])
			.setContexts([InteractionContextType.Guild])
			.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
			.addSubcommand((s) => described(s.setName('view'), 'cmd.settings.view.description'))
			.addSubcommand((s) => setCommand(s, providers))
			.addSubcommand((s) => described(s.setName('reset'), 'cmd.settings.reset.description'))
			.addSubcommandGroup((g) => listGroup(g, 'channels'))
			.addSubcommandGroup((g) => listGroup(g, 'roles')),

	async execute(i, ctx) {
		if (!i.isChatInputCommand()) return;
		if (!allowedHere(i, ctx.config)) return void (await ephemeral(i, messages(i.locale).notAllowedGuild));
		const guildId = installedGuild(i);
		if (!guildId) return void (await ephemeral(i, t(i.locale, 'settings.guildOnly')));
		// Discord hides the command from others by default, but a server can grant it to anyone: the permission decides.
		if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return void (await ephemeral(i, t(i.locale, 'settings.needPermission')));
		let answer: string;
		try {
			answer = await settingsAnswer(i, ctx, guildId);
		} catch (e) {
			ctx.log.error('settings store not answering', { interaction: i.id, guild: guildId, error: (e as Error).message });
			answer = t(i.locale, 'settings.storeDown');
		}
		await ephemeral(i, answer);
	},
};
