/**
 * The progress message's Cancel, through the job engine: a queued job leaves the line (nothing charged), a local
 * one stops, one the vendor already has is canceled with "the vendor may still charge" and its result not posted.
 * Its requester or a member with Manage Messages may cancel; the message says what became of the job.
 */
import { FINISHED } from '../../runtime/jobs/job';
import type { ComponentHandler } from '../component-handlers';
import { ephemeral } from '../delivery';
import { doorOf } from '../door';
import { messages } from '../messages';
import { ReplyEditor } from '../reply-editor';
import { jobOfButton, mayManage, onItsMessage } from './job-of';
import { CANCEL_PREFIX } from './rows';

export const cancel: ComponentHandler = {
	prefix: CANCEL_PREFIX,
	async handle(i, ctx, state) {
		const job = await jobOfButton(i, ctx, state);
		if (!job) return;
		const say = messages(i.locale);
		if (!onItsMessage(i, job.row)) return void (await ephemeral(i, say.notThisMessage));
		if (!mayManage(i, job.row)) return void (await ephemeral(i, say.notYoursToCancel(doorOf(job.row).userId)));
		if (FINISHED.includes(job.row.status)) return void (await ephemeral(i, say.alreadyFinished));
		await i.deferUpdate();
		await ctx.queue.cancel(job.row);
		const row = await ctx.jobs.get(job.row.id);
		// It ended first: its own outcome stands (and is delivered as usual).
		if (row?.status !== 'canceled') return void (await i.followUp({ content: say.alreadyFinished, flags: 64 }));
		ctx.log.info('job canceled', { job: row.id, by: i.user.id, provider: row.provider, phase: job.row.phase, vendorMayCharge: row.nothing_charged !== 1 });
		// The progress message says so, through this click (the job's own token may have expired).
		const editor = new ReplyEditor((p) => i.editReply({ content: p.content, components: [], allowedMentions: { parse: [] } }));
		await ctx.outbox.finished(row, editor);
	},
};
