/** What the node knows about one vendor: its credential, its parameters, and how they become core options. */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { UpscaleOptionsInput, VendorId } from '../../../core';

export interface NodeVendor {
	id: VendorId;
	/** The line under its name in the Provider parameter: what it is good at. */
	description: string;
	/** The n8n credential type and the field holding the key (kept out of errors). */
	credential: { name: string; secretField: string; keyField: string; rateLimitField?: string };
	/** How this vendor takes an image URL, for the Image URL parameter's description. */
	imageUrlDescription: string;
	/** Its parameters of the Upscale operation (shown when it is the provider). */
	properties: INodeProperties[];
	/** Its entries in the Upscale operation's Options collection (shown when it is the provider). */
	options: INodeProperties[];
	/** Its parameters of item i as core options (the core validates them). */
	readOptions(ctx: IExecuteFunctions, i: number, extra: IDataObject, run: ItemPlan): UpscaleOptionsInput;
}

/** What the node decided for an item before the vendor's parameters are read. */
export interface ItemPlan {
	/** The Endpoint option when it applies (waiting for the result), else 'auto'. */
	execution: NonNullable<UpscaleOptionsInput['execution']>;
	/** Whether the node waits for the result (Poll) or returns the task (Return Task). */
	wait: boolean;
}
