/** The API core's public surface. Adapters (cli, nodes, bot, runtime) import from here only. */
export * from './errors';
export * from './ports';
export * from './image';
export * from './options';
export { budgetFor, parseRateLimit, RequestBudget, type BudgetLimits } from './budget';
export { nextPollDelay, type PollPace } from './polling';
export { DEFAULT_RETRY, duration, MAX_REDIRECTS, retryAfterMs, Transport, type RetryPolicy } from './transport';
export { downloadImage, excerpt, fileNameFromUrl, imageDownloadRefused, imageUrlOf, IMAGE_URL_TOO_LARGE, MAX_INPUT_BYTES, safeFileName, upscaledName } from './input';
export { UpscaleClient, VENDORS, type ClientConfig, type UpscaleInput, type UpscaleResult, type TaskInfo, type SubmittedTask, type Progress, type RunControl, type Stage, type VendorId, type OutputImage, type Upscaler } from './client';
export { planLocal, modelPasses, LOCAL_LIMITS, type LocalPlan, type LocalFormat } from './local';
export { CLIPDROP_LIMITS, readTaskId } from './vendors/clipdrop';
export { XIMILAR_LIMITS, XIMILAR_SCALES, ximilarAuthorization } from './vendors/ximilar';
export type { Credits, TaskStatus } from './vendors/types';
export { encodeMultipart, type MultipartPart, type EncodedBody } from './encoding';
