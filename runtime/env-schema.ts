/**
 * Pieces of the zod schemas that read the toolkit's environment (the bot's and the service's configuration): whole
 * numbers in a range, comma lists, rate limits, on/off switches, each vendor's key, base URL and quota, and the error
 * that lists every bad value on its own line without repeating a secret.
 */
import { z } from 'zod';
import { parseRateLimit, VENDOR_IDS, VENDOR_REGISTRY, webAddressProblem, type BudgetLimits, type VendorId } from '../core';

/** A base URL setting: http(s), no user name or password, no query or fragment; trailing slashes dropped. */
export const envUrl = (name: string) =>
	z.string().transform((v, ctx) => {
		const problem = webAddressProblem(v);
		if (problem) {
			ctx.addIssue({ code: 'custom', message: `${name} ${problem.text}` });
			return z.NEVER;
		}
		return v.trim().replace(/\/+$/, '');
	});

export const REDIS_URL_PROBLEM = 'REDIS_URL must be a redis:// or rediss:// URL (redis://[:password@]host:port[/db])';

export function isRedisUrl(url: string): boolean {
	return /^rediss?:\/\/\S+$/i.test(url.trim());
}

/** REDIS_URL: optional; when set, a redis:// URL (its value, which can hold a password, is never repeated). */
export const envRedisUrl = z
	.string()
	.optional()
	.transform((v) => v?.trim() || undefined)
	.refine((v) => v === undefined || isRedisUrl(v), { message: REDIS_URL_PROBLEM });

export const envInt = (name: string, min: number, max: number, dflt: number) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			if (v === undefined || v.trim() === '') return dflt;
			// Digits only: Number() would also take 0x1F90, 1e3 and 0b11.
			const n = /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
			if (!Number.isInteger(n) || n < min || n > max) {
				ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
				return z.NEVER;
			}
			return n;
		});

/** A comma-separated list; a `secret` one (keys) names a bad item by its place in the list, never by its value. */
export const envList = (name: string, item: z.ZodString, { secret = false } = {}) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			const parts = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
			parts.forEach((p, i) => {
				const r = item.safeParse(p);
				const which = secret ? `item ${i + 1} of ${parts.length}` : `"${p.slice(0, 40)}"`;
				if (!r.success) ctx.addIssue({ code: 'custom', message: `${name}: ${which} ${r.error.issues[0].message}` });
			});
			return parts;
		});

export const envRate = (name: string) =>
	z
		.string()
		.optional()
		.transform((v, ctx): BudgetLimits | undefined => {
			if (!v?.trim()) return undefined;
			const r = parseRateLimit(v);
			if (!r) ctx.addIssue({ code: 'custom', message: `${name} must look like "60/min" or "120/60s"` });
			return r;
		});

export const envSwitch = (name: string) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			const t = (v ?? '').trim().toLowerCase();
			if (['', '0', 'false', 'off', 'no'].includes(t)) return false;
			if (['1', 'true', 'on', 'yes'].includes(t)) return true;
			ctx.addIssue({ code: 'custom', message: `${name} must be on or off` });
			return z.NEVER;
		});

/** Each vendor's key, base URL and quota, named by its registry entry (CLIPDROP_API_KEY, …). */
export const vendorSettings = Object.fromEntries(
	VENDOR_IDS.flatMap((id) => {
		const env = VENDOR_REGISTRY[id].env;
		return [
			[env.key, z.string().trim().min(1).optional()],
			[env.baseUrl, envUrl(env.baseUrl).optional()],
			[env.rateLimit, envRate(env.rateLimit)],
		];
	}),
) as Record<string, z.ZodType<string | BudgetLimits | undefined, z.ZodTypeDef, string | undefined>>;

export type VendorSettings = Partial<Record<VendorId, { key: string; baseUrl?: string; rateLimit?: BudgetLimits }>>;

/** The vendors whose key is set, with their base URL and quota, from values parsed with vendorSettings. */
export function configuredVendors(values: Record<string, unknown>): VendorSettings {
	const providers: VendorSettings = {};
	for (const id of VENDOR_IDS) {
		const env = VENDOR_REGISTRY[id].env;
		const key = values[env.key] as string | undefined;
		if (key) providers[id] = { key, baseUrl: values[env.baseUrl] as string | undefined, rateLimit: values[env.rateLimit] as BudgetLimits | undefined };
	}
	return providers;
}

export class ConfigError extends Error {
	constructor(
		readonly problems: string[],
		subject = "The bot's configuration",
	) {
		super(`${subject} has ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

/**
 * The environment without its blank variables: one set to nothing (`X=`, or compose's `${X}` when X is unset) counts
 * as not set, for every setting alike, rather than as a bad value.
 */
export function setVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	// A view, not a copy: each name is still read from `env` itself, as it is asked for.
	return new Proxy(env, {
		get: (target, name) => {
			const v: unknown = Reflect.get(target, name);
			return typeof v === 'string' && v.trim() === '' ? undefined : v;
		},
	});
}

/** zod's issues as lines that name the variable; the values of secrets are never repeated. */
export function envProblems(error: z.ZodError): string[] {
	return error.issues.map((i) => (i.message.includes(String(i.path[0] ?? '')) ? i.message : `${String(i.path[0])}: ${i.message}`));
}
