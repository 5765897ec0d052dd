/**
 * The Zapier connection: a key for each vendor the user has (at least one), each with an optional base URL (a
 * proxy, or the local fakes in tests). The fields are derived from the vendor registry, so a new vendor appears
 * here by itself. The connection test asks each vendor whether its key is good, which spends no credit.
 */
import { createHash } from 'node:crypto';
import type { Bundle, ZObject } from 'zapier-platform-core';
import { UpscaleClient, VENDOR_IDS, VENDOR_REGISTRY, listWords, type VendorId } from '../../core';
import { asZapierError } from './errors';
import { zapierPorts } from './ports';

export const keyField = (id: VendorId) => `${id}_${VENDOR_REGISTRY[id].keyNoun.toLowerCase().replace(/\s+/g, '_')}`;
export const baseUrlField = (id: VendorId) => `${id}_base_url`;
const title = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase()).replace(/\bApi\b/g, 'API');

/** Where a Zap user sets a vendor's key: named in errors instead of the toolkit's environment variables. */
const keyWords = (id: VendorId) => `the ${title(`${VENDOR_REGISTRY[id].name} ${VENDOR_REGISTRY[id].keyNoun}`)} field of your Upscale connection in Zapier`;

type AuthData = Record<string, string | undefined>;

/** The vendors this connection has a key for. */
export function connectedVendors(authData: AuthData | undefined): VendorId[] {
	return VENDOR_IDS.filter((id) => String(authData?.[keyField(id)] ?? '').trim());
}

/** The core client for one vendor of the connection; a clear refusal when the connection has no key for it. */
export function clientFor(z: ZObject, bundle: Bundle, provider: VendorId): UpscaleClient {
	const authData = bundle.authData as AuthData;
	const key = String(authData?.[keyField(provider)] ?? '').trim();
	const name = VENDOR_REGISTRY[provider].name;
	if (!key) {
		const has = connectedVendors(authData);
		throw new z.errors.Error(
			`This Upscale connection has no ${name} ${VENDOR_REGISTRY[provider].keyNoun}${has.length ? ` (it has ${listWords(has.map((v) => VENDOR_REGISTRY[v].name), 'and')})` : ''}: add one to the connection, or pick another provider.`,
			'AUTH',
			401,
		);
	}
	return new UpscaleClient({
		provider,
		apiKey: key,
		baseUrl: String(authData?.[baseUrlField(provider)] ?? '').trim() || undefined,
		wording: { key: keyWords(provider), rateLimit: 'Zapier retries a throttled step by itself' },
		ports: zapierPorts(z),
	});
}

/**
 * Tells two keys apart without showing either: four hex digits of the key's SHA-256 (a checksum of it, from which
 * nothing of the key can be read back), the same in every Zap and on every device.
 */
export const keyTag = (key: string) => createHash('sha256').update(key.trim()).digest('hex').slice(0, 4);

/** "Clipdrop #3fa2 + Ximilar #91c0 via proxy.example.com": which vendors, which keys, and any base URL's host. */
function connectionName(authData: AuthData, vendors: VendorId[]): string {
	return vendors
		.map((id) => {
			const base = String(authData[baseUrlField(id)] ?? '').trim();
			let host = '';
			try {
				host = base ? ` via ${new URL(base).host}` : '';
			} catch {
				// The test above refused a base URL that is not one before this is reached.
			}
			return `${VENDOR_REGISTRY[id].name} #${keyTag(String(authData[keyField(id)]))}${host}`;
		})
		.join(' + ');
}

async function test(z: ZObject, bundle: Bundle) {
	const authData = bundle.authData as AuthData;
	const vendors = connectedVendors(authData);
	if (!vendors.length) {
		throw new z.errors.Error(`Enter ${listWords(VENDOR_IDS.map((id) => `a ${VENDOR_REGISTRY[id].name} ${VENDOR_REGISTRY[id].keyNoun}`), 'or')} (or ${VENDOR_IDS.length === 2 ? 'both' : 'several'}).`, 'AUTH', 401);
	}
	for (const id of vendors) {
		try {
			await clientFor(z, bundle, id).verifyCredentials();
		} catch (e) {
			throw asZapierError(z, e, id);
		}
	}
	return { providers: vendors.map((id) => VENDOR_REGISTRY[id].name).join(' + '), connection: connectionName(authData, vendors) };
}

export const authentication = {
	type: 'custom' as const,
	fields: VENDOR_IDS.flatMap((id) => {
		const v = VENDOR_REGISTRY[id];
		return [
			{
				key: keyField(id),
				label: title(`${v.name} ${v.keyNoun}`),
				type: 'password' as const,
				required: false,
				helpText: `Your ${v.name} ${v.keyNoun}, from [${v.keyPage.words}](${v.keyPage.url}). Leave it empty if you do not use ${v.name}; at least one key is needed.`,
			},
			{
				key: baseUrlField(id),
				label: `${v.name} Base URL`,
				type: 'string' as const,
				required: false,
				helpText: `Only for a proxy in front of ${v.name}. Leave it empty to reach [${v.name}'s API](${v.defaultBaseUrl}) directly.`,
			},
		];
	}),
	test,
	/** "Clipdrop #3fa2 + Ximilar #91c0": two connections with other keys read differently, and no key is shown. */
	connectionLabel: '{{connection}}',
};
