/**
 * The options' schema (zod): what parseOptions checks every input against. Apart from options.ts, whose constants
 * and helpers need no zod, so that what only describes the options (the CLI's --help, the registry) loads without it.
 */
import { z } from 'zod';
import { CLIPDROP_STRATEGIES, EXECUTIONS, OUTPUT_FORMATS, XIMILAR_MODELS, XIMILAR_MODES } from './options';

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
