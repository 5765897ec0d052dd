/** A result's Delete: its requester, or a member with Manage Messages, removes the result message. */
import type { ComponentHandler } from '../component-handlers';
import { ephemeral } from '../delivery';
import { doorOf } from '../door';
import { messages } from '../messages';
import { jobOfButton, mayManage, onItsMessage } from './job-of';
import { DELETE_PREFIX } from './rows';

export const deleteResult: ComponentHandler = {
	prefix: DELETE_PREFIX,
	async handle(i, ctx, state) {
		const job = await jobOfButton(i, ctx, state);
		if (!job) return;
		if (!onItsMessage(i, job.row)) return void (await ephemeral(i, messages(i.locale).notThisMessage));
		if (!mayManage(i, job.row)) return void (await ephemeral(i, messages(i.locale).notYoursToDelete(doorOf(job.row).userId)));
		// The message the button is on, through this click's own token (it works in DMs and ephemeral replies too).
		await i.deferUpdate();
		await i.deleteReply();
		ctx.log.info('result deleted', { job: job.row.id, by: i.user.id });
	},
};
