/**
 * Failures as a flow shows them: Activepieces fails the step with the thrown error's message, so the message is
 * the core's (the user's next step, the vendor's words once, no key: the core has removed it), with the task id
 * when there is one, so a task that was paid for is never lost. The piece's own refusals are PieceErrors.
 */
import { asUpscaleError, type VendorId } from '../../core';

/** A refusal of the piece itself (no key for that provider, no image…): its message is for the user. */
export class PieceError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'UpscaleError';
	}
}

/** The words a user reads for any failure. */
export function errorMessage(e: unknown, provider: VendorId): string {
	if (e instanceof PieceError) return e.message;
	if (e instanceof Error && e.name === 'ApiError') return e.message; // the private-address guard's refusal
	const err = asUpscaleError(e, provider);
	return err.taskId && !err.message.includes(err.taskId) ? `${err.message.replace(/\.$/, '')} (task ${err.taskId}).` : err.message;
}

/** Runs a step's work with its failures in the user's words. */
export async function guarded<T>(provider: VendorId, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw e instanceof PieceError ? e : new PieceError(errorMessage(e, provider));
	}
}
