/**
 * Failures as n8n shows them: n8n's own errors pass through untouched; the vendor's failures are NodeApiError; what
 * was refused before anything was sent, and what broke on this side, is NodeOperationError (never labelled as the
 * vendor's). The vendor's own words are in the message once, not repeated in the description.
 */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import { asUpscaleError, type UpscaleError, type VendorId } from '../../core';

/**
 * n8n's errors, recognised by name as well as by class: a package with its own copy of n8n-workflow gets other
 * classes of the same name, and instanceof misses them.
 */
const N8N_ERRORS = new Set(['NodeOperationError', 'NodeApiError', 'NodeSslError', 'ExpressionError', 'WorkflowOperationError', 'ApplicationError', 'UserError', 'OperationalError', 'UnexpectedError']);

export function isN8nError(e: unknown): e is Error {
	return e instanceof NodeOperationError || e instanceof NodeApiError || (e instanceof Error && N8N_ERRORS.has(e.name));
}

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

/** A failure as n8n shows it: n8n's own errors as they are, the core's mapped. */
export const asNodeError = (node: INode, e: unknown, provider: VendorId, i: number): Error => (isN8nError(e) ? e : toNodeError(node, asUpscaleError(e, provider), i));

/** A failed item's json with continueOnFail: n8n's own errors by their message, the core's as errorJson. */
export const failureJson = (e: unknown, provider: VendorId): JsonObject => (isN8nError(e) ? { error: e.message } : errorJson(asUpscaleError(e, provider)));

export function toNodeError(node: INode, e: UpscaleError, itemIndex: number): NodeApiError | NodeOperationError {
	const description = [e.taskId ? `Task id: ${e.taskId}` : undefined, `Error code: ${e.code}`].filter(Boolean).join(' · ');
	if (e.local || e.code === 'INTERNAL' || e.code === 'ABORTED') return new NodeOperationError(node, e.message, { itemIndex, description });
	return new NodeApiError(node, { ...(errorJson(e).details as JsonObject), message: e.message }, {
		message: e.message,
		description,
		httpCode: e.status !== undefined ? String(e.status) : undefined,
		itemIndex,
	});
}
