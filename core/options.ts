/**
 * Every option a user can set: the values, names and size rules that are the same everywhere. They are validated
 * with zod (options-schema.ts) before anything is sent (parse-options.ts); which options a provider takes is in its
 * registry entry (core/vendors/), its own ranges in its plan().
 */
export const CLIPDROP_STRATEGIES = ['smooth', 'detailed'] as const;
export const XIMILAR_MODES = ['artifact_removal', 'ironed_out', 'high_fidelity'] as const;
export const XIMILAR_MODELS = ['classic', 'gan'] as const;
export const OUTPUT_FORMATS = ['png', 'jpg', 'webp'] as const;
export const EXECUTIONS = ['auto', 'sync', 'async'] as const;

export type { UpscaleOptions, UpscaleOptionsInput } from './options-schema';
import type { UpscaleOptions } from './options-schema';

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
