/** The contract each vendor module fulfils. The flow (core/client.ts) is written against this only. */
import type { BudgetLimits } from '../budget';
import type { UpscaleError, ProviderId } from '../errors';
import type { ImageInfo } from '../image';
import type { UpscaleOptions } from '../options';
import type { PollPace } from '../polling';
import type { HttpResponse } from '../ports';
import type { Transport } from '../transport';

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
	t: Transport;
	baseUrl: string;
	deadline: number;
	signal?: AbortSignal;
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

export interface Vendor {
	id: Exclude<ProviderId, 'local'>;
	name: string;
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
	/** Maps a non-2xx response to the error the user sees. */
	toError(res: HttpResponse, what: string, taskId?: string): UpscaleError;
}
