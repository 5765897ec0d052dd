/**
 * The Upscaler node. Its vendors are listed here (one file each in ./vendors); the parameters are composed from them
 * and the operations (./actions), and execution goes through the router. The credentials stay a literal list (n8n's
 * linter and verification scanner read it from the source); each is *hidden* for the other providers rather than
 * shown for its own, because n8n's editor hides any parameter a credential is shown for — and the provider must
 * stay visible and switchable in the panel.
 *
 * Version 2 (new nodes): a Wait Mode instead of Wait for Result, the input item kept with the result added, an
 * Exact Size that starts valid, and for Ximilar a Wait Mode that pauses the execution until Ximilar calls n8n's resume
 * URL (the webhook below; ./actions/resumeOnWebhook.ts). Version 1 workflows run as they always did.
 */
import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { resume, RESUME_WEBHOOKS } from './actions/resumeOnWebhook';
import { route } from './actions/router';
import { nodeDescription, properties, subtitle } from './description';
import { clipdrop } from './vendors/clipdrop';
import { ximilar } from './vendors/ximilar';

/** The providers this node offers, in the Provider parameter's order (not core's registry: the node's own files). */
const NODE_VENDORS = [clipdrop, ximilar];

export class Upscaler implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Upscaler',
		name: 'upscaler',
		icon: { light: 'file:upscaler.svg', dark: 'file:upscaler.dark.svg' },
		group: ['transform'],
		version: [1, 2],
		defaultVersion: 2,
		subtitle: subtitle(NODE_VENDORS),
		description: nodeDescription(NODE_VENDORS),
		defaults: { name: 'Upscaler' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{ name: 'clipdropApi', required: true, displayOptions: { hide: { provider: ['ximilar'] } } },
			{ name: 'ximilarApi', required: true, displayOptions: { hide: { provider: ['clipdrop'] } } },
		],
		webhooks: RESUME_WEBHOOKS,
		properties: properties(NODE_VENDORS),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return route(this, NODE_VENDORS);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return resume(this, NODE_VENDORS);
	}
}
