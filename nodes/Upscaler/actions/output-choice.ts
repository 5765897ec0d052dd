/**
 * Upscale's Output choice, as n8n's own nodes offer it (`output`: Simplified or Raw): n8n's guidelines ask a node
 * used as an AI tool for at most 10 fields, or a choice. Simplified is ten flat fields, the same for a finished image
 * and a submitted task; Raw is every fact (the output before this choice existed).
 *
 * Defaults: Raw in a workflow (saved workflows keep their output), Simplified as an AI Agent's tool. The two
 * entries differ only by n8n's `@tool` display rule (true when the node is an agent's tool); where an n8n does not
 * know that rule, neither entry applies and outputModeOf() falls back to the same defaults. Resume on Webhook
 * outputs Raw (its items are made when the vendor calls back), so the choice is hidden there.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { SubmittedTask, UpscaleResult } from '../../../core';
import { notWhileResuming } from '../display';
import { iso } from './output';

export const OUTPUT_MODES = ['raw', 'simple'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

const OPTIONS = [
	{ name: 'Raw', value: 'raw', description: 'Every fact: input and output images, credits, timings, the parameters sent' },
	{ name: 'Simplified', value: 'simple', description: 'Ten flat fields: task ID, status, file name, type, width, height, credits, result URL and its expiry' },
];

/** The Output parameter: one entry for workflows (Raw), one for the AI Agent's tool (Simplified). */
export const outputChoice: INodeProperties[] = [
	notWhileResuming({
		displayName: 'Output',
		name: 'output',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { '@tool': [false] } },
		options: OPTIONS,
		default: 'raw',
		description: 'How much each output item carries',
	}),
	notWhileResuming({
		displayName: 'Output',
		name: 'output',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { '@tool': [true] } },
		options: OPTIONS,
		default: 'simple',
		description: 'How much each output item carries',
	}),
];

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
