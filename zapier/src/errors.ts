/**
 * Failures as a Zap shows them. A refused key becomes Zapier's ExpiredAuthError (Zapier marks the connection as
 * needing attention and tells the user to reconnect); a vendor still refusing with 429 after the core's own retries
 * becomes ThrottledError (Zapier runs the step again after the delay); everything else is a z.errors.Error with the
 * core's message (the user's next step) and its stable code. The core has already removed the key from the message.
 */
import type { ZObject } from 'zapier-platform-core';
import { asUpscaleError, VENDOR_REGISTRY, type VendorId } from '../../core';

/** How long Zapier waits before running a throttled step again: one window of the vendor's documented limit. */
const throttleSeconds = (provider: VendorId) => Math.ceil((VENDOR_REGISTRY[provider].defaultRateLimit?.windowMs ?? 60_000) / 1000);

/** Zapier's own errors pass through; anything else is read as the core's error. */
export function asZapierError(z: ZObject, e: unknown, provider: VendorId): Error {
	if (e instanceof Error && ['AppError', 'ExpiredAuthError', 'ThrottledError', 'HaltedError', 'RefreshAuthError'].includes(e.name)) return e;
	const err = asUpscaleError(e, provider);
	const message = err.taskId && !err.message.includes(err.taskId) ? `${err.message} (task ${err.taskId})` : err.message;
	if (err.code === 'AUTH') return new z.errors.ExpiredAuthError(message);
	if (err.code === 'RATE_LIMITED') return new z.errors.ThrottledError(message, throttleSeconds(provider));
	return new z.errors.Error(message, err.code, err.status ?? (err.local ? 400 : 500));
}

/** Runs a step's work with its failures mapped. */
export async function guarded<T>(z: ZObject, provider: VendorId, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (e) {
		throw asZapierError(z, e, provider);
	}
}
