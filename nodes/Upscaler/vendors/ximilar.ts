/** Ximilar in the node: a factor, the mode, the model, the output format and quality, colour tuning, a webhook. */
import type { UpscaleOptionsInput } from '../../../core';
import { notWhileResuming, onlyWhilePolling } from '../display';
import type { NodeVendor } from './types';

export const ximilar: NodeVendor = {
	id: 'ximilar',
	description: '2x, 4x or 8x with artifact removal, a generative (GAN) model and a choice of output format',
	credential: { name: 'ximilarApi', secretField: 'apiToken', keyField: 'the API Token of the Ximilar API credential' },
	imageUrlDescription: 'Public http(s) URL of a PNG, JPEG or WebP image. Ximilar fetches it itself, so it must be reachable from the internet.',
	properties: [
		{
			displayName: 'Scale Factor',
			name: 'ximilarScale',
			type: 'options',
			options: [
				{ name: '2x', value: 2 },
				{ name: '4x', value: 4 },
				{ name: '8x', value: 8 },
			],
			default: 2,
			description: 'Multiply both sides by this. Ximilar prices by output size, not by factor.',
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
			description: 'What Ximilar favours while upscaling',
		},
		{
			displayName: 'Model',
			name: 'model',
			type: 'options',
			options: [
				{ name: 'Classic', value: 'classic', description: 'Faithful to the input' },
				{ name: 'Generative (GAN)', value: 'gan', description: 'Sharper details, more artificial; costs more credits' },
			],
			default: 'classic',
			description: 'The upscaling model',
		},
		{
			displayName: 'Output Format',
			name: 'format',
			type: 'options',
			options: [
				{ name: 'JPEG', value: 'jpg' },
				{ name: 'PNG', value: 'png' },
				{ name: 'Same as Input', value: 'keep', description: 'Images with transparency become PNG' },
				{ name: 'WebP', value: 'webp' },
			],
			default: 'keep',
			description: 'The format of the upscaled image',
		},
		{
			displayName: 'Quality',
			name: 'quality',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			displayOptions: { show: { format: ['jpg', 'webp'] } },
			default: 85,
			description: 'JPEG or WebP quality, 1 to 100',
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
		onlyWhilePolling({
			displayName: 'Endpoint',
			name: 'execution',
			type: 'options',
			options: [
				{ name: 'Async', value: 'async', description: 'A task that is polled (what Ximilar recommends)' },
				{ name: 'Automatic', value: 'auto', description: 'Async' },
				{ name: 'Sync', value: 'sync', description: 'One request that returns the image; Ximilar calls it "for testing"' },
			],
			default: 'auto',
			description: 'Which Ximilar endpoint does the work',
		}),
		notWhileResuming({
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://example.com/hooks/upscaled',
			description: 'A URL of yours that Ximilar calls when the task is done (async only). To resume this workflow instead, choose Wait Mode "Resume on Webhook".',
		}),
	],

	readOptions(ctx, i, extra) {
		const o: UpscaleOptionsInput = {
			scale: Number(ctx.getNodeParameter('ximilarScale', i, 2)),
			mode: ctx.getNodeParameter('mode', i) as UpscaleOptionsInput['mode'],
			model: ctx.getNodeParameter('model', i) as UpscaleOptionsInput['model'],
			tuneColors: ctx.getNodeParameter('tuneColors', i, true) as boolean,
		};
		const format = ctx.getNodeParameter('format', i) as string;
		if (format !== 'keep') o.format = format as UpscaleOptionsInput['format'];
		// Quality means something only for lossy formats; Ximilar would take it for PNG too, so it is not sent then.
		if (format === 'jpg' || format === 'webp') o.quality = Number(ctx.getNodeParameter('quality', i, 85));
		const hook = String(extra.webhookUrl ?? '').trim();
		if (hook) o.webhook = { url: hook };
		return o;
	},
};
