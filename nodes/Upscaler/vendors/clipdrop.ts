/** Clipdrop in the node: a scale or an exact size, the strategy, its Endpoint choice. */
import type { INodeProperties } from 'n8n-workflow';
import { invalidOptions, type UpscaleOptionsInput } from '../../../core';
import { onlyWhilePolling } from '../display';
import type { NodeVendor } from './types';

const WIDTH = 'Output width in pixels (up to 4096 sync, 12288 async). 0 follows the height, keeping the aspect ratio.';
const HEIGHT = 'Output height in pixels (up to 4096 sync, 12288 async). 0 follows the width, keeping the aspect ratio.';
const SIDE = { minValue: 0, maxValue: 12288 };

/** Exact Size's width and height: version 1 starts at 0 × 0 (as its saved workflows expect); version 2 starts valid. */
const exactSize: INodeProperties[] = [
	{ displayName: 'Width', name: 'width', type: 'number', typeOptions: SIDE, displayOptions: { show: { sizeMode: ['exact'], '@version': [1] } }, default: 0, description: WIDTH },
	{ displayName: 'Width', name: 'width', type: 'number', typeOptions: SIDE, displayOptions: { show: { sizeMode: ['exact'], '@version': [2] } }, default: 2048, description: WIDTH },
	{ displayName: 'Height', name: 'height', type: 'number', typeOptions: SIDE, displayOptions: { show: { sizeMode: ['exact'] } }, default: 0, description: HEIGHT },
];

export const clipdrop: NodeVendor = {
	id: 'clipdrop',
	description: 'Any exact output size, up to 12288 px a side; 1 credit per image (Smooth)',
	credential: { name: 'clipdropApi', secretField: 'apiKey', keyField: 'the API Key of the Clipdrop API credential', rateLimitField: 'Requests per Minute in the Clipdrop API credential' },
	imageUrlDescription: 'Public http(s) URL of a PNG, JPEG or WebP image (at most 30 MB). The node downloads it and sends the bytes to Clipdrop.',
	properties: [
		{
			displayName: 'Size',
			name: 'sizeMode',
			type: 'options',
			options: [
				{ name: 'Exact Size', value: 'exact', description: 'A target width and/or height in pixels' },
				{ name: 'Scale Factor', value: 'scale', description: 'Multiply both sides; the aspect ratio is kept' },
			],
			default: 'scale',
			description: 'How the output size is given',
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
		...exactSize,
		{
			displayName: 'Strategy',
			name: 'strategy',
			type: 'options',
			options: [
				{ name: 'Detailed', value: 'detailed', description: 'More detail; 1 credit per output megapixel; always a task (async)' },
				{ name: 'Smooth', value: 'smooth', description: '1 credit per image' },
			],
			default: 'smooth',
			description: 'How Clipdrop fills in the new pixels',
		},
	],
	options: [
		onlyWhilePolling(
			{
				displayName: 'Endpoint',
				name: 'execution',
				type: 'options',
				options: [
					{ name: 'Async', value: 'async', description: 'A task that is polled: up to 12288 px, PNG or JPEG input' },
					{ name: 'Automatic', value: 'auto', description: 'Sync when the result fits in 4096 px (one request), else async' },
					{ name: 'Sync', value: 'sync', description: 'One request that returns the image: up to 4096 px, WebP input too' },
				],
				default: 'auto',
				description: 'Which Clipdrop endpoint does the work',
			},
			{ '/strategy': ['detailed'] },
		),
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
		// Detailed runs only as a task: the Endpoint option is hidden then, and a value kept from before is not used.
		if (strategy === 'detailed') o.execution = 'auto';
		// "smooth" is what async does anyway, and the sync endpoint costs the same: only pass it when it matters.
		if (strategy === 'detailed' || execution === 'async' || !wait) o.strategy = strategy;
		return o;
	},
};
