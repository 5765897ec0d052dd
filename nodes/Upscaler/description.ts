/** The node's parameters. Names map 1:1 to core options in operations.ts; vendor rules live in core/. */
import type { INodeProperties } from 'n8n-workflow';

const clipdrop = { provider: ['clipdrop'] };
const ximilar = { provider: ['ximilar'] };
const upscale = { operation: ['upscale'] };

export const properties: INodeProperties[] = [
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Clipdrop', value: 'clipdrop', description: 'Exact output size up to 4096 px (sync) or 12288 px (async)' },
			{ name: 'Ximilar', value: 'ximilar', description: '2x, 4x or 8x, with modes, a generative model and output formats' },
		],
		default: 'clipdrop',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Get Task', value: 'getTask', description: 'Check a task started earlier and get its result', action: 'Get an upscale task' },
			{ name: 'Upscale', value: 'upscale', description: 'Upscale an image', action: 'Upscale an image' },
		],
		default: 'upscale',
	},

	// ---- Upscale: input
	{
		displayName: 'Input',
		name: 'inputSource',
		type: 'options',
		displayOptions: { show: upscale },
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
		displayOptions: { show: { ...upscale, inputSource: ['binary'] } },
		default: 'data',
		required: true,
		description: 'The binary property of the input item that holds the image (PNG, JPEG or WebP)',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		displayOptions: { show: { ...upscale, inputSource: ['url'] } },
		default: '',
		required: true,
		placeholder: 'https://example.com/photo.jpg',
	},

	// ---- Upscale: size
	{
		displayName: 'Size',
		name: 'sizeMode',
		type: 'options',
		displayOptions: { show: { ...upscale, ...clipdrop } },
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
		displayOptions: { show: { ...upscale, ...clipdrop, sizeMode: ['scale'] } },
		default: 2,
		description: 'Multiply both sides by this (the output must fit Clipdrop\'s limits: 4096 px sync, 12288 px async)',
	},
	{
		displayName: 'Width',
		name: 'width',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 12288 },
		displayOptions: { show: { ...upscale, ...clipdrop, sizeMode: ['exact'] } },
		default: 0,
		description: 'Output width in pixels; 0 follows the height, keeping the aspect ratio',
	},
	{
		displayName: 'Height',
		name: 'height',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 12288 },
		displayOptions: { show: { ...upscale, ...clipdrop, sizeMode: ['exact'] } },
		default: 0,
		description: 'Output height in pixels; 0 follows the width, keeping the aspect ratio',
	},
	{
		displayName: 'Scale',
		name: 'ximilarScale',
		type: 'options',
		displayOptions: { show: { ...upscale, ...ximilar } },
		options: [
			{ name: '2x', value: 2 },
			{ name: '4x', value: 4 },
			{ name: '8x', value: 8 },
		],
		default: 2,
		description: 'Ximilar prices by output size, not by factor',
	},

	// ---- Upscale: vendor parameters
	{
		displayName: 'Strategy',
		name: 'strategy',
		type: 'options',
		displayOptions: { show: { ...upscale, ...clipdrop } },
		options: [
			{ name: 'Smooth', value: 'smooth', description: '1 credit per image' },
			{ name: 'Detailed', value: 'detailed', description: 'More detail; 1 credit per output megapixel (async endpoint)' },
		],
		default: 'smooth',
	},
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		displayOptions: { show: { ...upscale, ...ximilar } },
		options: [
			{ name: 'Artifact Removal', value: 'artifact_removal', description: 'Remove compression artifacts' },
			{ name: 'High Fidelity', value: 'high_fidelity', description: 'As much detail as possible, no post-processing' },
			{ name: 'Ironed Out', value: 'ironed_out', description: 'Smoother features and edges' },
		],
		default: 'artifact_removal',
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'options',
		displayOptions: { show: { ...upscale, ...ximilar } },
		options: [
			{ name: 'Classic', value: 'classic' },
			{ name: 'Generative (GAN)', value: 'gan', description: 'Sharper details, more artificial; costs more credits' },
		],
		default: 'classic',
	},
	{
		displayName: 'Output Format',
		name: 'format',
		type: 'options',
		displayOptions: { show: { ...upscale, ...ximilar } },
		options: [
			{ name: 'Same as Input', value: 'keep', description: 'Images with transparency become PNG' },
			{ name: 'JPEG', value: 'jpg' },
			{ name: 'PNG', value: 'png' },
			{ name: 'WebP', value: 'webp' },
		],
		default: 'keep',
	},
	{
		displayName: 'Quality',
		name: 'quality',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		displayOptions: { show: { ...upscale, ...ximilar }, hide: { format: ['keep'] } },
		default: 85,
		description: 'Output quality, 1 to 100',
	},
	{
		displayName: 'Tune Colors',
		name: 'tuneColors',
		type: 'boolean',
		displayOptions: { show: { ...upscale, ...ximilar } },
		default: true,
		description: 'Whether to match the colour palette of the input',
	},

	// ---- Upscale: execution
	{
		displayName: 'Wait for Result',
		name: 'waitForResult',
		type: 'boolean',
		displayOptions: { show: upscale },
		default: true,
		description:
			'Whether to wait for the upscaled image. Off: submit an async task and return its ID at once; fetch it later with Get Task (for example after a Wait node).',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		displayOptions: { show: upscale },
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
			{
				displayName: 'Output Binary Field',
				name: 'outputBinaryPropertyName',
				type: 'string',
				default: 'data',
				description: 'Where to put the upscaled image',
			},
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
			{
				displayName: 'Webhook URL',
				name: 'webhookUrl',
				type: 'string',
				displayOptions: { show: { '/provider': ['ximilar'] } },
				default: '',
				description: 'Ximilar async only: Ximilar calls this URL when the task is done',
			},
		],
	},

	// ---- Get Task
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		displayOptions: { show: { operation: ['getTask'] } },
		default: '',
		required: true,
		description: 'The ID returned by Upscale (with Wait for Result off) or shown in a timeout error',
	},
	{
		displayName: 'Download Result',
		name: 'download',
		type: 'boolean',
		displayOptions: { show: { operation: ['getTask'] } },
		default: true,
		description: 'Whether to download the image when the task is completed',
	},
	{
		displayName: 'Options',
		name: 'taskOptions',
		type: 'collection',
		placeholder: 'Add Option',
		displayOptions: { show: { operation: ['getTask'] } },
		default: {},
		options: [
			{
				displayName: 'Output Binary Field',
				name: 'outputBinaryPropertyName',
				type: 'string',
				default: 'data',
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				description: 'Default: task-ID with the right extension',
			},
		],
	},
];
