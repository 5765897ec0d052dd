/** Core errors as n8n errors: local rejections are NodeOperationError, vendor failures NodeApiError. */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import type { UpscaleError } from '../../core';

/**
 * What a failed item carries with continueOnFail: `{ error, details }`. Only these keys, so that n8n
 * recognises the item as an error and, with "On Error: Continue (using error output)", routes it there.
 */
export function errorJson(e: UpscaleError): JsonObject {
	const details: JsonObject = { code: e.code };
	if (e.provider) details.provider = e.provider;
	if (e.status !== undefined) details.httpCode = e.status;
	if (e.taskId) details.taskId = e.taskId;
	if (e.vendorMessage) details.vendorMessage = e.vendorMessage;
	return { error: e.message, details };
}

export function toNodeError(node: INode, e: UpscaleError, itemIndex: number): NodeApiError | NodeOperationError {
	const description = [e.vendorMessage ? `The vendor said: ${e.vendorMessage}` : undefined, e.taskId ? `Task id: ${e.taskId}` : undefined, `Error code: ${e.code}`]
		.filter(Boolean)
		.join(' · ');
	if (e.local) return new NodeOperationError(node, e.message, { itemIndex, description });
	return new NodeApiError(node, { ...(errorJson(e).details as JsonObject), message: e.message }, {
		message: e.message,
		description,
		httpCode: e.status !== undefined ? String(e.status) : undefined,
		itemIndex,
	});
}
