/** Ximilar in the node: a factor, the mode, the model, the output format and quality, colour tuning, a webhook. */
import type { UpscaleOptionsInput } from '../../../core';
import type { NodeVendor } from './types';

export const ximilar: NodeVendor = {
	id: 'ximilar',
	description: '2x, 4x or 8x, with modes, a generative model and output formats',
	credential: { name: 'ximilarApi', secretField: 'apiToken' },
	properties: [
		{
			displayName: 'Scale',
			name: 'ximilarScale',
			type: 'options',
			options: [
				{ name: '2x', value: 2 },
				{ name: '4x', value: 4 },
				{ name: '8x', value: 8 },
			],
			default: 2,
			description: 'Ximilar prices by output size, not by factor',
		},
		{
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
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
			displayOptions: { hide: { format: ['keep'] } },
			default: 85,
			description: 'Output quality, 1 to 100',
		},
		{
			displayName: 'Tune Colors',
			name: 'tuneColors',
			type: 'boolean',
			default: true,
			description: 'Whether to match the colour palette of the input',
		},
	],
	options: [
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			default: '',
			description: 'Ximilar async only: Ximilar calls this URL when the task is done',
		},
	],

	readOptions(ctx, i, extra) {
		const o: UpscaleOptionsInput = {
			scale: Number(ctx.getNodeParameter('ximilarScale', i, 2)),
			mode: ctx.getNodeParameter('mode', i) as UpscaleOptionsInput['mode'],
			model: ctx.getNodeParameter('model', i) as UpscaleOptionsInput['model'],
			tuneColors: ctx.getNodeParameter('tuneColors', i, true) as boolean,
		};
		const format = ctx.getNodeParameter('format', i) as string;
		if (format !== 'keep') {
			o.format = format as UpscaleOptionsInput['format'];
			o.quality = Number(ctx.getNodeParameter('quality', i, 85));
		}
		const hook = String(extra.webhookUrl ?? '').trim();
		if (hook) o.webhook = { url: hook };
		return o;
	},
};
