/**
 * The buttons a job's messages carry: Cancel while it runs; on a result, again at 2× and 4×, another provider,
 * Compare and Delete. A custom_id is `<prefix>:<job id>[:<more>]`: the state behind it is the job's row in the job
 * store (kept a week), so a button works after a restart and on any process of a bot fleet.
 */
import { ButtonStyle, ComponentType } from 'discord.js';
import { PROVIDER_NAMES, type ProviderId } from '../../core';
import type { JobRow } from '../../runtime/jobs/job';
import { customIdOf } from '../component-handlers';
import { messages } from '../messages';

export const CANCEL_PREFIX = 'cancel';
export const AGAIN_PREFIX = 'again';
export const PROVIDER_PREFIX = 'provider';
export const COMPARE_PREFIX = 'compare';
export const DELETE_PREFIX = 'delete';

/** The scales the result's "again" buttons offer. */
export const AGAIN_SCALES = [2, 4] as const;

const button = (customId: string, label: string, style: ButtonStyle) => ({ type: ComponentType.Button, custom_id: customId, label, style });
const row = (components: unknown[]) => ({ type: ComponentType.ActionRow, components });

/** The progress message's Cancel. */
export function cancelRows(jobId: string, locale?: string): unknown[] {
	return [row([button(customIdOf(CANCEL_PREFIX, jobId), messages(locale).button.cancel, ButtonStyle.Secondary)])];
}

/** A provider as a choice: the local engine in the user's words, a vendor by its registry name. */
const providerLabel = (p: ProviderId, locale?: string) => (p === 'local' ? messages(locale).button.otherProviderLocal : PROVIDER_NAMES[p]);

/** A succeeded job's buttons; `providers`: every provider this bot offers (the others than the job's make a select). */
export function resultRows(job: Pick<JobRow, 'id' | 'provider'>, providers: readonly ProviderId[], locale?: string): unknown[] {
	const say = messages(locale);
	const rows = [
		row([
			...AGAIN_SCALES.map((s) => button(customIdOf(AGAIN_PREFIX, `${job.id}:${s}`), say.button.rerun(s), ButtonStyle.Primary)),
			button(customIdOf(COMPARE_PREFIX, job.id), say.button.compare, ButtonStyle.Secondary),
			button(customIdOf(DELETE_PREFIX, job.id), say.button.delete, ButtonStyle.Danger),
		]),
	];
	const others = providers.filter((p) => p !== job.provider);
	if (others.length) {
		const options = others.map((p) => ({ label: providerLabel(p, locale), value: p }));
		rows.push(row([{ type: ComponentType.StringSelect, custom_id: customIdOf(PROVIDER_PREFIX, job.id), placeholder: say.button.otherProvider, options, min_values: 1, max_values: 1 }]));
	}
	return rows;
}
