/**
 * Runs the chosen operation over the input items, a few at a time: one client for the execution (so items share the
 * vendor's request budget), one stop signal (the execution's cancel, or the first failure when not continuing on
 * failure), and core errors turned into n8n's.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { asUpscaleError, UpscaleClient, type VendorId } from '../../../core';
import { errorJson, toNodeError } from '../errors';
import { executionPorts } from '../transport';
import type { NodeVendor } from '../vendors/types';
import * as getTask from './getTask.operation';
import type { ItemRun } from './output';
import * as upscale from './upscale.operation';

type Operation = (ctx: IExecuteFunctions, i: number, run: ItemRun) => Promise<INodeExecutionData>;

const OPERATIONS: Record<string, { execute: Operation; concurrency?: (ctx: IExecuteFunctions) => number }> = { upscale, getTask };

/** A client for this execution: the credential's base URL and quota; the key is added by n8n's auth. */
async function clientFor(ctx: IExecuteFunctions, { id: provider, credential }: NodeVendor): Promise<UpscaleClient> {
	const creds = (await ctx.getCredentials(credential.name)) as IDataObject;
	const secret = String(creds[credential.secretField] ?? '');
	const perMinute = Number(creds.requestsPerMinute ?? 0);
	return new UpscaleClient({
		provider,
		baseUrl: String(creds.baseUrl || '') || undefined,
		budgetKey: ctx.getNode().credentials?.[credential.name]?.id ?? secret,
		rateLimit: perMinute > 0 ? { requests: perMinute, windowMs: 60_000 } : undefined,
		secrets: secret ? [secret] : [],
		ports: executionPorts(ctx, credential.name),
	});
}

export async function route(ctx: IExecuteFunctions, vendors: readonly NodeVendor[]): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const operation = OPERATIONS[ctx.getNodeParameter('operation', 0) as string];
	const provider = ctx.getNodeParameter('provider', 0) as VendorId;
	const vendor = vendors.find((v) => v.id === provider);
	if (!vendor) throw new NodeOperationError(ctx.getNode(), `Unknown provider "${provider}".`);
	const client = await clientFor(ctx, vendor);
	const concurrency = operation.concurrency?.(ctx) ?? 4;

	const stop = new AbortController();
	const cancel = ctx.getExecutionCancelSignal?.();
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
				out[i] = await operation.execute(ctx, i, { client, vendor, signal: stop.signal });
			} catch (e) {
				const n8nError = e instanceof NodeOperationError ? e : undefined;
				if (ctx.continueOnFail()) {
					out[i] = { json: n8nError ? { error: n8nError.message } : errorJson(asUpscaleError(e)), pairedItem: { item: i } };
				} else if (!failure) {
					failure = n8nError ?? toNodeError(ctx.getNode(), asUpscaleError(e), i);
					stop.abort();
				}
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	if (failure) throw failure;
	return [out];
}
