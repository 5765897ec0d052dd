/**
 * The rules of the keyless local engine (runtime/local runs it): which options it takes, its limits, and the plan
 * for one image — which model passes to run, the exact output size, the output format. Pure, like the vendor
 * modules, so the CLI and the bot reject a bad request before any model is loaded.
 */
import { invalidOptions } from './errors';
import { EXTENSION_BY_FORMAT, type ImageInfo } from './image';
import { enlarges, targetSize, type UpscaleOptions } from './options';
import type { ProviderInfo } from './vendors/types';

const PROVIDER_ID = 'local' as const;

/** The local engine as the registry lists it (core/vendors/index.ts): what it takes, and how it refuses the rest. */
export const LOCAL: ProviderInfo = {
	id: PROVIDER_ID,
	name: 'the local engine',
	paid: false,
	accepts: ['scale', 'width', 'height', 'format', 'quality', 'fast', 'best'],
	optionHelp: {
		scale: 'Multiply both sides by this: up to 8 with the AI model, 16 in fast mode (default 2).',
		width: 'Exact output width in pixels; alone, the height keeps the aspect ratio.',
		height: 'Exact output height in pixels; alone, the width keeps the aspect ratio.',
		format: "Output format (default: the input's format).",
		quality: 'Output quality 1-100 for JPEG and WebP (default 90).',
	},
	refuseForeign: (foreign) =>
		`The local engine does not take ${foreign.map((f) => `${f.label} (a ${f.owners[0]} option)`).join(', ')}: drop ${foreign.length > 1 ? 'them' : 'it'}, or use that vendor.`,
};

export const LOCAL_LIMITS = {
	/** The AI models: ESRGAN-slim x2, x3, x4 (x8 = x4 then x2: the x8 model leaves 8-px blocks, see README). */
	aiMaxScale: 8,
	/** The best-quality model (ESRGAN-thick) runs at ×4 only: the one scale where it clearly beats slim. */
	bestMaxScale: 4,
	/** Fast mode (bicubic) goes further: it only interpolates. */
	fastMaxScale: 16,
	/** Decoded input pixels (a 30 MB file can hold far more; this keeps memory bounded). */
	maxInputPixels: 50_000_000,
	/** Output side: libvips writes up to 16383 px WebP and larger PNG/JPEG; one cap for all keeps it simple. */
	maxOutputSide: 16383,
	/** Output pixels (≈ 16383²): the raw result is held in memory once before it is encoded. */
	maxOutputPixels: 16383 * 16383,
	/** WebP output pixels: libwebp holds the whole picture (≈ 8 bytes a pixel: 2.1 GB at 16383²; 0.55 GB at 8000²). */
	maxWebpOutputPixels: 8192 * 8192,
	/** Default quality for JPEG and WebP output. */
	defaultQuality: 90,
} as const;

export type LocalFormat = 'png' | 'jpg' | 'webp';

export interface LocalPlan {
	/** 'ai': the model passes in `passes`; 'fast': bicubic interpolation only. */
	method: 'ai' | 'fast';
	/** Model scale of each pass, in order (empty in fast mode). */
	passes: Array<2 | 3 | 4>;
	/** Which model runs the passes: slim (the default), or thick (best quality: one ×4 pass). */
	model: 'slim' | 'thick';
	/** Exact output size. When the passes overshoot it, the result is resampled down to it (Lanczos3). */
	target: { width: number; height: number };
	/** Size after EXIF orientation (what the user sees). */
	oriented: { width: number; height: number };
	format: LocalFormat;
	/** JPEG/WebP quality; undefined for PNG. */
	quality?: number;
	/** True when a transparent image goes to JPEG and is put on white. */
	flatten: boolean;
	params: Record<string, unknown>;
}

/** Model passes for a ratio: the smallest single model that reaches it, or x4 then x2 up to 8. */
export function modelPasses(ratio: number): Array<2 | 3 | 4> {
	if (ratio <= 2) return [2];
	if (ratio <= 3) return [3];
	if (ratio <= 4) return [4];
	return [4, 2];
}

export function planLocal(o: UpscaleOptions, info: ImageInfo): LocalPlan {
	if (o.execution === 'async') throw invalidOptions('The local engine runs on this machine and has no tasks to submit: drop --async.', PROVIDER_ID);
	if (o.scale !== undefined && (o.width !== undefined || o.height !== undefined)) throw invalidOptions('Give either a scale or a width/height, not both.', PROVIDER_ID);
	const pixels = info.width * info.height;
	if (pixels > LOCAL_LIMITS.maxInputPixels) {
		throw invalidOptions(`The image is ${info.width}x${info.height} (${(pixels / 1e6).toFixed(1)} MP); the local engine takes at most ${LOCAL_LIMITS.maxInputPixels / 1e6} MP.`, PROVIDER_ID);
	}
	const turned = info.orientation >= 5 && info.orientation <= 8;
	const oriented = turned ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
	const target = targetSize(o, oriented);
	const ratio = Math.max(target.width / oriented.width, target.height / oriented.height);
	if (o.fast && o.best) throw invalidOptions('Choose fast mode or best quality, not both.', PROVIDER_ID);
	const method = o.fast ? 'fast' : 'ai';
	const max = o.fast ? LOCAL_LIMITS.fastMaxScale : o.best ? LOCAL_LIMITS.bestMaxScale : LOCAL_LIMITS.aiMaxScale;
	if (!enlarges(target, oriented)) {
		throw invalidOptions(`${target.width}x${target.height} is not larger than the image (${oriented.width}x${oriented.height}): the local engine only upscales.`, PROVIDER_ID);
	}
	if (ratio > max + 1e-9) {
		throw invalidOptions(
			o.fast
				? `The local engine upscales at most ${max}x (asked: ${ratio.toFixed(2)}x).`
				: o.best
					? `The best-quality model upscales at most ${max}x (asked: ${ratio.toFixed(2)}x); the default model goes up to ${LOCAL_LIMITS.aiMaxScale}x.`
					: `The AI model upscales at most ${max}x (asked: ${ratio.toFixed(2)}x); fast mode goes up to ${LOCAL_LIMITS.fastMaxScale}x.`,
			PROVIDER_ID,
		);
	}
	if (target.width > LOCAL_LIMITS.maxOutputSide || target.height > LOCAL_LIMITS.maxOutputSide || target.width * target.height > LOCAL_LIMITS.maxOutputPixels) {
		throw invalidOptions(`The result would be ${target.width}x${target.height}; the local engine writes at most ${LOCAL_LIMITS.maxOutputSide} px per side. Use a smaller scale.`, PROVIDER_ID);
	}
	const format = o.format ?? EXTENSION_BY_FORMAT[info.format];
	if (format === 'webp' && target.width * target.height > LOCAL_LIMITS.maxWebpOutputPixels) {
		throw invalidOptions(
			`The result would be ${target.width}x${target.height} (${((target.width * target.height) / 1e6).toFixed(0)} MP); the local engine writes WebP up to ${Math.floor(LOCAL_LIMITS.maxWebpOutputPixels / 1e6)} MP (the WebP encoder holds the whole picture in memory). Use --format jpg or png, or a smaller scale.`,
			PROVIDER_ID,
		);
	}
	if (o.quality !== undefined && format === 'png') throw invalidOptions('quality applies to JPEG and WebP output; PNG is lossless (add --format jpg or webp).', PROVIDER_ID);
	const quality = format === 'png' ? undefined : (o.quality ?? LOCAL_LIMITS.defaultQuality);
	// Best quality: one ×4 pass whatever the ratio (thick's work is at the input's size, so ×4 costs about what ×2 would), resampled to the target.
	const passes: Array<2 | 3 | 4> = o.fast ? [] : o.best ? [4] : modelPasses(ratio);
	const model = o.best ? 'thick' : 'slim';
	const flatten = info.hasAlpha && format === 'jpg';
	const params: Record<string, unknown> = { method, width: target.width, height: target.height, format };
	if (passes.length) params.models = passes.map((s) => `esrgan-${model} x${s}`);
	if (quality !== undefined) params.quality = quality;
	if (flatten) params.background = 'white';
	return { method, passes, model, target, oriented, format, quality, flatten, params };
}
