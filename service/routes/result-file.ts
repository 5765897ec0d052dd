/** A succeeded job's image as an answer (GET /v1/jobs/{id}/result with the key, and the signed download link). */
import { createReadStream, existsSync } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { upscaledName } from '../../core';
import type { JobRow } from '../../runtime/jobs/job';
import { attachmentDisposition } from '../../runtime/content-disposition';
import type { ServiceContext } from '../context';
import { ApiError } from '../problem';

export function sendResult(ctx: ServiceContext, row: JobRow, reply: FastifyReply) {
	if (row.status !== 'succeeded') {
		const why = row.status === 'failed' ? `the job failed: ${row.error_message}` : row.status === 'canceled' ? 'the job was canceled' : `the job is ${row.status}; poll GET /v1/jobs/${row.id} or pass wait`;
		throw new ApiError('RESULT_NOT_READY', `No result: ${why}`, { status_of_job: row.status });
	}
	if (row.result_deleted_at || !row.output_path || !existsSync(row.output_path)) {
		throw new ApiError('RESULT_GONE', `The result of ${row.id} was deleted ${Math.round(ctx.config.retentionMs / 3_600_000) || '<1'} h after the job finished (the server's retention): submit the job again.`);
	}
	const ext = row.output_path.slice(row.output_path.lastIndexOf('.') + 1);
	reply.header('content-type', row.output_type ?? 'application/octet-stream');
	reply.header('content-length', String(row.output_bytes ?? ''));
	reply.header('content-disposition', attachmentDisposition(upscaledName(row.input_name ?? 'image', ext)));
	return reply.send(createReadStream(row.output_path));
}
