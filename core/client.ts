/**
 * A vendor's client: one per provider and key; clients with the same key share one request budget. Each method
 * wires the steps (core/flow.ts, input.ts, wait.ts, download.ts, credits.ts) and hands back errors that carry the
 * provider and, once there is one, the task id, with no key in them.
 */
import { baseUrlProblem } from './base-url';
import type { BudgetLimits } from './budget';
import { remainingAfter } from './credits';
import { downloadResult } from './download';
import { asUpscaleError, fillWords, redactError, UpscaleError } from './errors';
import { awaitTask, finish, runUpscale, submitTask, type Flow } from './flow';
import type { UpscaleOptionsInput } from './options';
import { parseOptions } from './parse-options';
import type { Ports } from './ports';
import { processState, type SharedState } from './state';
import { DEFAULT_RETRY, Transport, type RetryPolicy } from './transport';
import type { InputFacts, RunControl, SubmittedTask, TaskInfo, UpscaleInput, UpscaleResult, Upscaler } from './upscaler';
import { isVendorId, listWords, VENDOR_IDS, VENDOR_REGISTRY, type VendorId } from './vendors';
import type { VendorContext } from './vendors/types';

export interface ClientConfig {
	provider: VendorId;
	/** The key. When given, core sends it in the vendor's header; an adapter that authenticates itself omits it. */
	apiKey?: string;
	/** Identity of the key for the shared budget when apiKey is not given (n8n: the credential's id). */
	budgetKey?: string;
	/** Default: the vendor's real host. */
	baseUrl?: string;
	/** Default: the vendor's documented limit. false: no client-side budget (429s are still handled). */
	rateLimit?: BudgetLimits | false;
	retry?: Partial<RetryPolicy>;
	/** More strings that must never appear in an error (a key the adapter sends itself). */
	secrets?: string[];
	/** Budgets and job overlap shared between clients. Default: one registry per process. */
	state?: SharedState;
	/**
	 * Where the user of this door sets the key and the rate limit, in their words (errors name them). Default: the
	 * toolkit's environment variables (CLIPDROP_API_KEY…); the n8n node names its credential's fields instead.
	 */
	wording?: { key?: string; rateLimit?: string };
	ports: Ports;
}

type Plan = { execution: 'sync' | 'async'; target: { width: number; height: number } | null };

export class UpscaleClient implements Upscaler {
	readonly transport: Transport;
	private readonly flow: Flow;

	constructor(private readonly cfg: ClientConfig) {
		if (!isVendorId(cfg.provider)) throw new UpscaleError('INVALID_OPTIONS', `Unknown provider "${String(cfg.provider)}": use ${listWords(VENDOR_IDS)}.`, { local: true });
		const vendor = VENDOR_REGISTRY[cfg.provider];
		const badBaseUrl = cfg.baseUrl ? baseUrlProblem(cfg.baseUrl, vendor) : undefined;
		if (badBaseUrl) throw new UpscaleError('INVALID_OPTIONS', badBaseUrl, { provider: cfg.provider, local: true });
		const baseUrl = (cfg.baseUrl || vendor.defaultBaseUrl).trim().replace(/\/+$/, '');
		const authHeaders = cfg.apiKey ? vendor.authHeaders(cfg.apiKey) : {};
		// A line break, a control character or a non-ASCII letter cannot travel in a header: the HTTP library would
		// refuse it as a connection failure that reads as if the request might have reached the vendor.
		if (Object.values(authHeaders).some((v) => /[^\x20-\x7e]/.test(v))) {
			throw new UpscaleError('AUTH', `The ${vendor.name} ${vendor.keyNoun} holds a character that cannot be sent (a line break, a control character or a non-ASCII letter): copy it again. Nothing was sent.`, { provider: cfg.provider, local: true });
		}
		const state = cfg.state ?? processState;
		const scope = `${vendor.id}|${baseUrl}|${cfg.apiKey ?? cfg.budgetKey ?? ''}`;
		const limits = cfg.rateLimit === false ? undefined : (cfg.rateLimit ?? vendor.defaultRateLimit);
		this.transport = new Transport({
			provider: cfg.provider,
			vendorName: vendor.name,
			ports: cfg.ports,
			authHeaders,
			budget: limits ? state.budget(scope, limits) : undefined,
			retry: { ...DEFAULT_RETRY, ...cfg.retry },
		});
		const { clock, sleep } = cfg.ports;
		const transport = this.transport;
		this.flow = { vendor, provider: cfg.provider, transport, clock, sleep, state, scope, ctx: (deadline, signal): VendorContext => ({ transport, clock, baseUrl, deadline, signal }) };
	}

	get provider(): VendorId {
		return this.cfg.provider;
	}

	get vendor() {
		return this.flow.vendor;
	}

	/** Upscales one image. Errors are UpscaleError, with the task id once there is one. */
	async upscale(input: UpscaleInput, options: UpscaleOptionsInput = {}, run: RunControl = {}): Promise<UpscaleResult> {
		return this.guard(() => runUpscale(this.flow, input, parseOptions(options, this.provider), run));
	}

	/**
	 * Starts an async task and returns at once with its id (for "submit now, fetch later" workflows).
	 * Same validation as upscale(); the job always goes to the vendor's async endpoint.
	 */
	async submit(input: UpscaleInput, options: UpscaleOptionsInput = {}, run: Pick<RunControl, 'signal'> = {}): Promise<SubmittedTask> {
		return this.guard(() => submitTask(this.flow, input, parseOptions({ ...options, execution: 'async' }, this.provider), run.signal));
	}

	/**
	 * The checks upscale() makes before sending anything, from what is known about an image without its bytes
	 * (e.g. a chat attachment's type, size and dimensions). Throws the same local errors; returns the plan.
	 */
	check(image: InputFacts & { hasAlpha?: boolean }, options: UpscaleOptionsInput = {}): Plan {
		try {
			const o = parseOptions(options, this.provider);
			const plan = this.vendor.plan(o, { kind: 'bytes', bytes: new Uint8Array(), fileName: 'image', info: { hasAlpha: false, orientation: 1, ...image } });
			return { execution: plan.execution, target: plan.target ?? null };
		} catch (e) {
			throw this.clean(e);
		}
	}

	/** Status of a task started earlier; with download, the result image when it is complete. */
	async getTask(taskId: string, opts: { download?: boolean; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TaskInfo> {
		return this.guard(async () => {
			const ctx = this.flow.ctx(this.flow.clock.now() + (opts.timeoutMs ?? 300_000), opts.signal);
			const id = this.checkTaskId(taskId);
			const state = await this.vendor.status(ctx, id);
			const info: TaskInfo = { provider: this.provider, taskId: id, ...state };
			if (state.status !== 'completed') return info;
			let ref = await this.vendor.result(ctx, id);
			if (opts.download) ({ image: info.image, ref } = await downloadResult(this.flow, ctx, id, ref));
			info.resultUrl = ref.url;
			info.resultExpiresAt = ref.expiresAt;
			return info;
		}, taskId);
	}

	/** The Upscaler's name for waitForTask: a job engine resumes a stored task through it. */
	resume(taskId: string, options: Pick<UpscaleOptionsInput, 'timeoutMs' | 'pollMinMs' | 'pollMaxMs'> = {}, run: RunControl = {}): Promise<UpscaleResult> {
		return this.waitForTask(taskId, options, run);
	}

	/** Waits for a task started earlier (by this process or another) and downloads its result. */
	async waitForTask(taskId: string, options: Pick<UpscaleOptionsInput, 'timeoutMs' | 'pollMinMs' | 'pollMaxMs'> = {}, run: RunControl = {}): Promise<UpscaleResult> {
		return this.guard(async () => {
			const f = this.flow;
			const o = parseOptions(options, this.provider);
			const started = f.clock.now();
			const ctx = f.ctx(started + o.timeoutMs, run.signal);
			const id = this.checkTaskId(taskId);
			const { image, ref } = await awaitTask(f, ctx, id, o, started, run);
			const credits = { consumed: null, remaining: await remainingAfter(f, ctx) };
			return finish(f, { started, run, execution: 'async', taskId: id, image, ref, input: null, credits, params: {} });
		}, taskId);
	}

	/** Checks the key against the vendor without spending a credit. */
	async verifyCredentials(opts: { signal?: AbortSignal } = {}): Promise<void> {
		return this.guard(() => this.vendor.verifyKey(this.flow.ctx(this.flow.clock.now() + 60_000, opts.signal)));
	}

	/** Credits left on the account (Ximilar: from the account; Clipdrop: not available without spending one). */
	async balance(opts: { signal?: AbortSignal } = {}): Promise<{ used: number | null; remaining: number | null }> {
		const vendor = this.vendor;
		if (!vendor.balance) return { used: null, remaining: null };
		return this.guard(() => vendor.balance!(this.flow.ctx(this.flow.clock.now() + 60_000, opts.signal)));
	}

	// ---- internals ----

	private async guard<T>(work: () => Promise<T>, taskId?: string): Promise<T> {
		try {
			return await work();
		} catch (e) {
			throw this.clean(e, taskId);
		}
	}

	private checkTaskId(taskId: string): string {
		const id = String(taskId ?? '').trim();
		if (!id) throw new UpscaleError('INVALID_OPTIONS', 'A task id is required.', { provider: this.provider, local: true });
		if (id.length > 200 || /[\s/?#]/.test(id)) {
			throw new UpscaleError('INVALID_OPTIONS', `"${id.slice(0, 40)}" is not a valid task id.`, { provider: this.provider, local: true });
		}
		return id;
	}

	/** Keys never leave in an error; the task id rides along once known; settings are named in this door's words. */
	private clean(e: unknown, taskId?: string): UpscaleError {
		let err = asUpscaleError(e, this.provider);
		if (taskId && !err.taskId && !err.local) err = err.withTaskId(taskId);
		const env = this.vendor.env;
		const message = fillWords(err.message, { key: this.cfg.wording?.key ?? env.key, rateLimit: this.cfg.wording?.rateLimit ?? env.rateLimit });
		if (message !== err.message) err = new UpscaleError(err.code, message, err.fields());
		return redactError(err, [this.cfg.apiKey, ...(this.cfg.secrets ?? [])]);
	}
}
