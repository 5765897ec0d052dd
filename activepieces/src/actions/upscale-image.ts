/**
 * Action "Upscale Image": an image (a file, or a URL fetched through the private-address guard) upscaled by the
 * chosen provider, the result written to the run's files.
 * - A vendor that calls a webhook when it is done (the registry says so: it accepts `webhook`) pauses the flow by
 *   default: the task goes with a waitpoint's resume URL and the step resumes when the vendor calls (pause.ts).
 *   With Wait "In this step", or for any other vendor, the step waits: the core picks the vendor's instant endpoint
 *   when the output fits it, else submits a task and polls it.
 * Everything a user can get wrong is refused before a credit is spent (the core checks the image and options).
 */
import { createAction, type ActionContext, type ApFile } from '@activepieces/pieces-framework';
import { ExecutionType } from '@activepieces/shared';
import { listWords, sniffImage, VENDOR_IDS, VENDOR_REGISTRY, type VendorId } from '../../../core';
import { baseUrlOf, clientFor, upscaleAuth, type AuthValue } from '../auth';
import { guarded } from '../errors';
import { imageProps, readImage } from '../image';
import { completedOutput, type StepOutput } from '../output';
import { resumeParked, submitAndPause } from '../pause';
import { optionsProp, pauses, providerOf, providerProp, readOptions } from '../props';

/** How long a step that waits in place gives the vendor (Activepieces stops a run after 10 minutes by default). */
const STEP_WAIT_MS = 300_000;

const props = {
	provider: providerProp,
	...imageProps,
	options: optionsProp,
};

type Ctx = ActionContext<typeof upscaleAuth, typeof props>;

async function begin(ctx: Ctx, p: VendorId): Promise<StepOutput> {
	const options = readOptions(p, ctx.propsValue.options);
	const waitForCall = pauses(p, ctx.propsValue.options);
	const { input, fileName } = await readImage(ctx.propsValue as { image?: ApFile; image_url?: string }, p);
	const client = clientFor(ctx.auth as AuthValue, p);
	if (waitForCall) {
		// Checked as the submit will check them, before a waitpoint is made.
		if ('bytes' in input && input.bytes) client.check(sniffImage(input.bytes), options);
		return submitAndPause(ctx, client, { input, fileName, options, baseUrl: baseUrlOf(ctx.auth as AuthValue, p) });
	}
	const r = await client.upscale(input, { ...options, timeoutMs: STEP_WAIT_MS });
	return completedOutput(ctx.files, r, p, fileName);
}

export const upscaleImage = createAction({
	name: 'upscale_image',
	auth: upscaleAuth,
	displayName: 'Upscale Image',
	description: `Enlarges an image with ${listWords(VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name), 'or')} and returns the upscaled file.`,
	props,
	async run(ctx) {
		const p = providerOf(ctx.propsValue.provider);
		return guarded(p, async () => {
			if (ctx.executionType === ExecutionType.RESUME) return resumeParked(ctx, clientFor(ctx.auth as AuthValue, p), ctx.files);
			return begin(ctx, p);
		});
	},
});
