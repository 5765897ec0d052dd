import {
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { UpscaleClient, type VendorId } from '../../core';
import { properties } from './description';
import { asUpscaleError, errorJson, toNodeError } from './errors';
import { getTaskItem, upscaleItem } from './operations';
import { abortableSleep, clock, executionPorts, httpOver, type RequestFn } from './transport';

const CREDENTIAL: Record<VendorId, string> = { clipdrop: 'clipdropApi', ximilar: 'ximilarApi' };

/** A client for this execution: the credential's base URL and quota; the key is added by n8n's auth. */
async function clientFor(ctx: IExecuteFunctions, provider: VendorId): Promise<UpscaleClient> {
	const type = CREDENTIAL[provider];
	const creds = (await ctx.getCredentials(type)) as IDataObject;
	const secret = String((provider === 'clipdrop' ? creds.apiKey : creds.apiToken) ?? '');
	const perMinute = Number(creds.requestsPerMinute ?? 0);
	return new UpscaleClient({
		provider,
		baseUrl: String(creds.baseUrl || '') || undefined,
		budgetKey: ctx.getNode().credentials?.[type]?.id ?? secret,
		rateLimit: perMinute > 0 ? { requests: perMinute, windowMs: 60_000 } : undefined,
		secrets: secret ? [secret] : [],
		ports: executionPorts(ctx, type),
	});
}

export class Upscaler implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Upscaler',
		name: 'upscaler',
		icon: { light: 'file:upscaler.svg', dark: 'file:upscaler.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ ($parameter["operation"] === "getTask" ? "Get Task" : "Upscale") + " · " + ($parameter["provider"] === "ximilar" ? "Ximilar" : "Clipdrop") }}',
		description: 'Upscale images with Clipdrop or Ximilar (super resolution)',
		defaults: { name: 'Upscaler' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: undefined,
		credentials: [
			{ name: 'clipdropApi', required: true, displayOptions: { show: { provider: ['clipdrop'] } }, testedBy: 'clipdropApiTest' },
			{ name: 'ximilarApi', required: true, displayOptions: { show: { provider: ['ximilar'] } } },
		],
		properties,
	};

	methods = {
		credentialTest: {
			/**
			 * Clipdrop has no free "who am I" endpoint, and n8n counts every non-2xx answer of a declarative test
			 * as a failure. The free probe is the status of a made-up task: a good key gets 404, a bad one 401/403.
			 * The core's verifyCredentials() reads that; this sends it with the one helper credential tests get.
			 */
			async clipdropApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				const data = (credential.data ?? {}) as IDataObject;
				const key = String(data.apiKey ?? '');
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
					apiKey: key,
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
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const provider = this.getNodeParameter('provider', 0) as VendorId;
		const operation = this.getNodeParameter('operation', 0) as 'upscale' | 'getTask';
		const client = await clientFor(this, provider);
		const extra = (operation === 'upscale' ? this.getNodeParameter('options', 0, {}) : {}) as IDataObject;
		const concurrency = Math.max(1, Math.min(20, Number(extra.concurrency ?? 4)));

		// One signal for every item: the execution's cancel signal, or the first failure when not continuing.
		const stop = new AbortController();
		const cancel = this.getExecutionCancelSignal?.();
		if (cancel?.aborted) stop.abort();
		cancel?.addEventListener('abort', () => stop.abort(), { once: true });

		const out: INodeExecutionData[] = new Array(items.length);
		let failure: Error | undefined;
		let next = 0;
		const worker = async () => {
			while (!failure) {
				const i = next++;
				if (i >= items.length) return;
				try {
					out[i] = operation === 'getTask' ? await getTaskItem(this, i, client, stop.signal) : await upscaleItem(this, i, client, stop.signal);
				} catch (e) {
					const n8nError = e instanceof NodeOperationError ? e : undefined;
					if (this.continueOnFail()) {
						out[i] = { json: n8nError ? { error: n8nError.message } : errorJson(asUpscaleError(e)), pairedItem: { item: i } };
					} else if (!failure) {
						failure = n8nError ?? toNodeError(this.getNode(), asUpscaleError(e), i);
						stop.abort();
					}
				}
			}
		};
		await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
		if (failure) throw failure;
		return [out];
	}
}
