/**
 * What the steps hand to the rest of the Zap: the image as a Zapier file (stashed, so later steps can use it), its
 * size and format, the credits, the task id. The output fields give each a label in the Zap editor; the sample is
 * what the editor shows while it loads one (no vendor is called and no credit spent for it).
 */
import type { ZObject } from 'zapier-platform-core';
import { upscaledName, VENDOR_REGISTRY, type OutputImage, type SubmittedTask, type UpscaleResult, type VendorId } from '../../core';

export interface StepOutput {
	id: string;
	status: 'completed' | 'submitted' | 'queued' | 'processing' | 'failed';
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

export const outputFields = [
	{ key: 'id', label: 'ID' },
	{ key: 'status', label: 'Status' },
	{ key: 'provider', label: 'Provider' },
	{ key: 'task_id', label: 'Task ID' },
	{ key: 'file', label: 'Upscaled File', type: 'file' },
	{ key: 'file_name', label: 'File Name' },
	{ key: 'content_type', label: 'Content Type' },
	{ key: 'format', label: 'Format' },
	{ key: 'width', label: 'Width (px)', type: 'integer' },
	{ key: 'height', label: 'Height (px)', type: 'integer' },
	{ key: 'bytes', label: 'File Size (bytes)', type: 'integer' },
	{ key: 'credits_consumed', label: 'Credits Consumed', type: 'number' },
	{ key: 'credits_remaining', label: 'Credits Remaining', type: 'number' },
	{ key: 'message', label: 'Message' },
];

export const SAMPLE: StepOutput = {
	id: 'sample-task-0001',
	status: 'completed',
	provider: 'clipdrop',
	task_id: 'sample-task-0001',
	file: 'https://example.com/samples/photo-upscaled.jpg',
	file_name: 'photo-upscaled.jpg',
	content_type: 'image/jpeg',
	format: 'jpeg',
	width: 2048,
	height: 1536,
	bytes: 1843200,
	credits_consumed: 1,
	credits_remaining: 99,
	message: 'A sample: no image was sent and no credit spent.',
};

/** Hands the image to Zapier's file storage; returns the URL later steps use. */
export async function stash(z: ZObject, image: OutputImage, fileName: string): Promise<string> {
	const bytes = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.length);
	return z.stashFile(bytes, bytes.length, fileName, image.contentType);
}

/** The image's fields of an output that has none (yet). */
export const NO_FILE = { file: null, file_name: null, content_type: null, format: null, width: null, height: null, bytes: null };

/** A finished upscale, its image stashed. */
export async function completedOutput(z: ZObject, r: UpscaleResult & { provider: VendorId }, sourceName: string): Promise<StepOutput> {
	const fileName = upscaledName(sourceName, r.extension);
	return {
		id: r.taskId ?? `${r.provider}-${Date.now()}`,
		status: 'completed',
		provider: r.provider,
		task_id: r.taskId ?? null,
		file: await stash(z, r, fileName),
		file_name: fileName,
		content_type: r.contentType,
		format: r.format ?? null,
		width: r.width ?? null,
		height: r.height ?? null,
		bytes: r.bytes.length,
		credits_consumed: r.credits.consumed,
		credits_remaining: r.credits.remaining,
		message: `Upscaled by ${VENDOR_REGISTRY[r.provider].name} to ${r.width}x${r.height}.`,
	};
}

/** A task the vendor accepted and is still working on. */
export function submittedOutput(t: SubmittedTask, message: string): StepOutput {
	return {
		id: t.taskId,
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
