/**
 * A credential's declarative test run the way n8n's CredentialsTester runs one (n8n 2.40): the request through the
 * credential's authenticate(); a non-2xx answer fails with the matching responseCode rule's message (or n8n's
 * generic one) unless the request ignores HTTP status errors; a 2xx (or ignored) body fails on a matching
 * responseSuccessBody rule; anything else is "Connection successful!". A connection error shows its code.
 */
import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions } from 'n8n-workflow';

export async function runCredentialTest(cred: ICredentialType & { authenticate: (c: ICredentialDataDecryptedObject, o: IHttpRequestOptions) => Promise<IHttpRequestOptions> }, data: ICredentialDataDecryptedObject) {
	const t = cred.test!;
	// The only expression the credentials use for baseURL: the Base URL trimmed, without trailing slashes.
	expect(t.request.baseURL).toBe('={{$credentials.baseUrl.trim().replace(/\\/+$/, "")}}');
	const base = String(data.baseUrl).trim().replace(/\/+$/, '');
	let options: IHttpRequestOptions;
	try {
		options = await cred.authenticate(data, { url: `${base}${t.request.url}`, method: t.request.method ?? 'GET', headers: {} });
	} catch (e) {
		return { status: 'Error', message: (e as Error).message };
	}
	let res: Response;
	try {
		res = await fetch(options.url, { method: options.method, headers: options.headers as Record<string, string> });
	} catch (e) {
		return { status: 'Error', message: String((e as { cause?: { code?: string } }).cause?.code) };
	}
	const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
	if (!res.ok && !t.request.ignoreHttpStatusErrors) {
		const rule = t.rules?.find((r) => r.type === 'responseCode' && r.properties.value === res.status);
		return { status: 'Error', message: rule ? rule.properties.message : `Received HTTP status code: ${res.status}` };
	}
	const rule = t.rules?.find((r) => r.type === 'responseSuccessBody' && body?.[r.properties.key] === r.properties.value);
	return rule ? { status: 'Error', message: rule.properties.message } : { status: 'OK', message: 'Connection successful!' };
}
