/**
 * The providers this server offers: one UpscaleClient per configured vendor (so every job of a vendor shares the
 * core's request budget for its key), and the local engine when it is switched on.
 */
import type { Redis } from 'ioredis';
import { isVendorId, PROVIDER_NAMES, UpscaleClient, VENDOR_IDS, type ProviderId, type SharedState, type Upscaler, type VendorId } from '../core';
import { LocalUpscaler, nodePorts } from '../runtime';
import type { ServiceConfig } from './config';
import type { Metrics } from './metrics';
import { ApiError } from './problem';

export class Providers {
	readonly clients: Partial<Record<VendorId, UpscaleClient>> = {};
	private local?: LocalUpscaler;

	/**
	 * `shared`: with REDIS_URL, each key's request budget in Redis (every process on the key within one limit) and
	 * the connection, closed with the providers.
	 */
	constructor(
		private readonly config: Pick<ServiceConfig, 'providers' | 'local' | 'defaultProvider'>,
		metrics: Metrics,
		private readonly shared?: { state: SharedState; redis: Redis },
	) {
		for (const id of VENDOR_IDS) {
			const v = config.providers[id];
			if (!v) continue;
			const ports = nodePorts();
			this.clients[id] = new UpscaleClient({ provider: id, apiKey: v.key, baseUrl: v.baseUrl, rateLimit: v.rateLimit, state: shared?.state, ports: { ...ports, http: metrics.countVendor(id, ports.http) } });
		}
	}

	get offered(): ProviderId[] {
		return [...VENDOR_IDS.filter((id) => this.clients[id]), ...(this.config.local ? (['local'] as const) : [])];
	}

	get defaultProvider(): ProviderId {
		return this.config.defaultProvider;
	}

	/** The upscaler for a provider; a refusal that says what the server offers when it is not set up. */
	upscaler(provider: ProviderId): Upscaler {
		if (!isVendorId(provider)) {
			if (!this.config.local) throw this.notOffered(provider);
			this.local ??= new LocalUpscaler();
			return this.local;
		}
		const c = this.clients[provider];
		if (!c) throw this.notOffered(provider);
		return c;
	}

	private notOffered(provider: ProviderId): ApiError {
		return new ApiError('PROVIDER_NOT_CONFIGURED', `${PROVIDER_NAMES[provider].replace(/^./, (c) => c.toUpperCase())} is not set up on this server; it offers ${this.offered.join(', ')}.`, { provider, offered: this.offered });
	}

	async close(): Promise<void> {
		await this.local?.close();
		await this.shared?.redis.quit().catch(() => this.shared?.redis.disconnect());
	}
}
