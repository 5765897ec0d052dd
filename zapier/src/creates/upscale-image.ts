/**
 * Create "Upscale Image": a file (Zapier hands its URL) upscaled by the chosen provider, within Zapier's 30-second
 * limit for a step:
 * - A vendor that calls a webhook when it is done (the registry says so: it accepts `webhook`) gets the task with
 *   Zapier's callback URL; the step waits without running, and performResume reads the finished result.
 * - Any other vendor gets the job on its sync endpoint whenever the output fits it (one request, seconds). When it
 *   does not fit, the task is submitted and its id returned with status "submitted": a Delay step and "Find Upscale
 *   Task" fetch it later.
 * - One clock for the whole step (step-clock.ts): the download, the upscale and the stash share the 30 s; when the
 *   download leaves too little for an instant upscale, the job becomes a task as well.
 * Whether a vendor takes the URL or the bytes is the core's business (it downloads when the vendor needs bytes).
 */
import type { Bundle, ZObject } from 'zapier-platform-core';
import { downloadImage, fileNameFromUrl, imageUrlOf, listWords, MAX_INPUT_BYTES, megabytes, sniffImage, VENDOR_IDS, VENDOR_REGISTRY, type VendorId } from '../../../core';
import { clientFor } from '../connection';
import { guarded } from '../errors';
import { optionInputFields, providerField, providerOf, readOptions } from '../fields';
import { completedOutput, outputFields, SAMPLE, submittedOutput, type StepOutput } from '../output';
import { MIN_INSTANT_MS, StepClock, ZAPIER_STEP_MS } from '../step-clock';

export const FIND_LATER = 'Add a Delay step (a few minutes) and then "Find Upscale Task" with this task ID to get the image.';

function imageUrl(z: ZObject, bundle: Bundle, p: VendorId): string {
	const raw = String(bundle.inputData.image ?? '').trim();
	if (!raw) throw new z.errors.Error('Map a file from an earlier step (or a public image URL) into Image.', 'INVALID_INPUT', 400);
	return imageUrlOf({ url: raw }, p);
}

async function perform(z: ZObject, bundle: Bundle): Promise<StepOutput> {
	if (bundle.meta?.isLoadingSample) return SAMPLE;
	const clock = new StepClock();
	const p = providerOf(z, bundle.inputData.provider);
	return guarded(z, p, async () => {
		const url = imageUrl(z, bundle, p);
		const client = clientFor(z, bundle, p);
		const options = readOptions(p, bundle.inputData);
		const name = VENDOR_REGISTRY[p].name;
		if (VENDOR_REGISTRY[p].accepts.includes('webhook')) {
			const task = await client.submit({ url }, { ...options, webhook: { url: z.generateCallbackUrl() }, timeoutMs: clock.left() });
			return submittedOutput(task, `${name} is working on it; this step goes on when ${name} calls back.`);
		}
		// The size decides the endpoint, so the image is read first (and checked before a credit is spent).
		const { bytes, fileName } = await downloadImage(client.transport, url, { deadline: clock.beforeStash(), provider: p });
		const plan = client.check(sniffImage(bytes), options);
		if (plan.execution === 'async') {
			const task = await client.submit({ bytes, fileName }, { ...options, timeoutMs: clock.left() });
			return submittedOutput(task, `The output is too large for ${name}'s instant endpoint, so it became a task. ${FIND_LATER}`);
		}
		if (clock.forWork() < MIN_INSTANT_MS) {
			// The download took most of Zapier's 30 s: an instant upscale might not finish in time, a task will.
			const task = await client.submit({ bytes, fileName }, { ...options, timeoutMs: clock.left() });
			return submittedOutput(task, `Reading the image took most of the ${ZAPIER_STEP_MS / 1000} seconds Zapier gives a step, so ${name} got it as a task. ${FIND_LATER}`);
		}
		const r = await client.upscale({ bytes, fileName }, { ...options, execution: 'sync', timeoutMs: clock.forWork() });
		return completedOutput(z, { ...r, provider: p }, fileName);
	});
}

/** After the vendor's callback: the task is read at the vendor (the callback's body is not trusted) and downloaded. */
async function performResume(z: ZObject, bundle: Bundle & { outputData?: Partial<StepOutput> }): Promise<StepOutput> {
	const clock = new StepClock();
	const p = providerOf(z, bundle.inputData.provider);
	const taskId = String(bundle.outputData?.task_id ?? '');
	return guarded(z, p, async () => {
		const r = await clientFor(z, bundle, p).waitForTask(taskId, { timeoutMs: clock.forWork() });
		return completedOutput(z, { ...r, provider: p, credits: { consumed: bundle.outputData?.credits_consumed ?? r.credits.consumed, remaining: r.credits.remaining } }, fileNameFromUrl(String(bundle.inputData.image ?? '')));
	});
}

export const upscaleImage = {
	key: 'upscale_image',
	noun: 'Image',
	display: {
		label: 'Upscale Image',
		description: `Enlarges an image with ${listWords(VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name), 'or')} and returns the upscaled file.`,
	},
	operation: {
		inputFields: [
			providerField,
			{
				key: 'image',
				label: 'Image',
				type: 'file' as const,
				required: true,
				helpText: `A file from an earlier step, or a public URL of one. PNG, JPEG or WebP, up to ${megabytes(MAX_INPUT_BYTES)}. When the result cannot be ready within the ${ZAPIER_STEP_MS / 1000} seconds Zapier gives a step, the step returns a task instead: ${FIND_LATER}`,
			},
			optionInputFields,
		],
		perform,
		performResume,
		sample: SAMPLE,
		outputFields,
	},
};
