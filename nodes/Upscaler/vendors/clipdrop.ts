/** Clipdrop in the node: a scale or an exact size, the strategy; its credential's free key test. */
import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, INodeCredentialTestResult } from 'n8n-workflow';
import { asUpscaleError, invalidOptions, UpscaleClient, type UpscaleOptionsInput } from '../../../core';
import { abortableSleep, clock, httpOver, type RequestFn } from '../transport';
import type { NodeVendor } from './types';

/**
 * Clipdrop has no free "who am I" endpoint, and n8n counts every non-2xx answer of a declarative test as a failure.
 * The free probe is the status of a made-up task: a good key gets 404, a bad one 401/403. The core's
 * verifyCredentials() reads that; this sends it with the one helper credential tests get.
 */
async function clipdropApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IDataObject;
	const send: RequestFn = async (options) => {
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- ICredentialTestFunctions offers only `request`
		const res = await this.helpers.request({
			method: options.method,
			uri: options.url,
			headers: options.headers,
			encoding: null,
			resolveWithFullResponse: true,
			simple: false,
			timeout: options.timeout,
		});
		return { statusCode: res.statusCode, headers: res.headers, body: res.body };
	};
	const client = new UpscaleClient({
		provider: 'clipdrop',
		apiKey: String(data.apiKey ?? ''),
		baseUrl: String(data.baseUrl || '') || undefined,
		rateLimit: false,
		retry: { readRetries: 0, connectRetries: 0, rateLimitRetries: 0 },
		ports: { http: httpOver(send), sleep: abortableSleep, clock },
	});
	try {
		await client.verifyCredentials();
		return { status: 'OK', message: 'Clipdrop accepted the API key.' };
	} catch (e) {
		return { status: 'Error', message: asUpscaleError(e).message };
	}
}

export const clipdrop: NodeVendor = {
	id: 'clipdrop',
	description: 'Exact output size up to 4096 px (sync) or 12288 px (async)',
	credential: { name: 'clipdropApi', secretField: 'apiKey', test: clipdropApiTest },
	properties: [
		{
			displayName: 'Size',
			name: 'sizeMode',
			type: 'options',
			options: [
				{ name: 'Scale Factor', value: 'scale', description: 'Multiply both sides; the aspect ratio is kept' },
				{ name: 'Exact Size', value: 'exact', description: 'A target width and/or height in pixels' },
			],
			default: 'scale',
		},
		{
			displayName: 'Scale Factor',
			name: 'scale',
			type: 'number',
			typeOptions: { minValue: 1.01, maxValue: 16, numberPrecision: 2 },
			displayOptions: { show: { sizeMode: ['scale'] } },
			default: 2,
			description: "Multiply both sides by this (the output must fit Clipdrop's limits: 4096 px sync, 12288 px async)",
		},
		{
			displayName: 'Width',
			name: 'width',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 12288 },
			displayOptions: { show: { sizeMode: ['exact'] } },
			default: 0,
			description: 'Output width in pixels; 0 follows the height, keeping the aspect ratio',
		},
		{
			displayName: 'Height',
			name: 'height',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 12288 },
			displayOptions: { show: { sizeMode: ['exact'] } },
			default: 0,
			description: 'Output height in pixels; 0 follows the width, keeping the aspect ratio',
		},
		{
			displayName: 'Strategy',
			name: 'strategy',
			type: 'options',
			options: [
				{ name: 'Smooth', value: 'smooth', description: '1 credit per image' },
				{ name: 'Detailed', value: 'detailed', description: 'More detail; 1 credit per output megapixel (async endpoint)' },
			],
			default: 'smooth',
		},
	],

	readOptions(ctx, i, _extra, { execution, wait }) {
		const o: UpscaleOptionsInput = {};
		if (ctx.getNodeParameter('sizeMode', i) === 'exact') {
			const width = Number(ctx.getNodeParameter('width', i, 0));
			const height = Number(ctx.getNodeParameter('height', i, 0));
			if (!width && !height) throw invalidOptions('Exact Size needs a width or a height (or both).', 'clipdrop');
			if (width) o.width = width;
			if (height) o.height = height;
		} else {
			o.scale = Number(ctx.getNodeParameter('scale', i, 2));
		}
		const strategy = ctx.getNodeParameter('strategy', i, 'smooth') as 'smooth' | 'detailed';
		// "smooth" is what async does anyway, and the sync endpoint costs the same: only pass it when it matters.
		if (strategy === 'detailed' || execution === 'async' || !wait) o.strategy = strategy;
		return o;
	},
};
