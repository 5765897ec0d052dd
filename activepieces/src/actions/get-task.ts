/**
 * Action "Get Task": a task started earlier (by Upscale Image, or anything else with the same key) by its id: its
 * status, and once it is done the image written to the run's files. An id the vendor does not know fails the step
 * with the vendor's words (a wrong id, or a task of another key or provider).
 */
import { createAction, Property } from '@activepieces/pieces-framework';
import { upscaledName, VENDOR_REGISTRY } from '../../../core';
import { clientFor, upscaleAuth, type AuthValue } from '../auth';
import { guarded } from '../errors';
import { imageFields, NO_FILE, type StepOutput } from '../output';
import { providerOf, providerProp } from '../props';

export const getTask = createAction({
	name: 'get_task',
	auth: upscaleAuth,
	displayName: 'Get Task',
	description: 'Gets an upscale task by its ID: its status, and the image once it is done.',
	props: {
		provider: providerProp,
		task_id: Property.ShortText({ displayName: 'Task ID', description: 'The Task ID from Upscale Image (or any task started with the same key).', required: true }),
	},
	async run(ctx): Promise<StepOutput> {
		const p = providerOf(ctx.propsValue.provider);
		return guarded(p, async () => {
			const t = await clientFor(ctx.auth as AuthValue, p).getTask(String(ctx.propsValue.task_id ?? ''), { download: true, timeoutMs: 120_000 });
			const name = VENDOR_REGISTRY[p].name;
			const words: Record<string, string> = {
				completed: 'Done: the image is in File.',
				failed: `${name} reported that the task failed${t.failure ? `: ${t.failure}` : ''}.`,
				queued: `Queued at ${name}${t.position !== undefined ? ` (position ${t.position})` : ''}: try again later.`,
				processing: `${name} is working on it: try again later.`,
			};
			const image = t.image ? await imageFields(ctx.files, t.image, upscaledName(`task-${t.taskId}`, t.image.extension)) : NO_FILE;
			return { status: t.status, provider: p, task_id: t.taskId, ...image, credits_consumed: null, credits_remaining: null, message: words[t.status] ?? `The task is ${t.status}.` };
		});
	},
});
