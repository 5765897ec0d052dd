/** Node-side pieces shared by the CLI and the bot. */
import { parseRateLimit, UpscaleClient, UpscaleError, VENDOR_IDS, VENDOR_REGISTRY, webAddressProblem, type BudgetLimits, type Ports, type SharedState, type VendorId } from '../core';
import { nodePorts } from './http-undici';

export { collectBody, createUndiciHttp, discardBody, nodePorts, nodeSleep, systemClock } from './http-undici';
export { fileErrorReason, readInput } from './input';
// The Redis pieces (redis-connection.ts, redis-state.ts, redis-budget.ts) are imported where REDIS_URL is set, so
// a process without it never loads ioredis.

export interface VendorEnv {
	key?: string;
	baseUrl?: string;
	rateLimit?: BudgetLimits;
}

/** The key, base URL and rate limit of a vendor from the environment; a malformed value is an error that names the variable. */
export function vendorEnv(provider: VendorId, env: NodeJS.ProcessEnv = process.env): VendorEnv {
	const n = VENDOR_REGISTRY[provider].env;
	const key = env[n.key]?.trim() || undefined;
	const baseUrl = env[n.baseUrl]?.trim() || undefined;
	const problem = baseUrl ? webAddressProblem(baseUrl) : undefined;
	if (problem) {
		// The value is shown only when it is no URL at all (a URL may carry a password).
		throw new UpscaleError('INVALID_OPTIONS', `${n.baseUrl} ${problem.text}${problem.kind === 'not-url' ? ` (got "${baseUrl!.slice(0, 60)}")` : ''}.`, { local: true });
	}
	let rateLimit: BudgetLimits | undefined;
	const rate = env[n.rateLimit]?.trim();
	if (rate) {
		rateLimit = parseRateLimit(rate);
		if (!rateLimit) throw new UpscaleError('INVALID_OPTIONS', `${n.rateLimit} must look like "60" or "60/min" or "120/60s" (got "${rate.slice(0, 30)}").`, { local: true });
	}
	return { key, baseUrl, rateLimit };
}

/** The first vendor (in the registry's order) whose key is set, if any. */
export function vendorWithKey(env: NodeJS.ProcessEnv = process.env): VendorId | undefined {
	return VENDOR_IDS.find((id) => env[VENDOR_REGISTRY[id].env.key]?.trim());
}

/** A vendor's client from the environment; `state`: budgets shared beyond this process (REDIS_URL, redis-connection.ts). */
export function clientFromEnv(provider: VendorId, env: NodeJS.ProcessEnv = process.env, ports: Ports = nodePorts(), state?: SharedState): UpscaleClient {
	const v = vendorEnv(provider, env);
	if (!v.key) {
		const vendor = VENDOR_REGISTRY[provider];
		throw new UpscaleError('AUTH', `No ${vendor.name} ${vendor.keyNoun}: set ${vendor.env.key}.`, { provider, local: true });
	}
	return new UpscaleClient({ provider, apiKey: v.key, baseUrl: v.baseUrl, rateLimit: v.rateLimit, ports, state });
}
export { LocalUpscaler, defaultThreads, defaultTile, type LocalEngineOptions } from './local/engine';
export { requireLocalPackages, LOCAL_PACKAGES } from './local/deps';
