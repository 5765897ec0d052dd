/**
 * Runs the chosen operation over the input items, a few at a time: one client for the execution (so items share the
 * vendor's request budget), one stop signal (the execution's cancel, or the first failure when not continuing on
 * failure), and core errors turned into n8n's.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { PROVIDER_NAMES, type UpscaleClient, type VendorId } from '../../../core';
import { OPERATION_NAMES } from '../description';
import { asNodeError, failureJson } from '../errors';
import { clientFor } from './client';
import type { NodeVendor } from '../vendors/types';
import * as getTask from './getTask.operation';
import { eachLimited } from './each-limited';
import type { ItemRun } from './output';
import { submitAndWait } from './resumeOnWebhook';
import * as upscale from './upscale.operation';

type Operation = (ctx: IExecuteFunctions, i: number, run: ItemRun) => Promise<INodeExecutionData>;

const OPERATIONS: Record<string, { execute: Operation; concurrency?: (ctx: IExecuteFunctions) => number }> = { upscale, getTask };

/** The operation n8n adds to nodes whose credentials authenticate generically; it is the HTTP Request node's job. */
const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

function operationOf(ctx: IExecuteFunctions, vendor: NodeVendor) {
	const name = ctx.getNodeParameter('operation', 0) as string;
	if (name === CUSTOM_API_CALL) {
		throw new NodeOperationError(
			ctx.getNode(),
			`A custom API call is made with n8n's HTTP Request node: add one, set Authentication to "Predefined Credential Type" and choose ${PROVIDER_NAMES[vendor.id]} API. This node upscales images (${OPERATION_NAMES.upscale}) and fetches tasks (${OPERATION_NAMES.getTask}).`,
		);
	}
	const operation = OPERATIONS[name];
	if (!operation) throw new NodeOperationError(ctx.getNode(), `Unknown operation "${name}".`);
	return operation;
}

export async function route(ctx: IExecuteFunctions, vendors: readonly NodeVendor[]): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const provider = ctx.getNodeParameter('provider', 0) as VendorId;
	const vendor = vendors.find((v) => v.id === provider);
	if (!vendor) throw new NodeOperationError(ctx.getNode(), `Unknown provider "${provider}".`);
	const operation = operationOf(ctx, vendor);
	let client: UpscaleClient;
	try {
		client = await clientFor(ctx, vendor);
	} catch (e) {
		if (!ctx.continueOnFail()) throw asNodeError(ctx.getNode(), e, provider, 0);
		return [items.map((_, i) => ({ json: failureJson(e, provider), pairedItem: { item: i } }))];
	}
	const concurrency = operation.concurrency?.(ctx) ?? 4;

	const stop = new AbortController();
	const cancel = ctx.getExecutionCancelSignal?.();
	if (cancel?.aborted) stop.abort();
	cancel?.addEventListener('abort', () => stop.abort(), { once: true });
	if (operation === OPERATIONS.upscale && upscale.waitModeOf(ctx, 0) === 'webhook') return submitAndWait(ctx, { client, vendor, signal: stop.signal, concurrency });

	const out: INodeExecutionData[] = new Array(items.length);
	let failure: Error | undefined;
	await eachLimited(items.length, concurrency, async (i) => {
		if (failure) return; // the first failure stops the items not started yet
		try {
			out[i] = await operation.execute(ctx, i, { client, vendor, signal: stop.signal });
		} catch (e) {
			if (ctx.continueOnFail()) {
				out[i] = { json: failureJson(e, provider), pairedItem: { item: i } };
			} else if (!failure) {
				failure = asNodeError(ctx.getNode(), e, provider, i);
				stop.abort();
			}
		}
	});
	if (failure) throw failure;
	return [out];
}
