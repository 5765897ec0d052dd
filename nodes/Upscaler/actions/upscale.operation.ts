/** Upscale: an image from a binary property or a URL, with the chosen vendor's parameters; waits for it, or submits. */
import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { fileNameFromUrl, upscaledName, type UpscaleInput, type UpscaleOptionsInput } from '../../../core';
import type { NodeVendor } from '../vendors/types';
import { binaryOutput, iso, outputJson, type ItemRun } from './output';

const forVendor = (id: string, props: INodeProperties[]) => updateDisplayOptions({ show: { provider: [id] } }, props);
const forVendorOption = (id: string, props: INodeProperties[]) => updateDisplayOptions({ show: { '/provider': [id] } }, props);

/** The operation's parameters, with each vendor's shown when it is the provider. */
export const description = (vendors: readonly NodeVendor[]): INodeProperties[] => updateDisplayOptions({ show: { operation: ['upscale'] } }, [
	{
		displayName: 'Input',
		name: 'inputSource',
		type: 'options',
		options: [
			{ name: 'Binary File', value: 'binary', description: 'An image in a binary property of the input item' },
			{ name: 'Image URL', value: 'url', description: 'Ximilar fetches it itself; for Clipdrop the node downloads it first' },
		],
		default: 'binary',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		displayOptions: { show: { inputSource: ['binary'] } },
		default: 'data',
		required: true,
		description: 'The binary property of the input item that holds the image (PNG, JPEG or WebP)',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		displayOptions: { show: { inputSource: ['url'] } },
		default: '',
		required: true,
		placeholder: 'https://example.com/photo.jpg',
	},
	...vendors.flatMap((v) => forVendor(v.id, v.properties)),
	{
		displayName: 'Wait for Result',
		name: 'waitForResult',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait for the upscaled image. Off: submit an async task and return its ID at once; fetch it later with Get Task (for example after a Wait node).',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Endpoint',
				name: 'execution',
				type: 'options',
				options: [
					{ name: 'Automatic', value: 'auto', description: 'Clipdrop: sync when the result fits it (one request), else async. Ximilar: async.' },
					{ name: 'Async', value: 'async', description: 'Submit a task and poll it (the production path)' },
					{ name: 'Sync', value: 'sync', description: 'One request that returns the image (Clipdrop up to 4096 px; Ximilar calls it "for testing")' },
				],
				default: 'auto',
			},
			{ displayName: 'Output Binary Field', name: 'outputBinaryPropertyName', type: 'string', default: 'data', description: 'Where to put the upscaled image' },
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'photo-upscaled.jpg',
				description: 'Name of the output file. Default: the input name with -upscaled and the right extension.',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 600,
				description: 'Stop waiting after this long; the error then carries the task ID for Get Task',
			},
			{
				displayName: 'Minimum Poll Interval (Seconds)',
				name: 'pollInterval',
				type: 'number',
				typeOptions: { minValue: 0.1 },
				default: 1,
				description: "Never check a task's status more often than this; the vendor's queue position and eta decide within that",
			},
			{
				displayName: 'Parallel Jobs',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20 },
				default: 4,
				description: "How many items are upscaled at the same time. The vendor's rate limit is respected either way.",
			},
			...vendors.flatMap((v) => forVendorOption(v.id, v.options ?? [])),
		],
	},
]);

/** Items upscaled at the same time (the vendor's request budget applies on top). */
export function concurrency(ctx: IExecuteFunctions): number {
	const extra = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return Math.max(1, Math.min(20, Number(extra.concurrency ?? 4)));
}

/** Reads the image: a binary property of the item, or a URL. */
async function readInput(ctx: IExecuteFunctions, i: number): Promise<{ input: UpscaleInput; name: string }> {
	if (ctx.getNodeParameter('inputSource', i) === 'url') {
		const url = String(ctx.getNodeParameter('imageUrl', i)).trim();
		return { input: { url }, name: fileNameFromUrl(url) };
	}
	const property = String(ctx.getNodeParameter('binaryPropertyName', i));
	const meta = ctx.helpers.assertBinaryData(i, property);
	const buf = await ctx.helpers.getBinaryDataBuffer(i, property);
	const name = meta.fileName || 'image';
	return { input: { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), fileName: name }, name };
}

/** Node parameters as core options: the common ones here, the vendor's from its file. */
function upscaleOptions(ctx: IExecuteFunctions, i: number, vendor: NodeVendor, extra: IDataObject, wait: boolean): UpscaleOptionsInput {
	const execution = (extra.execution as UpscaleOptionsInput['execution']) ?? 'auto';
	const o: UpscaleOptionsInput = { execution };
	if (extra.timeout !== undefined) o.timeoutMs = Math.round(Number(extra.timeout) * 1000);
	if (extra.pollInterval !== undefined) o.pollMinMs = Math.max(100, Math.round(Number(extra.pollInterval) * 1000));
	return { ...o, ...vendor.readOptions(ctx, i, extra, { execution, wait }) };
}

export async function execute(ctx: IExecuteFunctions, i: number, { client, vendor, signal }: ItemRun): Promise<INodeExecutionData> {
	const provider = client.provider;
	const wait = ctx.getNodeParameter('waitForResult', i, true) as boolean;
	const extra = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const options = upscaleOptions(ctx, i, vendor, extra, wait);
	const { input, name } = await readInput(ctx, i);
	if (!wait) {
		const s = await client.submit(input, options, { signal });
		const json = { provider, operation: 'upscale', taskId: s.taskId, status: 'submitted', input: s.input, target: s.target, credits: s.credits, params: s.params };
		return { json: json as IDataObject, pairedItem: { item: i } };
	}
	const r = await client.upscale(input, options, { signal });
	const property = String(extra.outputBinaryPropertyName || 'data');
	const fileName = String(extra.fileName || '') || upscaledName(name, r.extension);
	const json = {
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
	};
	return { json: json as IDataObject, binary: await binaryOutput(ctx, r, property, fileName), pairedItem: { item: i } };
}
