/**
 * The registry: every provider this tool offers, with its metadata. Front doors derive their lists from here (the
 * provider ids, the CLI's choices and environment names, the bot's settings and choices, the node's credentials);
 * adding a vendor is its module plus one line below.
 */
import { LOCAL } from '../local';
import { OPTION_LABELS, PROVIDER_OPTIONS, type UpscaleOptions } from '../options';
import { invalidOptions } from '../errors';
import { clipdrop } from './clipdrop';
import type { ForeignOption, ProviderInfo, Vendor } from './types';
import { ximilar } from './ximilar';

/** The registry of the paid vendors (by id: each one's metadata and operations), in the order they are offered (and tried, when a key is set for more than one). */
export const VENDOR_REGISTRY = { clipdrop, ximilar } satisfies Record<string, Vendor>;

export type VendorId = keyof typeof VENDOR_REGISTRY;
/** A vendor, or the keyless local engine. */
export type ProviderId = VendorId | 'local';

export const VENDOR_IDS = Object.keys(VENDOR_REGISTRY) as VendorId[];
export const PROVIDER_IDS: ProviderId[] = [...VENDOR_IDS, 'local'];

const PROVIDERS: Record<ProviderId, ProviderInfo> = { ...VENDOR_REGISTRY, local: LOCAL };

/** How each provider is named to users ("Clipdrop", "the local engine"). */
export const PROVIDER_NAMES = Object.fromEntries(PROVIDER_IDS.map((id) => [id, PROVIDERS[id].name])) as Record<ProviderId, string>;

/** A provider's entry: its name, the options it takes, whether it is paid. */
export const providerInfo = (id: ProviderId): ProviderInfo => PROVIDERS[id];

/** Whether a provider's requests cost credits (the vendors) or nothing (the local engine). */
export const isPaid = (id: ProviderId): boolean => PROVIDERS[id]?.paid ?? true; // unknown (a stored job of a removed provider): assume it charged

export function isProviderId(id: unknown): id is ProviderId {
	return typeof id === 'string' && (PROVIDER_IDS as string[]).includes(id);
}

export function isVendorId(id: unknown): id is VendorId {
	return typeof id === 'string' && (VENDOR_IDS as string[]).includes(id);
}

/** "a, b or c": a list for a message. */
export function listWords(items: readonly string[], last = 'or'): string {
	return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/**
 * Refuses the options a provider does not take, naming them and who takes them: the one check for every provider.
 * An option only the local engine takes gets its own sentence (the vendors always run their own models).
 */
export function refuseForeignOptions(o: UpscaleOptions, provider: ProviderId): void {
	const info = PROVIDERS[provider];
	const foreign: Array<ForeignOption & { localOnly: boolean }> = [];
	for (const key of PROVIDER_OPTIONS) {
		const label = OPTION_LABELS[key];
		if (o[key] === undefined || info.accepts.includes(key) || foreign.some((f) => f.label === label)) continue;
		const owners = VENDOR_IDS.filter((id) => VENDOR_REGISTRY[id].accepts.includes(key)).map((id) => VENDOR_REGISTRY[id].name);
		foreign.push({ label, owners, localOnly: !owners.length });
	}
	const localOnly = foreign.find((f) => f.localOnly);
	if (localOnly) {
		throw invalidOptions(`${localOnly.label[0].toUpperCase()}${localOnly.label.slice(1)} belongs to ${LOCAL.name}; the vendors always run their own models.`, provider);
	}
	if (foreign.length) throw invalidOptions(info.refuseForeign(foreign), provider);
}

export type { Credits, TaskStatus, Vendor, ProviderInfo } from './types';
