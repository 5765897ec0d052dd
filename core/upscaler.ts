/**
 * What a front door gives and gets: the input, the progress it hears, the result. The vendors' UpscaleClient and the
 * local engine both fulfil `Upscaler`, so the CLI, the bot and the service treat every provider alike.
 */
import type { ImageFormat, ImageInfo } from './image';
import type { UpscaleOptionsInput } from './options';
import type { Credits, TaskStatus } from './vendors/types';
import type { ProviderId, VendorId } from './vendors';

export type UpscaleInput = { bytes: Uint8Array; fileName?: string } | { url: string; fileName?: string };

export type Stage = 'uploading' | 'queued' | 'processing' | 'downloading' | 'done';

export interface Progress {
	stage: Stage;
	provider: ProviderId;
	taskId?: string;
	position?: number;
	etaMs?: number;
	elapsedMs: number;
	vendorStatus?: string;
	/** Share of the work done, 0..1, when the provider can tell (the local engine counts tiles). */
	fraction?: number;
}

export interface RunControl {
	signal?: AbortSignal;
	onProgress?: (p: Progress) => void;
	/**
	 * Called, and awaited, right before the paid request leaves (once its place in the request budget is held: a
	 * wait for the budget sends nothing): the moment to record that a crash from here on may have cost a credit (a
	 * job store in another process must have it before the request goes). Called again before a re-send.
	 */
	beforeSend?: () => void | Promise<void>;
	/** Called once an async task exists (its credits are spent): the moment to persist the id. */
	onSubmitted?: (taskId: string) => void | Promise<void>;
}

export interface OutputImage {
	bytes: Uint8Array;
	contentType: string;
	format?: ImageFormat;
	/** File extension for the format (jpg, png, webp). */
	extension: string;
	width?: number;
	height?: number;
}

/** The facts of the input image that a result reports. */
export type InputFacts = Pick<ImageInfo, 'format' | 'width' | 'height' | 'bytes'>;

export interface UpscaleResult extends OutputImage {
	provider: ProviderId;
	execution: 'sync' | 'async';
	taskId?: string;
	status: 'completed';
	input: InputFacts | null;
	credits: Credits;
	resultUrl?: string;
	resultExpiresAt?: number;
	/** Wall time from start to the downloaded result. */
	elapsedMs: number;
	/** The vendor's own processing time, when it says. */
	vendorProcessingMs?: number;
	/** The parameters sent to the vendor. */
	params: Record<string, unknown>;
}

export interface SubmittedTask {
	provider: VendorId;
	taskId: string;
	status: 'submitted';
	input: UpscaleResult['input'];
	/** The output size asked for, when known before the vendor answers. */
	target: { width: number; height: number } | null;
	credits: Credits;
	params: Record<string, unknown>;
}

export interface TaskInfo {
	provider: VendorId;
	taskId: string;
	status: TaskStatus;
	vendorStatus: string;
	position?: number;
	etaMs?: number;
	failure?: string;
	resultUrl?: string;
	resultExpiresAt?: number;
	image?: OutputImage;
}

/** What the CLI and the bot need from a provider: the vendors' UpscaleClient and the local engine both fulfil it. */
export interface Upscaler {
	readonly provider: ProviderId;
	upscale(input: UpscaleInput, options?: UpscaleOptionsInput, run?: RunControl): Promise<UpscaleResult>;
	/**
	 * Waits for a task a run of this provider started earlier (in this process or one that stopped) and downloads
	 * its result: never a second submit. A provider without tasks (the local engine) refuses.
	 */
	resume(taskId: string, options?: Pick<UpscaleOptionsInput, 'timeoutMs' | 'pollMinMs' | 'pollMaxMs'>, run?: RunControl): Promise<UpscaleResult>;
	/** Validates options against an image's facts without doing anything (throws the error upscale() would). */
	check(image: InputFacts & { hasAlpha?: boolean }, options?: UpscaleOptionsInput): { execution: 'sync' | 'async'; target: { width: number; height: number } | null };
}
