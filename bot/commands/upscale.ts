/**
 * /upscale: an attached image, with the provider and its options as chat options (core's OPTION_FIELDS, so a new
 * option appears here without touching this file). Installable to a server or a user; named and described in each
 * locale of bot/i18n/. The checks and the job are start-job.ts's.
 */
import { SlashCommandBuilder, type ChatInputCommandInteraction, type SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { OPTION_FIELDS, PROVIDER_NAMES, type OptionField, type ProviderId, type UpscaleOptionsInput } from '../../core';
import { localizations, t, type MessageKey } from '../i18n';
import type { Command } from './index';
import { CONTEXTS, INTEGRATION_TYPES } from './install';
import { startJob } from './start-job';

/** A provider's choice: a vendor by its registry name (the same in every language), the local engine in each locale's words. */
const choice = (p: ProviderId) =>
	p === 'local' ? { name: t('en', 'cmd.upscale.provider.local'), name_localizations: localizations('cmd.upscale.provider.local'), value: p } : { name: PROVIDER_NAMES[p], value: p };

/** One chat option per core option field that has a chat form. */
function addField(b: SlashCommandOptionsOnlyBuilder, f: OptionField & { chat: NonNullable<OptionField['chat']> }): void {
	const { name, description } = f.chat;
	if (f.type === 'number') b.addNumberOption((o) => o.setName(name).setDescription(description).setMinValue(f.min!).setMaxValue(f.max!));
	else if (f.type === 'integer') b.addIntegerOption((o) => o.setName(name).setDescription(description).setMinValue(f.min!).setMaxValue(f.max!));
	else if (f.type === 'boolean') b.addBooleanOption((o) => o.setName(name).setDescription(description));
	else if (f.choices) b.addStringOption((o) => o.setName(name).setDescription(description).addChoices(...f.choices!.map((c) => ({ name: c.name, value: c.value }))));
}

const CHAT_FIELDS = OPTION_FIELDS.filter((f): f is OptionField & { chat: NonNullable<OptionField['chat']> } => !!f.chat);

/** An option's English name and description with their translations. */
function named<T extends { setName(n: string): T; setNameLocalizations(l: Record<string, string>): T; setDescription(d: string): T; setDescriptionLocalizations(l: Record<string, string>): T }>(o: T, option: 'image' | 'provider' | 'private'): T {
	const name = `cmd.upscale.${option}.name` as MessageKey;
	const description = `cmd.upscale.${option}.description` as MessageKey;
	return o.setName(t('en', name)).setNameLocalizations(localizations(name)).setDescription(t('en', description)).setDescriptionLocalizations(localizations(description));
}

function data(providers: ProviderId[]) {
	const b = new SlashCommandBuilder()
		.setName('upscale')
		.setDescription(t('en', 'cmd.upscale.description'))
		.setDescriptionLocalizations(localizations('cmd.upscale.description'))
		.setIntegrationTypes(INTEGRATION_TYPES)
		.setContexts(CONTEXTS)
		.addAttachmentOption((o) => named(o, 'image').setRequired(true))
		.addStringOption((o) => named(o, 'provider').addChoices(...providers.map(choice)));
	for (const f of CHAT_FIELDS) addField(b, f);
	return b.addBooleanOption((o) => named(o, 'private'));
}

/** The command's options as core options (the core validates them). */
function readOptions(i: ChatInputCommandInteraction, timeoutMs: number): UpscaleOptionsInput {
	const o: Record<string, unknown> = { timeoutMs };
	for (const f of CHAT_FIELDS) {
		const n = f.chat.name;
		const v = f.type === 'number' ? i.options.getNumber(n) : f.type === 'integer' ? i.options.getInteger(n) : f.type === 'boolean' ? i.options.getBoolean(n) : i.options.getString(n);
		if (v !== null && v !== undefined) o[f.key] = v;
	}
	return o as UpscaleOptionsInput;
}

export const upscale: Command = {
	name: 'upscale',
	startsJob: true,
	data,

	async execute(i, ctx) {
		if (!i.isChatInputCommand()) return;
		await startJob(i, ctx, {
			provider: i.options.getString('provider'),
			attachment: i.options.getAttachment('image', true),
			options: readOptions(i, ctx.config.jobTimeoutMs),
			private: i.options.getBoolean('private') ?? undefined,
		});
	},
};
