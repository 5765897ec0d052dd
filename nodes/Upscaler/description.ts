/**
 * The node's parameters: the provider (one choice per vendor the node lists, with a line on what each is good at),
 * the operation, then each operation's own (./actions/<name>.operation.ts, with each vendor's parameters inside
 * Upscale). Names and values never change: saved workflows depend on them.
 */
import type { INodeProperties } from 'n8n-workflow';
import { listWords, PROVIDER_NAMES } from '../../core';
import { description as getTask } from './actions/getTask.operation';
import { description as upscale } from './actions/upscale.operation';
import type { NodeVendor } from './vendors/types';

export const OPERATION_NAMES = { upscale: 'Upscale Image', getTask: 'Get Task' } as const;

/** "Clipdrop or Ximilar": the providers as the picker's action names say them. */
const providerWords = (vendors: readonly NodeVendor[]) => listWords(vendors.map((v) => PROVIDER_NAMES[v.id]), 'or');

/** The line under the node's name in the nodes panel, with the providers' names from the core's registry. */
export const nodeDescription = (vendors: readonly NodeVendor[]) => `Upscale images with ${providerWords(vendors)} (super resolution)`;

export const properties = (vendors: readonly NodeVendor[]): INodeProperties[] => [
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: vendors.map((v) => ({ name: PROVIDER_NAMES[v.id], value: v.id, description: v.description })),
		default: 'clipdrop',
		description: 'The upscaling service to use. Each needs its own account and credential.',
	},
	...vendors.map(
		(v): INodeProperties => ({
			displayName: `${PROVIDER_NAMES[v.id]}: ${v.description}`,
			name: `${v.id}Notice`,
			type: 'notice',
			default: '',
			displayOptions: { show: { provider: [v.id] } },
		}),
	),
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: OPERATION_NAMES.getTask, value: 'getTask', description: 'Check a task started earlier and get its result', action: `Get upscale task from ${providerWords(vendors)}` },
			{ name: OPERATION_NAMES.upscale, value: 'upscale', description: 'Upscale an image', action: `Upscale image with ${providerWords(vendors)}` },
		],
		default: 'upscale',
	},
	...upscale(vendors),
	...getTask(),
];

/** An expression naming a parameter's value: `($parameter["p"] === "a" ? "A" : "B")`. */
function nameOf(parameter: string, names: Array<[string, string]>): string {
	const [last, ...rest] = [...names].reverse();
	return rest.reduce((otherwise, [value, name]) => `($parameter["${parameter}"] === ${JSON.stringify(value)} ? ${JSON.stringify(name)} : ${otherwise})`, JSON.stringify(last[1]));
}

/** "Upscale Image · Clipdrop": the subtitle under the node on the canvas, from the same names. */
export const subtitle = (vendors: readonly NodeVendor[]) =>
	`={{ ${nameOf('operation', Object.entries(OPERATION_NAMES))} + " · " + ${nameOf('provider', vendors.map((v) => [v.id, PROVIDER_NAMES[v.id]]))} }}`;
