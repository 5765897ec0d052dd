/**
 * A finished task's image as a Zapier file, fetched only when a later step uses it (file dehydration): searches may
 * not stash files themselves, and a Zap that only reads the status never downloads the image.
 */
import type { Bundle, ZObject } from 'zapier-platform-core';
import { upscaledName } from '../../../core';
import { clientFor } from '../connection';
import { guarded } from '../errors';
import { providerOf } from '../fields';
import { stash } from '../output';
import { StepClock } from '../step-clock';

export async function resultFile(z: ZObject, bundle: Bundle): Promise<string> {
	const provider = providerOf(z, bundle.inputData.provider);
	const taskId = String(bundle.inputData.task_id);
	return guarded(z, provider, async () => {
		const t = await clientFor(z, bundle, provider).getTask(taskId, { download: true, timeoutMs: new StepClock().forWork() });
		if (!t.image) throw new z.errors.Error(`Task ${taskId} has no result yet (it is ${t.status}).`, 'NOT_READY', 409);
		return stash(z, t.image, upscaledName(`task-${taskId}`, t.image.extension));
	});
}
