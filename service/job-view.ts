/** A job as the API shows it (GET /v1/jobs/{id}, lists, webhooks): the row, its live progress and its webhook. */
import type { Progress } from '../core';
import type { JobView } from './schemas';
import type { JobRow } from '../runtime/jobs/job';
import type { AttemptRow, WebhookRow } from './store/webhooks';
import type { DownloadLinks } from './download-links';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export interface ViewContext {
	/** Absolute base for result links (http://host:port). */
	baseUrl: string;
	retentionMs: number;
	/** Signs download_url (absent: the field is null). */
	links?: DownloadLinks;
	progress?: Progress;
	/** Place in this server's own queue, for a queued job. */
	queuePosition?: number;
	webhook?: { row: WebhookRow; attempts: AttemptRow[] };
}

function progressOf(row: JobRow, ctx: ViewContext): JobView['progress'] {
	if (row.status === 'queued') return { stage: 'queued', queue_position: ctx.queuePosition ?? null, eta: null, fraction: null };
	if (row.status !== 'running') return row.status === 'succeeded' ? { stage: 'done', queue_position: null, eta: null, fraction: 1 } : null;
	const p = ctx.progress;
	if (!p) return { stage: 'preparing', queue_position: null, eta: null, fraction: null };
	const stage = p.stage === 'queued' ? 'vendor_queued' : p.stage;
	return { stage, queue_position: p.position ?? null, eta: p.etaMs ? iso(p.etaMs) : null, fraction: p.fraction ?? null };
}

function webhookOf(row: JobRow, ctx: ViewContext): JobView['webhook'] {
	if (!row.webhook_url) return null;
	const w = ctx.webhook;
	if (!w) return { url: row.webhook_url, id: null, status: 'waiting_for_job', attempts: [], next_attempt_at: null };
	return {
		url: row.webhook_url,
		id: w.row.id,
		status: w.row.status,
		attempts: w.attempts.map((a) => ({ at: iso(a.at)!, status_code: a.status_code, error: a.error, ms: a.ms })),
		next_attempt_at: w.row.status === 'pending' ? iso(w.row.next_at) : null,
	};
}

export function jobView(row: JobRow, ctx: ViewContext): JobView {
	const hasResult = row.status === 'succeeded' && !row.result_deleted_at && !!row.output_path;
	return {
		id: row.id,
		object: 'job',
		status: row.status,
		provider: row.provider as JobView['provider'],
		options: JSON.parse(row.request) as Record<string, unknown>,
		progress: progressOf(row, ctx),
		vendor_task_id: row.vendor_task_id,
		execution: (row.execution as JobView['execution']) ?? null,
		credits: { consumed: row.credits_consumed, remaining: row.credits_remaining },
		input: { format: row.input_format, width: row.input_width, height: row.input_height, bytes: row.input_bytes, file_name: row.input_name, url: row.image_url },
		output: row.output_bytes !== null ? { format: row.output_format, width: row.output_width, height: row.output_height, bytes: row.output_bytes, content_type: row.output_type } : null,
		result_url: hasResult ? `${ctx.baseUrl}/v1/jobs/${row.id}/result` : null,
		// Valid until the result is deleted (the job's end + the retention).
		download_url: hasResult && ctx.links && row.finished_at ? ctx.links.url(row.id, row.finished_at + ctx.retentionMs) : null,
		result_expires_at: row.status === 'succeeded' && row.finished_at ? iso(row.finished_at + ctx.retentionMs) : null,
		error: row.error_code ? { code: row.error_code, message: row.error_message ?? '', nothing_charged: !!row.nothing_charged } : null,
		cancel: row.status === 'canceled' ? { vendor_may_charge: !row.nothing_charged, message: row.cancel_note ?? '' } : null,
		webhook: webhookOf(row, ctx),
		created_at: iso(row.created_at)!,
		started_at: iso(row.started_at),
		finished_at: iso(row.finished_at),
	};
}
