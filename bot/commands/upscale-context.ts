/**
 * Right-click a message → Apps → "Upscale": the message's image with the server's defaults (one image: at once;
 * several: the user picks one in a menu only they see). Works on anyone's message, in a server, the bot's DM or a
 * user's private channels where the app is installed.
 */
import { ActionRowBuilder, ApplicationCommandType, ContextMenuCommandBuilder, MessageFlags, StringSelectMenuBuilder, type Attachment } from 'discord.js';
import { ephemeral } from '../delivery';
import { localizations, t } from '../i18n';
import { messages } from '../messages';
import type { Command } from './index';
import { CONTEXTS, INTEGRATION_TYPES } from './install';
import { PICK_PREFIX, remember } from './pick-image';
import { startJob } from './start-job';
import { customIdOf } from '../component-handlers';

/** A select menu holds at most 25 options, each label at most 100 characters. */
const MAX_OPTIONS = 25;
const label = (s: string) => (s.length > 100 ? `${s.slice(0, 99)}…` : s);

/** The menu that asks which of a message's images to upscale. */
function picker(messageId: string, images: Attachment[], locale: string) {
	const menu = new StringSelectMenuBuilder()
		.setCustomId(customIdOf(PICK_PREFIX, messageId))
		.setPlaceholder(t(locale, 'pickImagePlaceholder'))
		.addOptions(images.slice(0, MAX_OPTIONS).map((a, n) => ({ label: label(`${n + 1}. ${a.name}`), value: a.id, ...(a.width && a.height ? { description: `${a.width}×${a.height}` } : {}) })));
	return new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu);
}

export const upscaleContext: Command = {
	name: t('en', 'cmd.context.name'),
	startsJob: true,
	data: () =>
		new ContextMenuCommandBuilder()
			.setName(t('en', 'cmd.context.name'))
			.setNameLocalizations(localizations('cmd.context.name'))
			.setType(ApplicationCommandType.Message)
			.setIntegrationTypes(INTEGRATION_TYPES)
			.setContexts(CONTEXTS),

	async execute(i, ctx) {
		if (!i.isMessageContextMenuCommand()) return;
		const images = [...i.targetMessage.attachments.values()].filter((a) => a.contentType?.startsWith('image/'));
		if (!images.length) return void (await ephemeral(i, messages(i.locale).noImageInMessage));
		// The server's defaults: no provider (the bot's default), no options.
		if (images.length === 1) {
			const source = { channelId: i.targetMessage.channelId, messageId: i.targetMessage.id, attachmentId: images[0].id };
			return startJob(i, ctx, { provider: null, attachment: images[0], options: { timeoutMs: ctx.config.jobTimeoutMs }, source });
		}
		remember(i.client, i.targetMessage.id, images);
		await i.reply({ content: t(i.locale, 'pickImage', { count: images.length }), components: [picker(i.targetMessage.id, images, i.locale)], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
	},
};
