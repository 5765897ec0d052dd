/** A result's Compare: the image before and after, side by side in a message only the clicker sees. */
import { MessageFlags } from 'discord.js';
import type { ComponentHandler } from '../component-handlers';
import { ephemeral } from '../delivery';
import { messages } from '../messages';
import { jobOfButton, mayUse, sourceImage } from './job-of';
import { COMPARE_PREFIX } from './rows';

export const compare: ComponentHandler = {
	prefix: COMPARE_PREFIX,
	async handle(i, ctx, state) {
		const job = await jobOfButton(i, ctx, state);
		if (!job) return;
		const say = messages(i.locale);
		if (!mayUse(i, job.row)) return void (await ephemeral(i, say.privateResult));
		const before = await sourceImage(i, job.row);
		if (!before) return void (await ephemeral(i, say.sourceGone));
		const after = i.message.attachments.first();
		const { row } = job;
		const embeds = [
			{ title: say.compareBefore(before.width ?? row.input_width ?? 0, before.height ?? row.input_height ?? 0), image: { url: before.url } },
			...(after ? [{ title: say.compareAfter(row.output_width, row.output_height), image: { url: after.url } }] : []),
		];
		await i.reply({ embeds, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
	},
};
