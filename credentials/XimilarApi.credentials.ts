import type { ICredentialDataDecryptedObject, ICredentialTestRequest, ICredentialType, IHttpRequestOptions, Icon, INodeProperties } from 'n8n-workflow';
import { baseUrlProblem } from '../core/base-url';
import { ximilar, XIMILAR_DEFAULT_BASE_URL, ximilarAuthorization, ximilarKeyRefused } from '../core/vendors/ximilar';

/**
 * Ximilar: "Authorization: Token <token>" (a pasted "Token "/"Bearer " prefix is tolerated; JWTs use "JWT"). The
 * test reads the account details (free). A Base URL without http(s):// is refused before anything is sent.
 */
export class XimilarApi implements ICredentialType {
	name = 'ximilarApi';
	displayName = 'Ximilar API';
	icon: Icon = { light: 'file:ximilar.svg', dark: 'file:ximilar.dark.svg' };
	documentationUrl = 'https://docs.ximilar.com/';
	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'From app.ximilar.com (Settings → API token). The Upscaler service must be enabled for the account.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: XIMILAR_DEFAULT_BASE_URL,
			description: 'Change only to go through a proxy, or to use the local sandbox for testing',
		},
	];

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const problem = baseUrlProblem(String(credentials.baseUrl || XIMILAR_DEFAULT_BASE_URL), ximilar);
		if (problem) throw new Error(problem);
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: ximilarAuthorization(String(credentials.apiToken ?? '')) } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.trim().replace(/\\/+$/, "")}}',
			url: '/account/v2/details/',
			method: 'GET',
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: ximilarKeyRefused(401, 'the API Token field') } },
			{ type: 'responseCode', properties: { value: 403, message: ximilarKeyRefused(403, 'the API Token field') } },
		],
	};
}
