/**
 * The pieces both operations put in an output item: the image as n8n binary data, its facts, dates as ISO text,
 * and (from version 2) the input item kept around them, as n8n's own binary nodes do.
 */
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';
import { upscaledName, type OutputImage, type SubmittedTask, type UpscaleClient, type UpscaleResult } from '../../../core';
import type { NodeVendor } from '../vendors/types';

/** What an operation gets for one item: the execution's client, the provider's node file, the stop signal. */
export interface ItemRun {
	client: UpscaleClient;
	vendor: NodeVendor;
	signal: AbortSignal;
}

export const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function binaryOutput(ctx: IExecuteFunctions | IWebhookFunctions, image: OutputImage, property: string, fileName: string): Promise<IBinaryKeyData> {
	const buffer = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
	return { [property]: await ctx.helpers.prepareBinaryData(buffer, fileName, image.contentType) };
}

export function outputJson(image: OutputImage): IDataObject {
	return { width: image.width ?? null, height: image.height ?? null, format: image.format ?? null, mimeType: image.contentType, bytes: image.bytes.length };
}

/** The fields of a submitted task's item (Return Task, and Resume on Webhook while the execution waits). */
export function submittedJson(s: SubmittedTask): IDataObject {
	return { provider: s.provider, operation: 'upscale', taskId: s.taskId, status: 'submitted', input: s.input, target: s.target, credits: s.credits, params: s.params };
}

/** Where an item's upscaled image goes and what it is called: the Output Binary Field and File Name options. */
export interface ItemOutput {
	property: string;
	fileName: (extension: string) => string;
}

/** The options' values (empty for unset) over the defaults: field `data`, `<input name>-upscaled.<ext>`. */
export function itemOutput(extra: IDataObject, inputName: string): ItemOutput {
	return {
		property: String(extra.outputBinaryPropertyName || 'data'),
		fileName: (extension) => String(extra.fileName || '') || upscaledName(inputName, extension),
	};
}

/** The fields of an upscaled item (Poll, and Resume on Webhook when the vendor calls). */
export function resultJson(r: UpscaleResult): IDataObject {
	return {
		provider: r.provider,
		operation: 'upscale',
		taskId: r.taskId ?? null,
		status: r.status,
		execution: r.execution,
		input: r.input,
		output: outputJson(r),
		credits: r.credits,
		resultUrl: r.resultUrl ?? null,
		resultExpiresAt: iso(r.resultExpiresAt),
		vendorProcessingMs: r.vendorProcessingMs ?? null,
		elapsedMs: r.elapsedMs,
		params: r.params as IDataObject,
	};
}

/**
 * The output item for input item i. Version 2 keeps the input's other fields and binaries, with the result's
 * fields and binary added over them; version 1 outputs the result alone, as its saved workflows expect.
 */
export function keptItem(ctx: IExecuteFunctions, i: number, json: IDataObject, binary?: IBinaryKeyData): INodeExecutionData {
	return keptOver(ctx.getNode().typeVersion, ctx.getInputData()[i], i, json, binary);
}

/** keptItem with the node's version and the input item given (the webhook side has no getInputData). */
export function keptOver(version: number, input: INodeExecutionData | undefined, i: number, json: IDataObject, binary?: IBinaryKeyData): INodeExecutionData {
	const item: INodeExecutionData = { json, pairedItem: { item: i } };
	if (binary) item.binary = binary;
	if (version < 2) return item;
	item.json = { ...(input?.json ?? {}), ...json };
	if (input?.binary || binary) item.binary = { ...(input?.binary ?? {}), ...(binary ?? {}) };
	return item;
}
