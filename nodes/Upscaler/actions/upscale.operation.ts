/**
 * Upscale Image: an image from a binary property or a URL, with the chosen vendor's parameters; polls for the result
 * (Poll) or returns the task to fetch later (Return Task). As an AI Agent tool it returns what an agent can use
 * (the result URL, the size, the credits, the task id), since binary data does not pass through agent tools; the
 * Output choice (./output-choice.ts) says how many fields.
 */
import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, type INodePropertyOptions } from 'n8n-workflow';
import { fileNameFromUrl, PROVIDER_NAMES, providerInfo, type UpscaleInput, type UpscaleOptionsInput } from '../../../core';
import { onlyWhilePolling, onlyWithImage, type WaitMode } from '../display';
import type { ItemPlan, NodeVendor } from '../vendors/types';
import { binaryOutput, itemOutput, keptItem, resultJson, submittedJson, type ItemRun } from './output';
import { outputChoice, outputModeOf, simplifiedResult, simplifiedSubmitted } from './output-choice';

const forVendor = (id: string, props: INodeProperties[]) => updateDisplayOptions({ show: { provider: [id] } }, props);
const forVendorOption = (id: string, props: INodeProperties[]) => updateDisplayOptions({ show: { '/provider': [id] } }, props);
const byName = (a: INodeProperties, b: INodeProperties) => a.displayName.localeCompare(b.displayName);

const common: INodeProperties[] = [
	onlyWithImage({
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		placeholder: 'e.g. photo-upscaled.jpg',
		description: 'Name of the output file. Default: the input name with -upscaled and the right extension.',
	}),
	onlyWhilePolling({
		displayName: 'Minimum Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 1,
		description: "Never check a task's status more often than this; the vendor's queue position and eta decide within that",
	}),
	onlyWithImage({
		displayName: 'Output Binary Field',
		name: 'outputBinaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'The binary property of the output item that receives the upscaled image',
	}),
	{
		displayName: 'Parallel Jobs',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 4,
		description: "How many items are upscaled at the same time. The vendor's rate limit is respected either way.",
	},
	onlyWhilePolling({
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 600,
		description: 'Stop waiting after this long; the error then carries the task ID for Get Task',
	}),
];

/** The operation's parameters, with each vendor's shown when it is the provider. */
export const description = (vendors: readonly NodeVendor[]): INodeProperties[] => updateDisplayOptions({ show: { operation: ['upscale'] } }, [
	{
		displayName: 'Input',
		name: 'inputSource',
		type: 'options',
		options: [
			{ name: 'Binary File', value: 'binary', description: 'An image in a binary property of the input item' },
			{ name: 'Image URL', value: 'url', description: 'An image on the web (the way an AI Agent passes one)' },
		],
		default: 'binary',
		description: 'Where the image comes from',
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
	...vendors.flatMap((v) =>
		forVendor(v.id, [
			{
				displayName: 'Image URL',
				name: 'imageUrl',
				type: 'string',
				displayOptions: { show: { inputSource: ['url'] } },
				default: '',
				required: true,
				placeholder: 'e.g. https://example.com/photo.jpg',
				description: v.imageUrlDescription,
			},
		]),
	),
	...vendors.flatMap((v) => forVendor(v.id, v.properties)),
	{
		displayName: 'Wait for Result',
		name: 'waitForResult',
		type: 'boolean',
		displayOptions: { show: { '@version': [1] } },
		default: true,
		description:
			'Whether to wait for the upscaled image. Off: submit an async task and return its ID at once; fetch it later with Get Task (for example after a Wait node).',
	},
	...vendors.map((v) => waitModeFor(v)),
	...outputChoice,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...common, ...vendors.flatMap((v) => forVendorOption(v.id, v.options))].sort(byName),
	},
]);

/** Whether the vendor calls a webhook when a task is done (the core knows which do). */
export const callsBack = (v: NodeVendor) => (providerInfo(v.id).accepts as readonly string[]).includes('webhook');

/** Wait Mode (version 2), one per provider: Resume on Webhook only for a vendor that calls back. */
function waitModeFor(v: NodeVendor): INodeProperties {
	const name = PROVIDER_NAMES[v.id];
	const options: INodePropertyOptions[] = [
		{ name: 'Poll', value: 'poll', description: "Wait here, checking the task's status, and output the upscaled image" },
		{ name: 'Return Task', value: 'returnTask', description: 'Submit a task and output its ID at once; fetch the image later with Get Task' },
	];
	if (callsBack(v)) {
		options.push({
			name: 'Resume on Webhook',
			value: 'webhook',
			description: `Submit, then pause the execution (no worker held) until ${name} calls n8n back; output the upscaled image. n8n must be reachable from the internet (WEBHOOK_URL).`,
		});
	}
	return {
		displayName: 'Wait Mode',
		name: 'waitMode',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { '@version': [2], provider: [v.id] } },
		options,
		default: 'poll',
		description: 'How the node waits for the upscaled image',
	};
}

/** Items upscaled at the same time (the vendor's request budget applies on top). */
export function concurrency(ctx: IExecuteFunctions): number {
	const extra = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	return Math.max(1, Math.min(20, Number(extra.concurrency ?? 4)));
}

/**
 * Poll, Return Task or Resume on Webhook: version 1 says it with Wait for Result, version 2 with Wait Mode. An AI
 * Agent's tool call cannot pause the execution, so it polls.
 */
export function waitModeOf(ctx: IExecuteFunctions, i: number): WaitMode {
	if (ctx.getNode().typeVersion < 2) return ctx.getNodeParameter('waitForResult', i, true) ? 'poll' : 'returnTask';
	const mode = ctx.getNodeParameter('waitMode', i, 'poll') as WaitMode;
	return mode === 'webhook' && ctx.isToolExecution?.() === true ? 'poll' : mode;
}

/** Reads the image: a binary property of the item, or a URL. */
export async function readInput(ctx: IExecuteFunctions, i: number): Promise<{ input: UpscaleInput; name: string }> {
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

/**
 * Node parameters as core options: the common ones here, the vendor's from its file. Options that are hidden for
 * this wait mode are not used even when a value was kept from before. An agent's tool call prefers the async
 * endpoint, whose result has a URL.
 */
export function upscaleOptions(ctx: IExecuteFunctions, i: number, vendor: NodeVendor, extra: IDataObject, wait: boolean, tool: boolean): UpscaleOptionsInput {
	const chosen = (extra.execution as ItemPlan['execution'] | undefined) ?? 'auto';
	const execution: ItemPlan['execution'] = !wait ? 'auto' : tool && chosen === 'auto' ? 'async' : chosen;
	const o: UpscaleOptionsInput = { execution };
	if (wait && extra.timeout !== undefined) o.timeoutMs = Math.round(Number(extra.timeout) * 1000);
	if (wait && extra.pollInterval !== undefined) o.pollMinMs = Math.max(100, Math.round(Number(extra.pollInterval) * 1000));
	return { ...o, ...vendor.readOptions(ctx, i, extra, { execution, wait }) };
}

export async function execute(ctx: IExecuteFunctions, i: number, { client, vendor, signal }: ItemRun): Promise<INodeExecutionData> {
	const wait = waitModeOf(ctx, i) === 'poll';
	const tool = ctx.isToolExecution?.() === true;
	const extra = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const options = upscaleOptions(ctx, i, vendor, extra, wait, tool);
	const simple = outputModeOf(ctx, i, tool) === 'simple';
	const { input, name } = await readInput(ctx, i);
	if (!wait) {
		const s = await client.submit(input, options, { signal });
		return keptItem(ctx, i, simple ? simplifiedSubmitted(s) : submittedJson(s));
	}
	const r = await client.upscale(input, options, { signal });
	const out = itemOutput(extra, name);
	const fileName = out.fileName(r.extension);
	const json = simple ? simplifiedResult(r, fileName) : resultJson(r);
	if (tool) return { json, pairedItem: { item: i } };
	return keptItem(ctx, i, json, await binaryOutput(ctx, r, out.property, fileName));
}
