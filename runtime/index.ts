/** Node-side pieces shared by the CLI and the bot. */
import { parseRateLimit, UpscaleClient, UpscaleError, type BudgetLimits, type Ports, type VendorId } from '../core';
import { createUndiciHttp, nodeSleep, systemClock } from './http-undici';

export { collectBody, createUndiciHttp, discardBody, nodeSleep, systemClock } from './http-undici';
export { fileErrorReason, readInput, MAX_FILE_BYTES } from './input';

export function nodePorts(): Ports {
	return { http: createUndiciHttp(), sleep: nodeSleep, clock: systemClock };
}

export interface VendorEnv {
	key?: string;
	baseUrl?: string;
	rateLimit?: BudgetLimits;
}

const ENV_NAMES: Record<VendorId, { key: string; base: string; rate: string }> = {
	clipdrop: { key: 'CLIPDROP_API_KEY', base: 'CLIPDROP_BASE_URL', rate: 'CLIPDROP_RATE_LIMIT' },
	ximilar: { key: 'XIMILAR_API_TOKEN', base: 'XIMILAR_BASE_URL', rate: 'XIMILAR_RATE_LIMIT' },
};

export function envNames(provider: VendorId) {
	return ENV_NAMES[provider];
}

/** The key, base URL and rate limit of a vendor from the environment; a malformed value is an error that names the variable. */
export function vendorEnv(provider: VendorId, env: NodeJS.ProcessEnv = process.env): VendorEnv {
	const n = ENV_NAMES[provider];
	const key = env[n.key]?.trim() || undefined;
	const baseUrl = env[n.base]?.trim() || undefined;
	if (baseUrl && !/^https?:\/\/[^\s/]+/i.test(baseUrl)) {
		throw new UpscaleError('INVALID_OPTIONS', `${n.base} must be an http(s) URL (got "${baseUrl.slice(0, 60)}").`, { local: true });
	}
	let rateLimit: BudgetLimits | undefined;
	const rate = env[n.rate]?.trim();
	if (rate) {
		rateLimit = parseRateLimit(rate);
		if (!rateLimit) throw new UpscaleError('INVALID_OPTIONS', `${n.rate} must look like "60" or "60/min" or "120/60s" (got "${rate.slice(0, 30)}").`, { local: true });
	}
	return { key, baseUrl, rateLimit };
}

export function clientFromEnv(provider: VendorId, env: NodeJS.ProcessEnv = process.env, ports: Ports = nodePorts()): UpscaleClient {
	const v = vendorEnv(provider, env);
	if (!v.key) {
		const n = ENV_NAMES[provider];
		throw new UpscaleError('AUTH', `No ${provider === 'clipdrop' ? 'Clipdrop API key' : 'Ximilar API token'}: set ${n.key}.`, { provider, local: true });
	}
	return new UpscaleClient({ provider, apiKey: v.key, baseUrl: v.baseUrl, rateLimit: v.rateLimit, ports });
}
export { LocalUpscaler, defaultThreads, defaultTile, type LocalEngineOptions } from './local/engine';
export { requireLocalPackages, LOCAL_PACKAGES } from './local/deps';
