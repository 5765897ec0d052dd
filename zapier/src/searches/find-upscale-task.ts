/**
 * Search "Find Upscale Task": a task started earlier (by Upscale Image, or anything else with the same key) by its
 * id: its status, and once it is done the image as a file (fetched when a later step uses it). An unknown id is
 * "nothing found", as Zapier searches report it.
 */
import type { Bundle, ZObject } from 'zapier-platform-core';
import { UpscaleError, VENDOR_REGISTRY } from '../../../core';
import { clientFor } from '../connection';
import { guarded } from '../errors';
import { providerField, providerOf } from '../fields';
import { resultFile } from '../hydrators/result-file';
import { NO_FILE, outputFields, type StepOutput } from '../output';
import { StepClock } from '../step-clock';

async function perform(z: ZObject, bundle: Bundle): Promise<StepOutput[]> {
	const p = providerOf(z, bundle.inputData.provider);
	const taskId = String(bundle.inputData.task_id ?? '').trim();
	return guarded(z, p, async () => {
		let t;
		try {
			t = await clientFor(z, bundle, p).getTask(taskId, { timeoutMs: new StepClock().left() });
		} catch (e) {
			if (e instanceof UpscaleError && e.code === 'NOT_FOUND') return [];
			throw e;
		}
		const done = t.status === 'completed';
		const words: Record<string, string> = {
			completed: 'Done: the image is in Upscaled File.',
			failed: `${VENDOR_REGISTRY[p].name} reported that the task failed${t.failure ? `: ${t.failure}` : ''}.`,
			queued: `Queued at ${VENDOR_REGISTRY[p].name}${t.position !== undefined ? ` (position ${t.position})` : ''}: try again later.`,
			processing: `${VENDOR_REGISTRY[p].name} is working on it: try again later.`,
		};
		return [
			{
				id: t.taskId,
				status: t.status,
				provider: p,
				task_id: t.taskId,
				...NO_FILE,
				file: done ? z.dehydrateFile(resultFile, { provider: p, task_id: t.taskId }) : null,
				credits_consumed: null,
				credits_remaining: null,
				message: words[t.status] ?? `The task is ${t.status}.`,
			},
		];
	});
}

export const findUpscaleTask = {
	key: 'find_upscale_task',
	noun: 'Upscale Task',
	display: {
		label: 'Find Upscale Task',
		description: 'Finds an upscale task by its ID: its status, and the image once it is done.',
	},
	operation: {
		inputFields: [
			{ ...providerField, altersDynamicFields: false },
			{ key: 'task_id', label: 'Task ID', required: true, helpText: 'The Task ID from "Upscale Image" (or any task started with the same key).' },
		],
		perform,
		sample: { id: 'sample-task-0001', status: 'completed', provider: 'clipdrop', task_id: 'sample-task-0001', file: 'https://example.com/samples/photo-upscaled.jpg', file_name: null, content_type: null, format: null, width: null, height: null, bytes: null, credits_consumed: null, credits_remaining: null, message: 'Done: the image is in Upscaled File.' },
		outputFields,
	},
};
