/** /upscale-credits: the credits left on the owner's accounts, and the queue (members with Manage Server only). */
import { ApplicationIntegrationType, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { VendorId } from '../../core';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { localizations, t } from '../i18n';
import { messages, type Messages } from '../messages';
import { allowedHere } from '../allowed-guilds';
import type { Command } from './index';

/** One line per vendor: its account balance, or the last one a job reported when the vendor says it only then. */
async function vendorLines(ctx: BotContext, text: Messages): Promise<string[]> {
	const lines: string[] = [];
	for (const [id, client] of Object.entries(ctx.vendors) as Array<[VendorId, NonNullable<BotContext['vendors'][VendorId]>]>) {
		const name = client.vendor.name;
		if (client.vendor.balanceFrom === 'account') {
			const b = await client.balance().catch((e: Error) => ({ error: e.message }));
			lines.push('error' in b ? text.balanceUnreadable(name, b.error) : text.balance(name, b.remaining));
		} else {
			const seen = await ctx.jobs.lastCredits(id).catch(() => undefined);
			lines.push(seen ? text.balanceSeen(name, seen.remaining, seen.at) : text.balanceWithJobOnly(name));
		}
	}
	return lines;
}

export const upscaleCredits: Command = {
	name: 'upscale-credits',
	data: () =>
		new SlashCommandBuilder()
			.setName('upscale-credits')
			.setDescription(t('en', 'cmd.credits.description'))
			.setDescriptionLocalizations(localizations('cmd.credits.description'))
			// The owner's accounts: for a server that installed the bot, in that server only.
			.setIntegrationTypes([ApplicationIntegrationType.GuildInstall])
			.setContexts([InteractionContextType.Guild])
			.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),

	async execute(i, ctx) {
		const text = messages(i.locale);
		if (!allowedHere(i, ctx.config)) return void (await ephemeral(i, text.notAllowedGuild));
		if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return void (await ephemeral(i, text.creditsNeedPermission));
		await i.deferReply({ flags: MessageFlags.Ephemeral });
		const lines = await vendorLines(ctx, text);
		if (ctx.local) lines.push(text.localCredits);
		const counts = await ctx.jobs.countByStatus().catch(() => undefined);
		if (counts) lines.push(text.queueSize({ running: counts.running, waiting: counts.queued }));
		await i.editReply({ content: text.creditsReport(lines) });
	},
};
