import type { ICredentialDataDecryptedObject, ICredentialTestRequest, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { ximilarAuthorization, ximilarKeyRefused } from '../core/vendors/ximilar';

/** Ximilar: "Authorization: Token <token>" (a pasted "Token "/"Bearer " prefix is tolerated; JWTs use "JWT"). */
export class XimilarApi implements ICredentialType {
	name = 'ximilarApi';
	displayName = 'Ximilar API';
	icon = 'file:ximilar.svg' as const;
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
			default: 'https://api.ximilar.com',
			description: 'Change only to go through a proxy, or to use the local sandbox for testing',
		},
	];

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: ximilarAuthorization(String(credentials.apiToken ?? '')) } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/account/v2/details/',
			method: 'GET',
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: ximilarKeyRefused(401) } },
			{ type: 'responseCode', properties: { value: 403, message: ximilarKeyRefused(403) } },
		],
	};
}
