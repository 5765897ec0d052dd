/** The pieces both operations put in an output item: the image as n8n binary data, its facts, dates as ISO text. */
import type { IBinaryKeyData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { OutputImage, UpscaleClient } from '../../../core';
import type { NodeVendor } from '../vendors/types';

/** What an operation gets for one item: the execution's client, the provider's node file, the stop signal. */
export interface ItemRun {
	client: UpscaleClient;
	vendor: NodeVendor;
	signal: AbortSignal;
}

export const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export async function binaryOutput(ctx: IExecuteFunctions, image: OutputImage, property: string, fileName: string): Promise<IBinaryKeyData> {
	const buffer = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
	return { [property]: await ctx.helpers.prepareBinaryData(buffer, fileName, image.contentType) };
}

export function outputJson(image: OutputImage): IDataObject {
	return { width: image.width ?? null, height: image.height ?? null, format: image.format ?? null, mimeType: image.contentType, bytes: image.bytes.length };
}
