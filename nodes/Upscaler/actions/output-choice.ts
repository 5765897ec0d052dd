/**
 * The Output choice of Upscale and Get Task, as n8n's own nodes offer it (`output`: Simplified or Raw): n8n's
 * guidelines ask a node used as an AI tool for at most 10 fields, or a choice. Simplified is ten flat fields (for
 * Upscale the same for a finished image and a submitted task; for Get Task the task's state and its image); Raw is
 * every fact (the output before this choice existed).
 *
 * Defaults: Raw in a workflow (saved workflows keep their output), Simplified as an AI Agent's tool. The two
 * entries differ only by n8n's `@tool` display rule (true when the node is an agent's tool); where an n8n does not
 * know that rule, neither entry applies and outputModeOf() falls back to the same defaults. Resume on Webhook
 * outputs Raw (its items are made when the vendor calls back), so the choice is hidden there.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { SubmittedTask, TaskInfo, UpscaleResult } from '../../../core';
import { notWhileResuming } from '../display';
import { iso } from './output';

export const OUTPUT_MODES = ['raw', 'simple'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** The Output parameter: one entry for workflows (Raw), one for the AI Agent's tool (Simplified), each option saying what it carries. */
export const outputEntries = (raw: string, simple: string): INodeProperties[] =>
	(['raw', 'simple'] as const).map((mode) => ({
		displayName: 'Output',
		name: 'output',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { '@tool': [mode === 'simple'] } },
		options: [
			{ name: 'Raw', value: 'raw', description: raw },
			{ name: 'Simplified', value: 'simple', description: simple },
		],
		default: mode,
		description: 'How much each output item carries',
	}));

/** Upscale's Output choice (not while resuming on a webhook: those items are made when the vendor calls). */
export const outputChoice: INodeProperties[] = outputEntries(
	'Every fact: input and output images, credits, timings, the parameters sent',
	'Ten flat fields: task ID, status, file name, type, width, height, credits, result URL and its expiry',
).map(notWhileResuming);

/** Get Task's Output choice. */
export const taskOutputChoice: INodeProperties[] = outputEntries(
	"Every fact: the vendor's own status, place in line and ETA, the result URL and the image's format and size",
	'Ten flat fields: task ID, status, place in line, failure, file name, type, width, height, result URL and its expiry',
);

/** Item i's Output choice; a node saved before the choice existed (or an n8n without `@tool`) gets the default. */
export function outputModeOf(ctx: IExecuteFunctions, i: number, tool: boolean): OutputMode {
	const mode = ctx.getNodeParameter('output', i, tool ? 'simple' : 'raw');
	if ((OUTPUT_MODES as readonly unknown[]).includes(mode)) return mode as OutputMode;
	throw new NodeOperationError(ctx.getNode(), `Output is "Raw" or "Simplified"; this node has ${JSON.stringify(mode)}. Choose one in the node's Output parameter.`, { itemIndex: i });
}

/** The ten fields of an upscaled image; fileName is the name of the binary (or, as a tool, the name it would get). */
export function simplifiedResult(r: UpscaleResult, fileName: string): IDataObject {
	return {
		taskId: r.taskId ?? null,
		status: r.status,
		fileName,
		mimeType: r.contentType,
		width: r.width ?? null,
		height: r.height ?? null,
		creditsUsed: r.credits.consumed,
		creditsRemaining: r.credits.remaining,
		resultUrl: r.resultUrl ?? null,
		resultExpiresAt: iso(r.resultExpiresAt),
	};
}

/** The same ten fields for a submitted task (Return Task): the size asked for, no file yet. */
export function simplifiedSubmitted(s: SubmittedTask): IDataObject {
	return {
		taskId: s.taskId,
		status: s.status,
		fileName: null,
		mimeType: null,
		width: s.target?.width ?? null,
		height: s.target?.height ?? null,
		creditsUsed: s.credits.consumed,
		creditsRemaining: s.credits.remaining,
		resultUrl: null,
		resultExpiresAt: null,
	};
}

/** Get Task's ten fields: where the task is (place in line, or why it failed) and, once completed, its image. */
export function simplifiedTask(t: TaskInfo, fileName: string | null): IDataObject {
	return {
		taskId: t.taskId,
		status: t.status,
		position: t.position ?? null,
		failure: t.failure ?? null,
		fileName: t.image ? fileName : null,
		mimeType: t.image?.contentType ?? null,
		width: t.image?.width ?? null,
		height: t.image?.height ?? null,
		resultUrl: t.resultUrl ?? null,
		resultExpiresAt: iso(t.resultExpiresAt),
	};
}
