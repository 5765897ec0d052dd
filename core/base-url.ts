/**
 * A vendor's Base URL (set to reach a proxy or the sandbox) is checked before anything is sent: a URL without
 * http(s):// would otherwise fail as a connection error that reads as if the request might have reached the vendor.
 * The same rules hold for every base URL the toolkit reads from its environment (runtime/env-schema.ts).
 */

/** What keeps a string from being a base URL that paths are added to; the text never repeats the value (it may hold a password). */
export function webAddressProblem(value: string): { kind: 'not-url' | 'credentials' | 'query'; text: string } | undefined {
	let url: URL | undefined;
	try {
		url = new URL(value.trim());
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) return { kind: 'not-url', text: 'must be an http(s) URL' };
	if (url.username || url.password) return { kind: 'credentials', text: 'must not hold a user name or password (it would travel in every link and log line)' };
	if (url.search || url.hash) return { kind: 'query', text: 'must have no ?query or #fragment (the paths are added after it)' };
	return undefined;
}

export function baseUrlProblem(baseUrl: string, vendor: { name: string; defaultBaseUrl: string }): string | undefined {
	const value = baseUrl.trim();
	const problem = webAddressProblem(value);
	if (!problem) return undefined;
	if (problem.kind !== 'not-url') return `The ${vendor.name} Base URL ${problem.text}. Nothing was sent.`;
	const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
	return `The ${vendor.name} Base URL "${shown}" is not a web address: it must start with https:// or http:// (${vendor.name}'s own is ${vendor.defaultBaseUrl}). Nothing was sent.`;
}
