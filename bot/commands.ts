/** The slash commands, declared so Discord validates what it can (choices, ranges, types). */
import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { PROVIDER_NAMES, type ProviderId } from '../core';

const CHOICES: Record<ProviderId, string> = { ...PROVIDER_NAMES, local: 'Local (free, runs on this bot)' };

export function upscaleCommand(providers: ProviderId[]) {
	return new SlashCommandBuilder()
		.setName('upscale')
		.setDescription('Upscale an image (PNG, JPEG or WebP)')
		.setDMPermission(false)
		.addAttachmentOption((o) => o.setName('image').setDescription('The image to upscale (PNG, JPEG or WebP)').setRequired(true))
		.addStringOption((o) =>
			o
				.setName('provider')
				.setDescription('Which service upscales it')
				.addChoices(...providers.map((p) => ({ name: CHOICES[p], value: p }))),
		)
		.addNumberOption((o) => o.setName('scale').setDescription('Multiply both sides by this (Ximilar: 2, 4 or 8; Local: up to 8; default 2)').setMinValue(1.1).setMaxValue(16))
		.addIntegerOption((o) => o.setName('width').setDescription('Exact output width in pixels (Clipdrop, Local)').setMinValue(1).setMaxValue(12288))
		.addIntegerOption((o) => o.setName('height').setDescription('Exact output height in pixels (Clipdrop, Local)').setMinValue(1).setMaxValue(12288))
		.addStringOption((o) =>
			o
				.setName('strategy')
				.setDescription('Clipdrop: smooth (1 credit) or detailed (1 credit per output megapixel)')
				.addChoices({ name: 'Smooth', value: 'smooth' }, { name: 'Detailed', value: 'detailed' }),
		)
		.addStringOption((o) =>
			o
				.setName('mode')
				.setDescription('Ximilar: how details are treated')
				.addChoices({ name: 'Artifact removal', value: 'artifact_removal' }, { name: 'Ironed out', value: 'ironed_out' }, { name: 'High fidelity', value: 'high_fidelity' }),
		)
		.addStringOption((o) => o.setName('model').setDescription('Ximilar: classic, or generative (GAN, more credits)').addChoices({ name: 'Classic', value: 'classic' }, { name: 'Generative (GAN)', value: 'gan' }))
		.addStringOption((o) => o.setName('format').setDescription('Ximilar, Local: output format').addChoices({ name: 'PNG', value: 'png' }, { name: 'JPEG', value: 'jpg' }, { name: 'WebP', value: 'webp' }))
		.addIntegerOption((o) => o.setName('quality').setDescription('Ximilar, Local: output quality 1-100 (with format)').setMinValue(1).setMaxValue(100))
		.addBooleanOption((o) => o.setName('fast').setDescription('Local: fast Lanczos resampling instead of the AI model (up to 16x)'))
		.addBooleanOption((o) => o.setName('tune_colors').setDescription("Ximilar: match the input's colours (default on)"))
		.addBooleanOption((o) => o.setName('private').setDescription('Only you see the result'));
}

export function creditsCommand() {
	return new SlashCommandBuilder()
		.setName('upscale-credits')
		.setDescription("Show the upscaling credits left on the bot owner's accounts")
		.setDMPermission(false)
		.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);
}

export function commandsJson(providers: ProviderId[]) {
	return [upscaleCommand(providers).toJSON(), creditsCommand().toJSON()];
}
