import type { ICredentialDataDecryptedObject, ICredentialTestRequest, ICredentialType, IHttpRequestOptions, Icon, INodeProperties } from 'n8n-workflow';
import { baseUrlProblem } from '../core/base-url';
import { clipdrop, CLIPDROP_DEFAULT_BASE_URL, clipdropKeyRefused } from '../core/vendors/clipdrop';

/**
 * Clipdrop: the key goes in the x-api-key header. Clipdrop has no free endpoint that answers 2xx to a good key, so
 * the test asks for the status of a task that does not exist (free): a good key gets 404, which the test accepts
 * (ignoreHttpStatusErrors); the bodies Clipdrop sends for a missing or refused key fail it with our words.
 * (A custom test could read the status itself, but n8n's verification forbids the request helper it would need.)
 */
export class ClipdropApi implements ICredentialType {
	name = 'clipdropApi';
	displayName = 'Clipdrop API';
	icon: Icon = { light: 'file:clipdrop.svg', dark: 'file:clipdrop.dark.svg' };
	documentationUrl = 'https://clipdrop.co/apis/docs/image-upscaling';
	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'From your Clipdrop account page (APIs section)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: CLIPDROP_DEFAULT_BASE_URL,
			description: 'Change only to go through a proxy, or to use the local sandbox for testing',
		},
		{
			displayName: 'Requests per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: "Your key's quota (Clipdrop's default is 60, status checks included). Raise it only if Clipdrop raised it for you.",
		},
	];

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const problem = baseUrlProblem(String(credentials.baseUrl || CLIPDROP_DEFAULT_BASE_URL), clipdrop);
		if (problem) throw new Error(problem);
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), 'x-api-key': String(credentials.apiKey ?? '').trim() } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.trim().replace(/\\/+$/, "")}}',
			url: '/async-tasks/v1/task-status/n8n-credential-test',
			method: 'GET',
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{ type: 'responseSuccessBody', properties: { key: 'error', value: 'No api key provided', message: clipdropKeyRefused(401, 'the API Key field') } },
			{ type: 'responseSuccessBody', properties: { key: 'error', value: 'Invalid api key', message: clipdropKeyRefused(403, 'the API Key field') } },
		],
	};
}
