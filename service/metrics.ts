/**
 * GET /metrics in the Prometheus text format (prom-client): jobs by state, the queue, vendor requests and the 429s
 * they met, webhook attempts, and the process's own numbers.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Http } from '../core';
import type { JobStatus } from '../runtime/jobs/job';

export interface MetricSources {
	jobsByStatus(): Promise<Record<JobStatus, number>>;
	queueDepth(): Promise<number>;
}

export class Metrics {
	readonly registry = new Registry();
	readonly vendorRequests = new Counter({ name: 'upscale_vendor_requests_total', help: 'Requests sent to a vendor (submits, polls, downloads), by provider.', labelNames: ['provider'], registers: [this.registry] });
	readonly vendorRateLimited = new Counter({ name: 'upscale_vendor_rate_limited_total', help: 'Vendor answers 429 (rate limited), by provider.', labelNames: ['provider'], registers: [this.registry] });
	readonly jobsCreated = new Counter({ name: 'upscale_jobs_created_total', help: 'Jobs accepted, by provider.', labelNames: ['provider'], registers: [this.registry] });
	readonly jobsFinished = new Counter({ name: 'upscale_jobs_finished_total', help: 'Jobs finished, by provider and status.', labelNames: ['provider', 'status'], registers: [this.registry] });
	readonly webhookAttempts = new Counter({ name: 'upscale_webhook_attempts_total', help: 'Webhook delivery attempts, by result (delivered, failed).', labelNames: ['result'], registers: [this.registry] });
	readonly apiRejections = new Counter({ name: 'upscale_api_throttled_total', help: 'POST /v1/jobs answered 429 (queue limits).', registers: [this.registry] });

	constructor(sources: MetricSources) {
		new Gauge({
			name: 'upscale_jobs',
			help: 'Jobs in the database, by state.',
			labelNames: ['state'],
			registers: [this.registry],
			async collect() {
				for (const [state, n] of Object.entries(await sources.jobsByStatus())) this.set({ state }, n);
			},
		});
		new Gauge({
			name: 'upscale_queue_depth',
			help: 'Jobs accepted and waiting for a free slot on this server.',
			registers: [this.registry],
			async collect() {
				this.set(await sources.queueDepth());
			},
		});
		collectDefaultMetrics({ register: this.registry });
	}

	/** The core's Http port for one vendor, counting its requests and 429s. */
	countVendor(provider: string, inner: Http): Http {
		return {
			request: async (req) => {
				this.vendorRequests.inc({ provider });
				const res = await inner.request(req);
				if (res.status === 429) this.vendorRateLimited.inc({ provider });
				return res;
			},
		};
	}
}
