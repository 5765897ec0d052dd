/**
 * A result's "again at 2×/4×" buttons and its "another provider" menu: a new job for whoever clicked, from the same
 * image read again (attachment links expire), through the same admission as /upscale (limits, credits, settings).
 */
import { providerInfo, type ProviderId, type UpscaleOptionsInput } from '../../core';
import type { JobRow } from '../../runtime/jobs/job';
import { startJob } from '../commands/start-job';
import type { ComponentHandler, ComponentInteraction } from '../component-handlers';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { doorOf } from '../door';
import { messages } from '../messages';
import { jobOfButton, mayUse, sourceImage, BUTTON_DAYS } from './job-of';
import { AGAIN_PREFIX, AGAIN_SCALES, PROVIDER_PREFIX } from './rows';

/** The job's stored options, without the engine's own (the timeout is the bot's setting again). */
function optionsOf(row: JobRow): Record<string, unknown> {
	const { timeoutMs: _timeout, ...o } = JSON.parse(row.options || '{}') as Record<string, unknown>;
	return o;
}

async function rerun(i: ComponentInteraction, ctx: BotContext, row: JobRow, provider: string, options: Record<string, unknown>): Promise<void> {
	if (!mayUse(i, row)) return void (await ephemeral(i, messages(i.locale).privateResult));
	const image = await sourceImage(i, row);
	if (!image) return void (await ephemeral(i, messages(i.locale).sourceGone));
	const door = doorOf(row);
	await startJob(i, ctx, {
		provider,
		attachment: image,
		options: { ...options, timeoutMs: ctx.config.jobTimeoutMs } as UpscaleOptionsInput,
		private: door.private,
		source: door.source,
	});
}

export const again: ComponentHandler = {
	prefix: AGAIN_PREFIX,
	startsJob: true,
	async handle(i, ctx, state) {
		const job = await jobOfButton(i, ctx, state);
		if (!job) return;
		const scale = Number(job.rest[0]);
		if (!(AGAIN_SCALES as readonly number[]).includes(scale)) return void (await ephemeral(i, messages(i.locale).buttonExpired(BUTTON_DAYS)));
		// The same job at another scale: an exact size would contradict it.
		const { width: _w, height: _h, ...options } = optionsOf(job.row);
		await rerun(i, ctx, job.row, job.row.provider, { ...options, scale });
	},
};

export const otherProvider: ComponentHandler = {
	prefix: PROVIDER_PREFIX,
	startsJob: true,
	async handle(i, ctx, state) {
		const job = await jobOfButton(i, ctx, state);
		if (!job) return;
		const provider = i.isStringSelectMenu() ? i.values[0] : undefined;
		if (!provider || !(provider in ctx.upscalers)) return void (await ephemeral(i, messages(i.locale).notConfigured(provider ?? '?')));
		// Only what the other provider understands too (the size; a vendor's own options stay with it).
		const accepts = providerInfo(provider as ProviderId).accepts as readonly string[];
		const options = Object.fromEntries(Object.entries(optionsOf(job.row)).filter(([k]) => accepts.includes(k)));
		await rerun(i, ctx, job.row, provider, options);
	},
};
