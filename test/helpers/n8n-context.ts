/**
 * A stand-in for n8n's IExecuteFunctions, enough to run the node's execute() in a unit test: parameters,
 * input items with binaries, credentials (authenticated the way n8n does, through the credential class), and
 * HTTP helpers over fetch (so nock@14 intercepts them).
 */
import { NodeOperationError, type ICredentialDataDecryptedObject, type IExecuteFunctions, type IHttpRequestOptions, type INode } from 'n8n-workflow';
import { ClipdropApi } from '../../credentials/ClipdropApi.credentials';
import { XimilarApi } from '../../credentials/XimilarApi.credentials';

export interface ContextSetup {
	params: Record<string, unknown> | ((name: string, i: number) => unknown);
	items?: Array<{ json?: Record<string, unknown>; binary?: Record<string, { data: string; mimeType: string; fileName?: string }> }>;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
	cancelSignal?: AbortSignal;
	/** The node's version (default 1, as saved workflows have it). */
	typeVersion?: number;
	/** Run as an AI Agent's tool. */
	tool?: boolean;
	/** What `{{ $execution.resumeUrl }}` evaluates to (n8n: WEBHOOK_URL + webhook-waiting/<id>?signature=…). */
	resumeUrl?: string;
}

export const NODE: INode = {
	id: 'n1',
	name: 'Upscaler',
	type: 'n8n-nodes-upscale.upscaler',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
	credentials: { clipdropApi: { id: 'cred-1', name: 'Clipdrop' }, ximilarApi: { id: 'cred-2', name: 'Ximilar' } },
};

/** Sends n8n request options with fetch; returns n8n's full response shape. */
export async function fetchFull(o: IHttpRequestOptions): Promise<{ statusCode: number; headers: Record<string, string>; body: Buffer }> {
	const res = await fetch(o.url, { method: o.method, headers: o.headers as Record<string, string>, body: o.body as Buffer | undefined, signal: o.abortSignal as AbortSignal | undefined });
	const headers: Record<string, string> = {};
	res.headers.forEach((v, k) => (headers[k] = v));
	const body = Buffer.from(await res.arrayBuffer());
	if (!o.ignoreHttpStatusErrors && res.status >= 400) throw new Error(`HTTP ${res.status}`);
	return { statusCode: res.status, headers, body };
}

function authenticated(type: string, creds: ICredentialDataDecryptedObject, o: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	return (type === 'ximilarApi' ? new XimilarApi() : new ClipdropApi()).authenticate(creds, o);
}

export function context(setup: ContextSetup): IExecuteFunctions & { requests: IHttpRequestOptions[]; waitTill?: Date } {
	const items = setup.items ?? [{ json: {} }];
	const requests: IHttpRequestOptions[] = [];
	const param = (name: string, i: number, fallback?: unknown) => {
		const v = typeof setup.params === 'function' ? setup.params(name, i) : setup.params[name];
		return v === undefined ? fallback : v;
	};
	const ctx = {
		requests,
		getInputData: () => items.map((it) => ({ json: it.json ?? {}, binary: it.binary })),
		getNodeParameter: (name: string, i: number, fallback?: unknown) => param(name, i, fallback),
		getNode: () => ({ ...NODE, typeVersion: setup.typeVersion ?? 1 }),
		isToolExecution: () => !!setup.tool,
		continueOnFail: () => !!setup.continueOnFail,
		getExecutionCancelSignal: () => setup.cancelSignal,
		evaluateExpression: (expression: string) => {
			if (expression.replace(/\s/g, '') !== '{{$execution.resumeUrl}}') throw new Error(`the test context evaluates only $execution.resumeUrl, not ${expression}`);
			return setup.resumeUrl ?? 'http://localhost:5678/webhook-waiting/1?signature=abc';
		},
		putExecutionToWait: async (date: Date) => {
			(ctx as { waitTill?: Date }).waitTill = date;
		},
		getCredentials: async (type: string) => {
			const c = setup.credentials?.[type];
			if (!c) throw new Error(`no credentials of type ${type}`);
			return c;
		},
		helpers: {
			httpRequest: async (o: IHttpRequestOptions) => {
				requests.push(o);
				return fetchFull(o);
			},
			httpRequestWithAuthentication: async function (type: string, o: IHttpRequestOptions) {
				const withAuth = await authenticated(type, setup.credentials![type], o);
				requests.push(withAuth);
				return fetchFull(withAuth);
			},
			assertBinaryData: (i: number, prop: string) => {
				const b = items[i].binary?.[prop];
				if (!b) throw new NodeOperationError(NODE, `This operation expects the node's input data to contain a binary file '${prop}', but none was found [item ${i}]`, { itemIndex: i });
				return b;
			},
			getBinaryDataBuffer: async (i: number, prop: string) => Buffer.from(items[i].binary![prop].data, 'base64'),
			prepareBinaryData: async (buf: Buffer, fileName?: string, mimeType?: string) => ({ data: buf.toString('base64'), fileName, mimeType, bytes: buf.length }),
		},
	};
	return ctx as unknown as IExecuteFunctions & { requests: IHttpRequestOptions[]; waitTill?: Date };
}
