/**
 * GET /v1/credits: what is left with each provider this server offers. A vendor whose account tells its balance is
 * asked (no credit spent); one that tells it only with a job's answer shows the last job's figure.
 */
import type { FastifyInstance } from 'fastify';
import { asUpscaleError, isPaid, PROVIDER_NAMES, VENDOR_REGISTRY, type VendorId } from '../../core';
import type { ServiceContext } from '../context';

export function credits(app: FastifyInstance, ctx: ServiceContext): void {
	app.get('/v1/credits', async () => {
		const providers = await Promise.all(
			ctx.providers.offered.map(async (provider) => {
				const name = PROVIDER_NAMES[provider];
				if (!isPaid(provider)) return { provider, name, remaining: null, used: null, source: 'free' as const, as_of: null, error: null };
				const client = ctx.providers.clients[provider as VendorId]!;
				if (VENDOR_REGISTRY[provider as VendorId].balanceFrom === 'account') {
					try {
						const b = await client.balance();
						return { provider, name, remaining: b.remaining, used: b.used, source: 'account' as const, as_of: new Date().toISOString(), error: null };
					} catch (e) {
						return { provider, name, remaining: null, used: null, source: 'unknown' as const, as_of: null, error: asUpscaleError(e, provider).message };
					}
				}
				const last = await ctx.jobs.lastCredits(provider);
				return last
					? { provider, name, remaining: last.remaining, used: null, source: 'last_job' as const, as_of: new Date(last.at).toISOString(), error: null }
					: { provider, name, remaining: null, used: null, source: 'unknown' as const, as_of: null, error: `${name} tells the balance only with a job's answer; no job has run yet.` };
			}),
		);
		return { providers };
	});
}
