/**
 * What the job engine (runtime/jobs) needs from the job service, for the embedded server's runner and a fleet's
 * workers alike: its providers, clients' image URLs fetched through the private-address guard, its metrics, and how
 * an interrupted job is explained to an API client.
 */
import { DEFAULT_RETRY, downloadImage, Transport } from '../core';
import { nodePorts } from '../runtime';
import type { ExecutorDeps } from '../runtime/jobs/executor';
import type { Files } from '../runtime/jobs/files';
import type { JobStore } from '../runtime/jobs/store';
import type { Logger } from '../runtime/log';
import type { ServiceConfig } from './config';
import type { Metrics } from './metrics';
import type { Providers } from './providers';
import { clientUrlHttp } from './url-guard';

/** How long a client's image URL may take to download. */
const IMAGE_DOWNLOAD_MS = 120_000;

export function serviceJobDeps(
	config: Pick<ServiceConfig, 'allowPrivateUrls' | 'jobTimeoutMs'>,
	d: { jobs: JobStore; files: Files; providers: Providers; metrics: Metrics; log: Logger },
	who: string,
): Omit<ExecutorDeps, 'onFinished'> {
	const http = clientUrlHttp(config.allowPrivateUrls);
	return {
		jobs: d.jobs,
		files: d.files,
		log: d.log,
		jobTimeoutMs: config.jobTimeoutMs,
		upscaler: (provider) => d.providers.upscaler(provider),
		fetchImage: (url, o) => {
			const t = new Transport({ provider: o.provider, vendorName: 'the image host', ports: { ...nodePorts(), http }, authHeaders: {}, retry: DEFAULT_RETRY });
			return downloadImage(t, url, { deadline: Date.now() + IMAGE_DOWNLOAD_MS, signal: o.signal, provider: o.provider });
		},
		voice: { who, again: 'Submit it again.' },
		onOutcome: (provider, status) => d.metrics.jobsFinished.inc({ provider, status }),
	};
}
