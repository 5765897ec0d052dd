/**
 * Every option a user can set, validated with zod before anything is sent (core/parse-options.ts). Which options a
 * provider takes is in its registry entry (core/vendors/); its own ranges in its plan(); this file holds the shapes,
 * defaults and the ranges that are the same everywhere.
 */
import { z } from 'zod';
export const CLIPDROP_STRATEGIES = ['smooth', 'detailed'] as const;
export const XIMILAR_MODES = ['artifact_removal', 'ironed_out', 'high_fidelity'] as const;
export const XIMILAR_MODELS = ['classic', 'gan'] as const;
export const OUTPUT_FORMATS = ['png', 'jpg', 'webp'] as const;
export const EXECUTIONS = ['auto', 'sync', 'async'] as const;

const int = (what: string, min: number, max: number) =>
	z
		.number({ invalid_type_error: `${what} must be a number` })
		.int(`${what} must be a whole number`)
		.min(min, `${what} must be at least ${min}`)
		.max(max, `${what} must be at most ${max}`);

export const upscaleOptionsSchema = z
	.object({
		/** Multiply both sides by this. Default 2 when no width/height is given. */
		scale: z
			.number({ invalid_type_error: 'scale must be a number' })
			.gt(1, 'scale must be greater than 1')
			.max(16, 'scale must be at most 16')
			.optional(),
		/** Exact output width in pixels (Clipdrop). With only one of width/height the other keeps the aspect ratio. */
		width: int('width', 1, 16384).optional(),
		height: int('height', 1, 16384).optional(),
		/** auto: the cheapest path that fits (Clipdrop: sync when the result fits its limits; Ximilar: async). */
		execution: z.enum(EXECUTIONS, { errorMap: () => ({ message: `execution must be one of ${EXECUTIONS.join(', ')}` }) }).default('auto'),
		/** Clipdrop async only. smooth: 1 credit; detailed: 1 credit per output megapixel. */
		strategy: z.enum(CLIPDROP_STRATEGIES, { errorMap: () => ({ message: `strategy must be one of ${CLIPDROP_STRATEGIES.join(', ')}` }) }).optional(),
		/** Ximilar: how the upscaler treats details. */
		mode: z.enum(XIMILAR_MODES, { errorMap: () => ({ message: `mode must be one of ${XIMILAR_MODES.join(', ')}` }) }).optional(),
		/** Ximilar: classic, or gan (generative: more detail, more credits). */
		model: z.enum(XIMILAR_MODELS, { errorMap: () => ({ message: `model must be one of ${XIMILAR_MODELS.join(', ')}` }) }).optional(),
		/** Ximilar: output format (default: the input's; images with alpha become PNG). */
		format: z.enum(OUTPUT_FORMATS, { errorMap: () => ({ message: `format must be one of ${OUTPUT_FORMATS.join(', ')}` }) }).optional(),
		/** Ximilar: output quality 1..100 (default 85); only together with format. */
		quality: int('quality', 1, 100).optional(),
		/** Ximilar: match the input's colour palette (default true). */
		tuneColors: z.boolean({ invalid_type_error: 'tuneColors must be true or false' }).optional(),
		/** Local engine: bicubic interpolation instead of the AI model (much faster, less detail). */
		fast: z.boolean({ invalid_type_error: 'fast must be true or false' }).optional(),
		/** Local engine: the best-quality model (ESRGAN-thick ×4): sharper, about 30× the compute of the default. */
		best: z.boolean({ invalid_type_error: 'best must be true or false' }).optional(),
		/** Ximilar async: the vendor calls this URL when the task is done. */
		webhook: z
			.object(
				{
					url: z
						.string()
						.url('webhook url must be a valid URL')
						.refine((u) => /^https?:\/\//i.test(u), 'webhook url must start with http:// or https://'),
					headers: z.record(z.string()).optional(),
				},
				{ invalid_type_error: 'webhook must be an object with a url' },
			)
			.strict()
			.optional(),
		/** Give up waiting after this long (the task keeps its id and can be resumed). Default 10 minutes. */
		timeoutMs: z
			.number({ invalid_type_error: 'timeout must be a number' })
			.min(1000, 'timeout must be at least 1 second')
			.max(24 * 3600 * 1000, 'timeout must be at most 24 hours (86400 seconds)')
			.transform((ms) => Math.round(ms))
			.default(600_000),
		/** Bounds for the pause between status checks; the vendor's eta and queue position pick within them. */
		pollMinMs: int('poll minimum interval', 100, 600_000).optional(),
		pollMaxMs: int('poll maximum interval', 100, 3_600_000).optional(),
	})
	.strict();

export type UpscaleOptionsInput = z.input<typeof upscaleOptionsSchema>;
export type UpscaleOptions = z.output<typeof upscaleOptionsSchema>;

/** The options that depend on the provider; each provider lists the ones it takes (core/vendors/index.ts checks). */
export const PROVIDER_OPTIONS = ['scale', 'width', 'height', 'strategy', 'mode', 'model', 'format', 'quality', 'tuneColors', 'webhook', 'fast', 'best'] as const;
export type ProviderOption = (typeof PROVIDER_OPTIONS)[number];

/** How an option is named in a refusal (width and height are one choice: an exact size). */
export const OPTION_LABELS: Record<ProviderOption, string> = {
	scale: 'scale',
	width: 'width/height',
	height: 'width/height',
	strategy: 'strategy',
	mode: 'mode',
	model: 'model',
	format: 'format',
	quality: 'quality',
	tuneColors: 'tune colors',
	webhook: 'webhook',
	fast: 'fast mode',
	best: 'best quality',
};

/** Output size for a scale factor, keeping the aspect ratio; at least 1 px per side. */
export function scaledSize(width: number, height: number, scale: number): { width: number; height: number } {
	return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** True when the output is larger than the input on at least one side (anything else is not an upscale). */
export function enlarges(target: { width: number; height: number }, input: { width: number; height: number }): boolean {
	return target.width > input.width || target.height > input.height;
}

/** Output size from width and/or height (the missing side follows the input's aspect ratio) or from a scale. */
export function targetSize(o: UpscaleOptions, input: { width: number; height: number }): { width: number; height: number } {
	if (o.width !== undefined && o.height !== undefined) return { width: o.width, height: o.height };
	if (o.width !== undefined) return { width: o.width, height: Math.max(1, Math.round((o.width * input.height) / input.width)) };
	if (o.height !== undefined) return { width: Math.max(1, Math.round((o.height * input.width) / input.height)), height: o.height };
	return scaledSize(input.width, input.height, o.scale ?? 2);
}
