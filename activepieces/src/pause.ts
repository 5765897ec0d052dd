/**
 * A long job on a vendor that calls a webhook when it is done (Ximilar), without holding a worker: the step makes
 * a webhook waitpoint (`run.createWaitpoint({ type: 'WEBHOOK' })`, the framework's pause since 0.82), submits the
 * task with the waitpoint's resume URL as the vendor's webhook, keeps the task in the flow's store, and asks the
 * engine to wait (`run.waitForWaitpoint`). When the vendor calls the URL, Activepieces runs the step again with
 * `executionType` RESUME: the task is read back from the store (the call's body is not trusted: the task is looked
 * up at the vendor with the connection's key; the body's id is used only when the store lost the entry), waited
 * for if it is somehow not finished, downloaded and written to the run's files.
 */
import { StoreScope, type ActionContext, type FilesService, type Store } from '@activepieces/pieces-framework';
import { isPrivateHost, VENDOR_REGISTRY, type SubmittedTask, type UpscaleClient, type UpscaleInput, type UpscaleOptionsInput, type VendorId } from '../../core';
import { PieceError } from './errors';
import { completedOutput, submittedOutput, type StepOutput } from './output';

/** How long a resumed step waits for a task the vendor has called about but not finished (it should be done). */
const RESUME_WAIT_MS = 300_000;

/** What the paused step keeps until it resumes. */
interface Parked {
	taskId: string;
	consumed: number | null;
	fileName: string;
}

type RunContext = Pick<ActionContext, 'run' | 'step' | 'store'>;

/** One entry per run and step (a step in a loop pauses once per iteration, one after the other). */
const parkedKey = (ctx: RunContext) => `upscale/${ctx.run.id}/${ctx.step.name}`.slice(0, 128);

/** Why the vendor could not call this Activepieces back, when its resume URL is private and the vendor is not. */
export function unreachable(provider: VendorId, resumeUrl: string, baseUrl: string): string | undefined {
	const hook = new URL(resumeUrl);
	if (!isPrivateHost(hook.hostname)) return undefined;
	if (isPrivateHost(new URL(baseUrl).hostname)) return undefined; // a proxy or test server on the same network can call it
	const name = VENDOR_REGISTRY[provider].name;
	return (
		`${name} could not call this Activepieces back: its resume URL starts with ${hook.origin}, an address only this machine or network can reach. ` +
		`Set AP_FRONTEND_URL to a public address (e.g. https://flows.example.com), or choose Wait "In this step". Nothing was sent.`
	);
}

/** Submits the task with a resume URL as its webhook and pauses the run; the output shows the task meanwhile. */
export async function submitAndPause(
	ctx: RunContext,
	client: UpscaleClient,
	job: { input: UpscaleInput; fileName: string; options: UpscaleOptionsInput; baseUrl: string },
): Promise<StepOutput> {
	const p = client.provider as VendorId;
	const waitpoint = await ctx.run.createWaitpoint({ type: 'WEBHOOK' });
	const why = unreachable(p, waitpoint.resumeUrl, job.baseUrl);
	if (why) throw new PieceError(why);
	const task: SubmittedTask = await client.submit(job.input, { ...job.options, webhook: { url: waitpoint.resumeUrl } });
	const parked: Parked = { taskId: task.taskId, consumed: task.credits.consumed, fileName: job.fileName };
	try {
		await ctx.store.put(parkedKey(ctx), parked, StoreScope.FLOW);
	} catch (e) {
		throw new PieceError(`${VENDOR_REGISTRY[p].name} took task ${task.taskId}, but the step could not keep it to resume (${(e as Error).message}); get it with Get Task.`);
	}
	ctx.run.waitForWaitpoint(waitpoint.id);
	return submittedOutput(task, `${VENDOR_REGISTRY[p].name} is working on task ${task.taskId}; the flow goes on when ${VENDOR_REGISTRY[p].name} calls back.`);
}

/** The resumed step: the parked task read at the vendor, downloaded and written to the run's files. */
export async function resumeParked(ctx: RunContext & { resumePayload?: { body?: unknown } }, client: UpscaleClient, files: FilesService): Promise<StepOutput> {
	const key = parkedKey(ctx);
	const store: Store = ctx.store;
	const parked = await store.get<Parked>(key, StoreScope.FLOW);
	const taskId = parked?.taskId ?? VENDOR_REGISTRY[client.provider as VendorId].webhookTaskId?.(ctx.resumePayload?.body);
	if (!taskId) throw new PieceError('This step resumed without its task (the flow\'s store has no entry for it and the call named none). Run the flow again, or get the task with Get Task.');
	const r = await client.waitForTask(taskId, { timeoutMs: RESUME_WAIT_MS });
	const out = await completedOutput(files, r, client.provider as VendorId, parked?.fileName ?? `task-${taskId}`, parked?.consumed ?? r.credits.consumed);
	await store.delete(key, StoreScope.FLOW);
	return out;
}
