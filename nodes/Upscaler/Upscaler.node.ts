/**
 * The Upscaler node. Its vendors are listed here (one file each in ./vendors); the parameters are composed from them
 * and the operations (./actions), and execution goes through the router. The credentials stay a literal list:
 * n8n's linter and verification scanner read it from the source.
 */
import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { route } from './actions/router';
import { properties, subtitle } from './description';
import { clipdrop } from './vendors/clipdrop';
import { ximilar } from './vendors/ximilar';

const VENDORS = [clipdrop, ximilar];

export class Upscaler implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Upscaler',
		name: 'upscaler',
		icon: { light: 'file:upscaler.svg', dark: 'file:upscaler.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: subtitle(VENDORS),
		description: 'Upscale images with Clipdrop or Ximilar (super resolution)',
		defaults: { name: 'Upscaler' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: undefined,
		credentials: [
			{ name: 'clipdropApi', required: true, displayOptions: { show: { provider: ['clipdrop'] } }, testedBy: 'clipdropApiTest' },
			{ name: 'ximilarApi', required: true, displayOptions: { show: { provider: ['ximilar'] } } },
		],
		properties: properties(VENDORS),
	};

	methods = {
		credentialTest: Object.fromEntries(VENDORS.flatMap((v) => (v.credential.test ? [[`${v.credential.name}Test`, v.credential.test]] : []))),
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return route(this, VENDORS);
	}
}
