/** What the node knows about one vendor: its credential, its parameters, and how they become core options. */
import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, IExecuteFunctions, INodeCredentialTestResult, INodeProperties } from 'n8n-workflow';
import type { UpscaleOptionsInput, VendorId } from '../../../core';

export interface NodeVendor {
	id: VendorId;
	/** The line under its name in the Provider parameter: what it is good at. */
	description: string;
	/** The n8n credential type, the field holding the key, and its custom test when n8n's declarative test cannot tell. */
	credential: {
		name: string;
		secretField: string;
		test?: (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) => Promise<INodeCredentialTestResult>;
	};
	/** Its parameters of the Upscale operation (shown when it is the provider). */
	properties: INodeProperties[];
	/** Its entries in the Upscale operation's Options collection. */
	options?: INodeProperties[];
	/** Its parameters of item i as core options (the core validates them). */
	readOptions(ctx: IExecuteFunctions, i: number, extra: IDataObject, run: { execution: UpscaleOptionsInput['execution']; wait: boolean }): UpscaleOptionsInput;
}
