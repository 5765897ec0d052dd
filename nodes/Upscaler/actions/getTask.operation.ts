/** Get Task: the status of a task started earlier and, when it is complete, its result. */
import type { TaskInfo } from '../../../core';
import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { binaryOutput, iso, keptItem, outputJson, type ItemRun } from './output';
import { outputModeOf, simplifiedTask, taskOutputChoice } from './output-choice';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		default: '',
		required: true,
		description: 'The ID returned by Upscale with Return Task (Wait for Result off in older nodes), or shown in a timeout error',
	},
	{
		displayName: 'Download Result',
		name: 'download',
		type: 'boolean',
		default: true,
		description: 'Whether to download the image when the task is completed',
	},
	...taskOutputChoice,
	{
		displayName: 'Options',
		name: 'taskOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				description: 'Name of the output file. Default: task-ID with the right extension.',
			},
			{
				displayName: 'Output Binary Field',
				name: 'outputBinaryPropertyName',
				type: 'string',
				default: 'data',
				description: 'The binary property of the output item that receives the upscaled image',
			},
		],
	},
];

export const description = () => updateDisplayOptions({ show: { operation: ['getTask'] } }, properties);

/** Raw: every fact of the task, and its image's facts once downloaded. */
function rawTask(t: TaskInfo): IDataObject {
	const json: IDataObject = {
		provider: t.provider,
		operation: 'getTask',
		taskId: t.taskId,
		status: t.status,
		vendorStatus: t.vendorStatus,
		position: t.position ?? null,
		eta: iso(t.etaMs),
		failure: t.failure ?? null,
		resultUrl: t.resultUrl ?? null,
		resultExpiresAt: iso(t.resultExpiresAt),
	};
	if (t.image) json.output = outputJson(t.image);
	return json;
}

export async function execute(ctx: IExecuteFunctions, i: number, { client, signal }: ItemRun): Promise<INodeExecutionData> {
	const taskId = String(ctx.getNodeParameter('taskId', i)).trim();
	const download = ctx.getNodeParameter('download', i, true) as boolean;
	const extra = ctx.getNodeParameter('taskOptions', i, {}) as IDataObject;
	const tool = ctx.isToolExecution?.() === true;
	const simple = outputModeOf(ctx, i, tool) === 'simple';
	const t = await client.getTask(taskId, { download, signal });
	const fileName = t.image ? String(extra.fileName || '') || `task-${t.taskId}.${t.image.extension}` : null;
	const json = simple ? simplifiedTask(t, fileName) : rawTask(t);
	// Binary data does not pass through an agent's tools: the agent gets the result URL.
	if (tool) return { json, pairedItem: { item: i } };
	if (!t.image || !fileName) return keptItem(ctx, i, json);
	return keptItem(ctx, i, json, await binaryOutput(ctx, t.image, String(extra.outputBinaryPropertyName || 'data'), fileName));
}
