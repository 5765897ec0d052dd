/**
 * What the actions hand to the rest of the flow: the image written to Activepieces' file storage (`files.write`,
 * whose URL later steps map), its size and format, the credits, the task id. One flat shape for every action and
 * outcome, so a later step maps the same names whatever happened.
 */
import type { FilesService } from '@activepieces/pieces-framework';
import { upscaledName, VENDOR_REGISTRY, type OutputImage, type SubmittedTask, type TaskStatus, type UpscaleResult, type VendorId } from '../../core';

export interface StepOutput {
	status: TaskStatus | 'submitted';
	provider: VendorId;
	task_id: string | null;
	file: string | null;
	file_name: string | null;
	content_type: string | null;
	format: string | null;
	width: number | null;
	height: number | null;
	bytes: number | null;
	credits_consumed: number | null;
	credits_remaining: number | null;
	message: string;
}

/** The image's fields of an output that has none (yet). */
export const NO_FILE = { file: null, file_name: null, content_type: null, format: null, width: null, height: null, bytes: null };

/** Writes the image to the run's files; returns the URL later steps use. */
export async function writeImage(files: FilesService, image: OutputImage, fileName: string): Promise<string> {
	return files.write({ fileName, data: Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length) });
}

/** The fields of a finished image, written to the run's files. */
export async function imageFields(files: FilesService, image: OutputImage, fileName: string) {
	return {
		file: await writeImage(files, image, fileName),
		file_name: fileName,
		content_type: image.contentType,
		format: image.format ?? null,
		width: image.width ?? null,
		height: image.height ?? null,
		bytes: image.bytes.length,
	};
}

/** A finished upscale, its image written. */
export async function completedOutput(files: FilesService, r: UpscaleResult, provider: VendorId, sourceName: string, consumed = r.credits.consumed): Promise<StepOutput> {
	return {
		status: 'completed',
		provider,
		task_id: r.taskId ?? null,
		...(await imageFields(files, r, upscaledName(sourceName, r.extension))),
		credits_consumed: consumed,
		credits_remaining: r.credits.remaining,
		message: `Upscaled by ${VENDOR_REGISTRY[provider].name} to ${r.width}x${r.height}.`,
	};
}

/** A task the vendor accepted and is still working on. */
export function submittedOutput(t: SubmittedTask, message: string): StepOutput {
	return {
		status: 'submitted',
		provider: t.provider,
		task_id: t.taskId,
		...NO_FILE,
		width: t.target?.width ?? null,
		height: t.target?.height ?? null,
		credits_consumed: t.credits.consumed,
		credits_remaining: t.credits.remaining,
		message,
	};
}
