/** Core errors as n8n errors: local rejections are NodeOperationError, vendor failures NodeApiError. */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import { UpscaleError } from '../../core';

export function asUpscaleError(e: unknown): UpscaleError {
	return e instanceof UpscaleError ? e : new UpscaleError('VENDOR', `Unexpected failure: ${(e as Error)?.message ?? String(e)}`);
}

/** What a failed item carries with continueOnFail (and what the error's description shows). */
export function errorJson(e: UpscaleError): JsonObject {
	const j: JsonObject = { error: e.message, code: e.code };
	if (e.provider) j.provider = e.provider;
	if (e.status !== undefined) j.httpCode = e.status;
	if (e.taskId) j.taskId = e.taskId;
	if (e.vendorMessage) j.vendorMessage = e.vendorMessage;
	return j;
}

export function toNodeError(node: INode, e: UpscaleError, itemIndex: number): NodeApiError | NodeOperationError {
	const description = [e.vendorMessage ? `The vendor said: ${e.vendorMessage}` : undefined, e.taskId ? `Task id: ${e.taskId}` : undefined, `Error code: ${e.code}`]
		.filter(Boolean)
		.join(' · ');
	if (e.local) return new NodeOperationError(node, e.message, { itemIndex, description });
	return new NodeApiError(node, errorJson(e), {
		message: e.message,
		description,
		httpCode: e.status !== undefined ? String(e.status) : undefined,
		itemIndex,
	});
}
