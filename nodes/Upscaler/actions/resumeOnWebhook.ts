/**
 * Wait Mode "Resume on Webhook", for a vendor that calls a webhook when a task is done (Ximilar).
 *
 * execute(): every item is submitted on the async endpoint; the last one carries n8n's resume URL for this
 * execution as its webhook, with the IDs of the others in the URL (`task=<id>`, `task=~` for the calling task,
 * whose ID comes in the call's body, `task=!<code>:<message>` for an item that failed with continueOnFail). Then the
 * execution is put to wait indefinitely: no worker is held. While it waits, the node's output shows the task IDs.
 *
 * webhook(): n8n calls it when the resume URL is called (n8n has checked the URL's signature). Nothing in the body is
 * trusted: the calling task is looked up at the vendor; if it is not finished the call is answered and the execution
 * keeps waiting. Otherwise every task is read (and, should one still be running, waited for), downloaded, and the
 * items come out as Poll makes them. A second call of the same URL is refused by n8n itself (the execution has
 * resumed). A failed task cannot fail a resumed node (n8n resumes a paused node by passing its data through), so it
 * becomes an item with `error`, as with "On Error: Continue".
 */
import {
	NodeOperationError,
	WAIT_INDEFINITELY,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IWebhookDescription,
	type IWebhookResponseData,
	type JsonObject,
} from 'n8n-workflow';
import { asUpscaleError, fileNameFromUrl, isPrivateHost, PROVIDER_NAMES, VENDOR_REGISTRY, type UpscaleClient, type VendorId } from '../../../core';
import { asNodeError, failureJson } from '../errors';
import type { NodeVendor } from '../vendors/types';
import { baseUrlOf, clientFor } from './client';
import { eachLimited } from './each-limited';
import { binaryOutput, itemOutput, keptItem, keptOver, resultJson, submittedJson, type ItemOutput } from './output';
import { readInput, upscaleOptions } from './upscale.operation';

/**
 * The node's one webhook: a restart webhook, which n8n routes a call of a waiting execution's resume URL to. It is
 * not a trigger: nothing is registered at the vendor when a workflow is published (the URL goes with each task), so
 * the trigger lifecycle (`webhookMethods` checkExists/create/delete) has nothing to do. Declared as a constant, as
 * n8n's own send-and-wait nodes declare theirs.
 */
export const RESUME_WEBHOOKS: IWebhookDescription[] = [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '', restartWebhook: true }];

/** Task IDs travel in the resume URL; this keeps it well under what servers accept (about 4 kB). */
export const MAX_RESUME_ITEMS = 100;
const SELF = '~';
const FAILED = '!';
/** How long the resume waits for a task other than the calling one that is still running. */
const STRAGGLER_TIMEOUT_MS = 600_000;

/** An item's task and where its image goes, or (continueOnFail) why it has none. */
type Slot = { taskId: string; output: ItemOutput } | { failure: JsonObject };
/** A slot on the submitting side, with what its item shows while the execution waits. */
type Submitted = { taskId: string; output: ItemOutput; json: IDataObject } | { failure: JsonObject };

/** Why the vendor could not call this n8n back, when its resume URL is a private address and the vendor is not. */
function unreachable(vendor: NodeVendor, resumeUrl: string, baseUrl: string | undefined): string | undefined {
	const hook = new URL(resumeUrl);
	if (!isPrivateHost(hook.hostname)) return undefined;
	const vendorHost = new URL(baseUrl ?? VENDOR_REGISTRY[vendor.id].defaultBaseUrl).hostname;
	if (isPrivateHost(vendorHost)) return undefined; // a proxy or test server on the same network can call it
	return (
		`${PROVIDER_NAMES[vendor.id]} could not call this n8n back: its resume URL starts with ${hook.origin}, an address only this machine or network can reach. ` +
		`Set n8n's WEBHOOK_URL to a public address (for example https://n8n.example.com/), or choose Wait Mode "Poll". Nothing was sent.`
	);
}

export interface SubmitRun {
	client: UpscaleClient;
	vendor: NodeVendor;
	signal: AbortSignal;
	concurrency: number;
}

/** Submits every item, the last with the resume URL as its webhook, and puts the execution to wait. */
export async function submitAndWait(ctx: IExecuteFunctions, { client, vendor, signal, concurrency }: SubmitRun): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const n = items.length;
	const node = ctx.getNode();
	if (n === 0) return [[]];
	if (n > MAX_RESUME_ITEMS) {
		throw new NodeOperationError(
			node,
			`Resume on Webhook takes up to ${MAX_RESUME_ITEMS} items per execution (one webhook call carries every task ID); this execution has ${n}. Split them with a Loop Over Items node, or choose Wait Mode "Poll".`,
		);
	}
	const resumeUrl = String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const why = unreachable(vendor, resumeUrl, baseUrlOf(await ctx.getCredentials(vendor.credential.name)));
	if (why) throw new NodeOperationError(node, why);

	const slots: Submitted[] = new Array(n);
	let failed: Error | undefined;
	const submit = async (i: number, webhook?: string) => {
		if (failed) return;
		try {
			const extra = ctx.getNodeParameter('options', i, {}) as IDataObject;
			const options = upscaleOptions(ctx, i, vendor, extra, false, false);
			delete options.webhook; // the user's own Webhook URL is hidden in this mode: this mode sets it
			if (webhook) options.webhook = { url: webhook };
			const { input, name } = await readInput(ctx, i);
			const s = await client.submit(input, options, { signal });
			slots[i] = { taskId: s.taskId, output: itemOutput(extra, name), json: { ...submittedJson(s), waitMode: 'webhook' } };
		} catch (e) {
			if (!ctx.continueOnFail()) failed ??= asNodeError(node, e, client.provider, i);
			else slots[i] = { failure: failureJson(e, client.provider) };
		}
	};
	await eachLimited(n - 1, concurrency, (i) => submit(i));
	if (failed) throw failed;
	const url = new URL(resumeUrl);
	for (const slot of slots.slice(0, n - 1)) url.searchParams.append('task', 'taskId' in slot ? slot.taskId : `${FAILED}${failureText(slot.failure)}`);
	url.searchParams.append('task', SELF);
	await submit(n - 1, url.toString());
	if (failed) throw failed;

	const last = slots[n - 1];
	if ('failure' in last) {
		// The item meant to call back failed (continueOnFail): nothing will call. The others are waited for here.
		return [await finish(ctx, slots, (i) => items[i], client)];
	}
	await ctx.putExecutionToWait(WAIT_INDEFINITELY);
	return [slots.map((slot, i) => keptItem(ctx, i, 'taskId' in slot ? slot.json : slot.failure))];
}

/** "CODE:message" of a failure, for the resume URL (kept short). */
function failureText(f: JsonObject): string {
	const code = String((f.details as JsonObject | undefined)?.code ?? 'INTERNAL');
	return `${code}:${String(f.error ?? '').slice(0, 300)}`;
}

function failureFrom(slot: string, provider: VendorId): JsonObject {
	const [code, ...rest] = slot.slice(FAILED.length).split(':');
	return { error: rest.join(':'), details: { code, provider } };
}

/** Every task's result (or failure) as the node's output items. */
async function finish(ctx: IExecuteFunctions | IWebhookFunctions, slots: Slot[], input: (i: number) => INodeExecutionData | undefined, client: UpscaleClient): Promise<INodeExecutionData[]> {
	const version = ctx.getNode().typeVersion;
	const out: INodeExecutionData[] = new Array(slots.length);
	await eachLimited(slots.length, 4, async (i) => {
		const slot = slots[i];
		if ('failure' in slot) {
			out[i] = keptOver(version, input(i), i, slot.failure);
			return;
		}
		try {
			const r = await client.waitForTask(slot.taskId, { timeoutMs: STRAGGLER_TIMEOUT_MS });
			out[i] = keptOver(version, input(i), i, resultJson(r), await binaryOutput(ctx, r, slot.output.property, slot.output.fileName(r.extension)));
		} catch (e) {
			out[i] = keptOver(version, input(i), i, failureJson(e, client.provider));
		}
	});
	return out;
}

/** A parameter of item i as the resume sees it: n8n's webhook side evaluates parameters for item 0 only. */
function paramAt(ctx: IWebhookFunctions, raw: unknown, i: number): unknown {
	return typeof raw === 'string' && raw.startsWith('=') ? ctx.evaluateExpression(raw.slice(1), i) : raw;
}

function webhookOutputOf(ctx: IWebhookFunctions, inputs: INodeExecutionData[], i: number): ItemOutput {
	const raw = (name: string, fallback: unknown) => paramAt(ctx, ctx.getNodeParameter(name, fallback, { rawExpressions: true }), i);
	const extra = (ctx.getNodeParameter('options', {}, { rawExpressions: true }) ?? {}) as IDataObject;
	const opt = (name: string) => String(paramAt(ctx, extra[name], i) ?? '');
	const fromUrl = raw('inputSource', 'binary') === 'url';
	const inputName = fromUrl ? fileNameFromUrl(String(raw('imageUrl', '')).trim()) : inputs[i]?.binary?.[String(raw('binaryPropertyName', 'data'))]?.fileName || 'image';
	return itemOutput({ outputBinaryPropertyName: opt('outputBinaryPropertyName'), fileName: opt('fileName') }, inputName);
}

/** Answers the call and keeps the execution waiting. */
function keepWaiting(ctx: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	ctx.getResponseObject().status(status).json({ message: `${message} The execution keeps waiting.` });
	return { noWebhookResponse: true };
}

/** The resume: n8n calls this when the vendor (or anyone holding the signed URL) calls the resume URL. */
export async function resume(ctx: IWebhookFunctions, vendors: readonly NodeVendor[]): Promise<IWebhookResponseData> {
	const provider = ctx.getNodeParameter('provider', vendors[0]?.id) as VendorId;
	const vendor = vendors.find((v) => v.id === provider);
	const req = ctx.getRequestObject();
	const slots = new URL(req.originalUrl ?? req.url ?? '/', 'http://n8n.invalid').searchParams.getAll('task');
	if (!vendor || !slots.length) return keepWaiting(ctx, 400, 'This URL resumes an Upscaler node waiting for its vendor, and this call carries no task.');
	const name = PROVIDER_NAMES[provider];
	// How the vendor's call names its task is the vendor module's knowledge (core/vendors/).
	const callerId = VENDOR_REGISTRY[provider].webhookTaskId?.(ctx.getBodyData());
	if (!callerId) return keepWaiting(ctx, 400, `Expected ${name}'s call with the finished task in its body.`);

	const client = await clientFor(ctx, vendor);
	try {
		const state = await client.getTask(callerId);
		if (state.status === 'queued' || state.status === 'processing') return keepWaiting(ctx, 202, `${name} says task ${callerId} is still ${state.status}.`);
	} catch (e) {
		const u = asUpscaleError(e, provider);
		// A task the vendor reports failed is finished too: the resume turns it into an item with the error.
		if (u.code !== 'TASK_FAILED') return keepWaiting(ctx, u.code === 'NOT_FOUND' ? 404 : 502, u.message);
	}

	const inputs = (ctx.evaluateExpression('{{ $input.all() }}', 0) ?? []) as INodeExecutionData[];
	const tasks: Slot[] = slots.map((s, i) => (s.startsWith(FAILED) ? { failure: failureFrom(s, provider) } : { taskId: s === SELF ? callerId : s, output: webhookOutputOf(ctx, inputs, i) }));
	const items = await finish(ctx, tasks, (i) => inputs[i], client);
	return { workflowData: [items] };
}
