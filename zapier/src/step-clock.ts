/**
 * Zapier stops a step after 30 seconds. One clock per step, started when the step starts, shared by every part of
 * it: the download, the upscale and the stash each get what is left, so the three together never pass the limit.
 * Where too little is left to start a part safely, the step does not start it: an upscale becomes a vendor task
 * whose id the step returns (Find Upscale Task fetches it later), rather than a step Zapier kills mid-way.
 */
export const ZAPIER_STEP_MS = 30_000;
/** Kept for answering Zapier after the last part (the step's own overhead and the network). */
const MARGIN_MS = 1_500;
/** Kept back for handing the image to Zapier's file storage (stashFile). */
export const STASH_RESERVE_MS = 5_000;
/** Less than this left for an instant upscale: it is not started, the job becomes a task. */
export const MIN_INSTANT_MS = 8_000;

export class StepClock {
	readonly end: number;
	constructor(
		private readonly now: () => number = Date.now,
		limitMs = ZAPIER_STEP_MS,
	) {
		this.end = now() + limitMs - MARGIN_MS;
	}

	/** Milliseconds left before the step must answer (never below 1: a part given 1 ms fails at once, clearly). */
	left(): number {
		return Math.max(1, this.end - this.now());
	}

	/** The deadline of a part that the stash still follows (a download, an upscale). */
	beforeStash(): number {
		return this.end - STASH_RESERVE_MS;
	}

	/** Milliseconds an upscale (or a wait for a task) may take, the stash still to come. */
	forWork(): number {
		return Math.max(1, this.beforeStash() - this.now());
	}
}
