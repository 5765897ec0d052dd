/**
 * The contract each vendor module fulfils: its metadata (what the registry in ./index.ts and every front door derive
 * their lists, names and settings from) and its operations. The flow (core/client.ts and friends) is written against
 * this only.
 */
import type { BudgetLimits } from '../budget';
import type { ImageInfo } from '../image';
import type { ProviderOption, UpscaleOptions } from '../options';
import type { PollPace } from '../polling';
import type { Clock } from '../ports';
import type { Transport } from '../transport';

/** An option given to a provider that does not take it, as the refusal names it. */
export interface ForeignOption {
	label: string;
	/** The vendors that take it, by name ("Ximilar"). */
	owners: string[];
}

/** What every provider (each vendor, and the local engine) declares. */
export interface ProviderInfo {
	id: string;
	/** As users read it: "Clipdrop", "the local engine". */
	name: string;
	/**
	 * Whether a request costs credits (a vendor) or nothing (the local engine, on this machine): what a job that was
	 * interrupted, canceled or failed is said to have cost, and whether the job engine runs it in the paid line.
	 */
	paid: boolean;
	/** The provider-dependent options it takes; any other one is refused before anything is sent. */
	accepts: readonly ProviderOption[];
	/** The refusal, in this provider's words, when options it does not take were given (none of them local-only). */
	refuseForeign(options: ForeignOption[]): string;
	/**
	 * An option's help in this provider's own terms, where the shared text (option-fields.ts) speaks of several
	 * providers: a form that shows one provider's fields (Zapier, Activepieces, the service's page) shows this.
	 */
	optionHelp?: Partial<Record<ProviderOption, string>>;
	/** A number option it takes only at these values (Ximilar's scale: 2, 4, 8): such a form offers them as choices. */
	optionValues?: Partial<Record<ProviderOption, readonly number[]>>;
}

/** The image to upscale: bytes we hold (sniffed), or a URL the vendor fetches itself. */
export type PreparedInput =
	| { kind: 'bytes'; bytes: Uint8Array; fileName: string; info: ImageInfo }
	| { kind: 'url'; url: string };

export interface Plan {
	execution: 'sync' | 'async';
	/** Output size when it is known before the request. */
	target?: { width: number; height: number };
	/** Vendor request parameters, as sent (for logs and results). */
	params: Record<string, unknown>;
}

export interface Credits {
	/** Credits this job used; null when the vendor did not say and it could not be measured. */
	consumed: number | null;
	/** Credits left on the account; null when unknown. */
	remaining: number | null;
}

export type TaskStatus = 'queued' | 'processing' | 'completed' | 'failed';

export interface TaskState {
	status: TaskStatus;
	/** Position in the vendor's queue (0 = next), when it says. */
	position?: number;
	/** Epoch ms the vendor expects completion, when it says. */
	etaMs?: number;
	/** The vendor's own word for the state. */
	vendorStatus: string;
	/** Why it failed, when the vendor said. */
	failure?: string;
}

export interface ResultRef {
	url: string;
	/** Epoch ms after which the URL no longer works (as documented by the vendor). */
	expiresAt?: number;
	width?: number;
	height?: number;
	processingMs?: number;
}

export interface VendorContext {
	transport: Transport;
	clock: Clock;
	baseUrl: string;
	deadline: number;
	signal?: AbortSignal;
	/** For the paid request (a submit): RunControl.beforeSend, passed on as SendOptions.beforeSend. */
	beforeSend?: () => void | Promise<void>;
}

export interface SubmitResult {
	taskId: string;
	credits?: Partial<Credits>;
}

export interface SyncResult {
	/** Either the image itself (Clipdrop) or where to download it (Ximilar). */
	image?: { bytes: Uint8Array; contentType: string };
	ref?: ResultRef;
	credits?: Partial<Credits>;
}

export interface Vendor extends ProviderInfo {
	/** What its secret is called: "API key", "API token". */
	keyNoun: string;
	/** Where a user gets that secret: a page, and how to name it in a sentence (forms link it in their help). */
	keyPage: { url: string; words: string };
	/** The environment variables the toolkit (CLI, bot, service) reads for it. */
	env: { key: string; baseUrl: string; rateLimit: string };
	/** How long a result URL works, in ms and in words for messages. */
	resultLifetime: { ms: number; words: string };
	/** Where the credit balance comes from: the account at any time, or only the answer to a job. */
	balanceFrom: 'account' | 'job';
	defaultBaseUrl: string;
	/** The documented request limit per key, if any. */
	defaultRateLimit?: BudgetLimits;
	pollPace: PollPace;
	/** True when the vendor needs the image bytes even if the user gave a URL. */
	needsBytes: boolean;
	/** Results are fetched again from the API when a download URL expired (Clipdrop signs a fresh one). */
	canRefreshResultUrl: boolean;
	/** True when credits are known only from the account balance (measured before and after). */
	creditsFromBalance: boolean;
	authHeaders(key: string): Record<string, string>;
	/** Checks options against this vendor and the input; throws a local INVALID_OPTIONS/INVALID_INPUT. */
	plan(options: UpscaleOptions, input: PreparedInput): Plan;
	runSync(ctx: VendorContext, plan: Plan, input: PreparedInput): Promise<SyncResult>;
	submit(ctx: VendorContext, plan: Plan, input: PreparedInput): Promise<SubmitResult>;
	status(ctx: VendorContext, taskId: string): Promise<TaskState>;
	result(ctx: VendorContext, taskId: string): Promise<ResultRef>;
	balance?(ctx: VendorContext): Promise<{ used: number | null; remaining: number | null }>;
	/** A request that tells a good key from a bad one without spending a credit. */
	verifyKey(ctx: VendorContext): Promise<void>;
	/**
	 * For a vendor that calls a webhook when a task ends (one that `accepts` 'webhook'): the task id its call names,
	 * or undefined when the body names none. Only the id is read: the door looks the task up at the vendor with its
	 * own key and trusts nothing else in the call.
	 */
	webhookTaskId?(body: unknown): string | undefined;
}
