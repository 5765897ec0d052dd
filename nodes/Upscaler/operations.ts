/** One item of each operation: node parameters → core call → an output item (json + binary). */
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { invalidOptions, type OutputImage, type UpscaleClient, type UpscaleInput, type UpscaleOptionsInput, type VendorId } from '../../core';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function stem(name: string): string {
	const base = name.split(/[\\/]/).pop() || 'image';
	const dot = base.lastIndexOf('.');
	return (dot > 0 ? base.slice(0, dot) : base) || 'image';
}

async function binaryOutput(ctx: IExecuteFunctions, image: OutputImage, property: string, fileName: string): Promise<IBinaryKeyData> {
	const buffer = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
	return { [property]: await ctx.helpers.prepareBinaryData(buffer, fileName, image.contentType) };
}

function outputJson(image: OutputImage): IDataObject {
	return { width: image.width ?? null, height: image.height ?? null, format: image.format ?? null, mimeType: image.contentType, bytes: image.bytes.length };
}

/** Reads the image: a binary property of the item, or a URL. */
async function readInput(ctx: IExecuteFunctions, i: number): Promise<{ input: UpscaleInput; name: string }> {
	if (ctx.getNodeParameter('inputSource', i) === 'url') {
		const url = String(ctx.getNodeParameter('imageUrl', i)).trim();
		let name = 'image';
		try {
			name = decodeURIComponent(new URL(url).pathname.split('/').pop() || '') || 'image';
		} catch {
			// not a URL: the core says so with its own message
		}
		return { input: { url }, name };
	}
	const property = String(ctx.getNodeParameter('binaryPropertyName', i));
	const meta = ctx.helpers.assertBinaryData(i, property);
	const buf = await ctx.helpers.getBinaryDataBuffer(i, property);
	const name = meta.fileName || 'image';
	return { input: { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), fileName: name }, name };
}

/** Node parameters as core options; the core validates them (ranges, combinations, vendor rules). */
export function upscaleOptions(ctx: IExecuteFunctions, i: number, provider: VendorId, wait: boolean): UpscaleOptionsInput {
	const extra = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const o: UpscaleOptionsInput = {};
	const execution = (extra.execution as UpscaleOptionsInput['execution']) ?? 'auto';
	o.execution = execution;
	if (extra.timeout !== undefined) o.timeoutMs = Math.round(Number(extra.timeout) * 1000);
	if (extra.pollInterval !== undefined) o.pollMinMs = Math.max(100, Math.round(Number(extra.pollInterval) * 1000));
	if (provider === 'clipdrop') {
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
	} else {
		o.scale = Number(ctx.getNodeParameter('ximilarScale', i, 2));
		o.mode = ctx.getNodeParameter('mode', i) as UpscaleOptionsInput['mode'];
		o.model = ctx.getNodeParameter('model', i) as UpscaleOptionsInput['model'];
		const format = ctx.getNodeParameter('format', i) as string;
		if (format !== 'keep') {
			o.format = format as UpscaleOptionsInput['format'];
			o.quality = Number(ctx.getNodeParameter('quality', i, 85));
		}
		o.tuneColors = ctx.getNodeParameter('tuneColors', i, true) as boolean;
		const hook = String(extra.webhookUrl ?? '').trim();
		if (hook) o.webhook = { url: hook };
	}
	return o;
}

export async function upscaleItem(ctx: IExecuteFunctions, i: number, client: UpscaleClient, signal: AbortSignal): Promise<INodeExecutionData> {
	const provider = client.provider;
	const wait = ctx.getNodeParameter('waitForResult', i, true) as boolean;
	const options = upscaleOptions(ctx, i, provider, wait);
	const extra = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const { input, name } = await readInput(ctx, i);
	if (!wait) {
		const s = await client.submit(input, options, { signal });
		return {
			json: { provider, operation: 'upscale', taskId: s.taskId, status: 'submitted', input: s.input, target: s.target, credits: s.credits, params: s.params } as IDataObject,
			pairedItem: { item: i },
		};
	}
	const r = await client.upscale(input, options, { signal });
	const property = String(extra.outputBinaryPropertyName || 'data');
	const fileName = String(extra.fileName || '') || `${stem(name)}-upscaled.${r.extension}`;
	return {
		json: {
			provider,
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
			params: r.params,
		} as IDataObject,
		binary: await binaryOutput(ctx, r, property, fileName),
		pairedItem: { item: i },
	};
}

export async function getTaskItem(ctx: IExecuteFunctions, i: number, client: UpscaleClient, signal: AbortSignal): Promise<INodeExecutionData> {
	const taskId = String(ctx.getNodeParameter('taskId', i)).trim();
	const download = ctx.getNodeParameter('download', i, true) as boolean;
	const extra = ctx.getNodeParameter('taskOptions', i, {}) as IDataObject;
	const t = await client.getTask(taskId, { download, signal });
	const json: IDataObject = {
		provider: t.provider,
		operation: 'getTask',
		taskId: t.taskId,
		status: t.status,
		vendorStatus: t.vendorStatus,
		position: t.position ?? null,
		eta: iso(t.etaMs),
		failure: t.failure ?? null,
		resultUrl: t.resultUrl ?? null,
		resultExpiresAt: iso(t.resultExpiresAt),
	};
	const item: INodeExecutionData = { json, pairedItem: { item: i } };
	if (t.image) {
		json.output = outputJson(t.image);
		const fileName = String(extra.fileName || '') || `task-${t.taskId}.${t.image.extension}`;
		item.binary = await binaryOutput(ctx, t.image, String(extra.outputBinaryPropertyName || 'data'), fileName);
	}
	return item;
}
