import type { IAuthenticateGeneric, ICredentialType, INodeProperties } from 'n8n-workflow';

/** Clipdrop: the key goes in the x-api-key header. Tested by the Upscaler node (see clipdropApiTest). */
export class ClipdropApi implements ICredentialType {
	name = 'clipdropApi';
	displayName = 'Clipdrop API';
	icon = 'file:clipdrop.svg' as const;
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
			default: 'https://clipdrop-api.co',
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
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'x-api-key': '={{$credentials.apiKey.trim()}}' } },
	};
}
