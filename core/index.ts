/** The API core's public surface. Adapters (cli, nodes, bot, runtime, zapier, service) import from here only. */
export * from './errors';
export * from './ports';
export * from './image';
export * from './options';
export * from './option-fields';
export { formatIssues, parseOptions } from './parse-options';
export { parseRateLimit, RequestBudget, type BudgetLimits } from './budget';
export { budgetFor, memoryState, processState, type SharedState, type Activity } from './state';
export { duration, nextPollDelay, retryAfterMs, type PollPace } from './polling';
export { DEFAULT_RETRY, MAX_REDIRECTS, Transport, type RetryPolicy } from './transport';
export { downloadImage, excerpt, fileNameFromUrl, imageDownloadRefused, imageUrlOf, IMAGE_URL_TOO_LARGE, MAX_INPUT_BYTES, megabytes, safeFileName, upscaledName } from './input';
export { UpscaleClient, type ClientConfig } from './client';
export type { UpscaleInput, UpscaleResult, TaskInfo, SubmittedTask, Progress, RunControl, Stage, OutputImage, Upscaler, InputFacts } from './upscaler';
export { VENDORS, VENDOR_IDS, PROVIDER_IDS, PROVIDER_NAMES, isProviderId, isVendorId, listWords, refuseForeignOptions, type VendorId, type Vendor, type ProviderInfo, type Credits, type TaskStatus } from './vendors';
export { planLocal, modelPasses, LOCAL, LOCAL_LIMITS, type LocalPlan, type LocalFormat } from './local';
export { CLIPDROP_LIMITS, readTaskId } from './vendors/clipdrop';
export { XIMILAR_LIMITS, XIMILAR_SCALES, ximilarAuthorization, ximilarKeyRefused } from './vendors/ximilar';
export { encodeMultipart, pickBoundary, type MultipartPart, type EncodedBody } from './encoding';
