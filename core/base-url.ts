/**
 * A vendor's Base URL (set to reach a proxy or the sandbox) is checked before anything is sent: a URL without
 * http(s):// would otherwise fail as a connection error that reads as if the request might have reached the vendor.
 */
export function baseUrlProblem(baseUrl: string, vendor: { name: string; defaultBaseUrl: string }): string | undefined {
	const value = baseUrl.trim();
	let url: URL | undefined;
	try {
		url = new URL(value);
	} catch {
		url = undefined;
	}
	if (url && (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname) return undefined;
	const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
	return `The ${vendor.name} Base URL "${shown}" is not a web address: it must start with https:// or http:// (${vendor.name}'s own is ${vendor.defaultBaseUrl}). Nothing was sent.`;
}
