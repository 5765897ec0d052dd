/**
 * The piece's connection: a key for each vendor the user has (at least one), each with an optional base URL (a
 * proxy, or the local fakes in tests); the same fields as the Zapier app. The fields come from the vendor registry,
 * so a new vendor appears here by itself. Activepieces checks a connection when it is saved with `validate`, which
 * asks each vendor whether its key is good: that spends no credit.
 */
import { PieceAuth, Property, type CustomAuthProps } from '@activepieces/pieces-framework';
import { UpscaleClient, VENDOR_IDS, VENDOR_REGISTRY, listWords, type Ports, type VendorId } from '../../core';

/** "both" while there are two vendors, and still true with more. */
const ALL = VENDOR_IDS.length === 2 ? 'both' : 'several';
import { nodePorts } from '../../runtime/http-undici';
import { errorMessage, PieceError } from './errors';

export const keyField = (id: VendorId) => `${id}_${VENDOR_REGISTRY[id].keyNoun.toLowerCase().replace(/\s+/g, '_')}`;
export const baseUrlField = (id: VendorId) => `${id}_base_url`;
const title = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase()).replace(/\bApi\b/g, 'API');
const keyTitle = (id: VendorId) => title(`${VENDOR_REGISTRY[id].name} ${VENDOR_REGISTRY[id].keyNoun}`);

/** Where a flow builder sets a vendor's key: named in errors instead of the toolkit's environment variables. */
const keyWords = (id: VendorId) => `the ${keyTitle(id)} field of your Upscale connection in Activepieces`;

/** The connection's values: the props themselves (validate gets these) or as a step gets them, `{ type, props }`. */
export type AuthValue = Record<string, unknown> | { type?: string; props?: Record<string, unknown> } | undefined;

const propsOf = (auth: AuthValue): Record<string, unknown> => {
	const a = (auth ?? {}) as { props?: unknown };
	return a.props && typeof a.props === 'object' ? (a.props as Record<string, unknown>) : (auth as Record<string, unknown>) ?? {};
};
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** The vendors this connection has a key for. */
export function connectedVendors(auth: AuthValue): VendorId[] {
	const props = propsOf(auth);
	return VENDOR_IDS.filter((id) => text(props[keyField(id)]));
}

/** The vendor's base URL this connection uses: its own setting, else the vendor's real host. */
export const baseUrlOf = (auth: AuthValue, provider: VendorId): string => text(propsOf(auth)[baseUrlField(provider)]) || VENDOR_REGISTRY[provider].defaultBaseUrl;

/** The core client for one vendor of the connection; a clear refusal when the connection has no key for it. */
export function clientFor(auth: AuthValue, provider: VendorId, ports: Ports = nodePorts()): UpscaleClient {
	const props = propsOf(auth);
	const key = text(props[keyField(provider)]);
	const name = VENDOR_REGISTRY[provider].name;
	if (!key) {
		const has = connectedVendors(auth).map((v) => VENDOR_REGISTRY[v].name);
		throw new PieceError(`This Upscale connection has no ${name} ${VENDOR_REGISTRY[provider].keyNoun}${has.length ? ` (it has ${listWords(has, 'and')})` : ''}: add one to the connection, or pick another provider.`);
	}
	return new UpscaleClient({
		provider,
		apiKey: key,
		baseUrl: text(props[baseUrlField(provider)]) || undefined,
		wording: { key: keyWords(provider), rateLimit: 'run the step again in a minute' },
		ports,
	});
}

/** Activepieces' check when a connection is saved: at least one key, and every key given accepted by its vendor. */
export async function validate({ auth }: { auth: AuthValue }): Promise<{ valid: true } | { valid: false; error: string }> {
	const vendors = connectedVendors(auth);
	if (!vendors.length) return { valid: false, error: `Enter ${listWords(VENDOR_IDS.map((id) => `a ${VENDOR_REGISTRY[id].name} ${VENDOR_REGISTRY[id].keyNoun}`), 'or')} (or ${ALL}).` };
	for (const id of vendors) {
		try {
			await clientFor(auth, id).verifyCredentials();
		} catch (e) {
			return { valid: false, error: errorMessage(e, id) };
		}
	}
	return { valid: true };
}

const props: CustomAuthProps = Object.fromEntries(
	VENDOR_IDS.flatMap((id) => [
		[
			keyField(id),
			PieceAuth.SecretText({
				displayName: keyTitle(id),
				description: `Your ${VENDOR_REGISTRY[id].name} ${VENDOR_REGISTRY[id].keyNoun}. Leave it empty if you do not use ${VENDOR_REGISTRY[id].name}; at least one key is needed.`,
				required: false,
			}),
		],
		[
			baseUrlField(id),
			Property.ShortText({
				displayName: `${VENDOR_REGISTRY[id].name} Base URL`,
				description: `Only for a proxy in front of ${VENDOR_REGISTRY[id].name}. Leave it empty for ${VENDOR_REGISTRY[id].defaultBaseUrl}.`,
				required: false,
			}),
		],
	]),
);

export const upscaleAuth = PieceAuth.CustomAuth({
	displayName: 'Upscale connection',
	description: `Keys of the upscaling services you use: ${listWords(VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name), 'or')}, or ${ALL}.`,
	required: true,
	props,
	validate,
});
