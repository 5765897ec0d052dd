/** The jobs table: one row per job, written at each step a restart must know about. */
import type { Db } from './db';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';
export type JobPhase = 'queued' | 'preparing' | 'sending' | 'submitted' | 'done';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

export interface JobRow {
	id: string;
	client_id: string;
	status: JobStatus;
	phase: JobPhase;
	provider: string;
	options: string;
	request: string;
	input_path: string | null;
	input_name: string | null;
	image_url: string | null;
	input_format: string | null;
	input_width: number | null;
	input_height: number | null;
	input_bytes: number | null;
	webhook_url: string | null;
	execution: string | null;
	vendor_task_id: string | null;
	credits_consumed: number | null;
	credits_remaining: number | null;
	output_path: string | null;
	output_type: string | null;
	output_format: string | null;
	output_width: number | null;
	output_height: number | null;
	output_bytes: number | null;
	error_code: string | null;
	error_message: string | null;
	nothing_charged: number | null;
	cancel_note: string | null;
	created_at: number;
	started_at: number | null;
	finished_at: number | null;
	result_deleted_at: number | null;
	/** The run that holds the job while it runs (executor.ts): a write from an older holder is refused. */
	holder: string | null;
	/** What the door that admitted the job needs to answer for it (the bot: the interaction), as JSON. */
	door: string | null;
	/** The vendor's link to the result, and when it expires (a door that cannot post the file offers it). */
	result_url: string | null;
	result_expires_at: number | null;
	/**
	 * The door's outbox: while set, the job's outcome has not reached its user yet (the bot); due from this time
	 * (a delivery under way holds it a while ahead, a failed one sets the next try). Null: nothing to deliver.
	 */
	deliver_after: number | null;
}

export type NewJob = Pick<JobRow, 'id' | 'client_id' | 'provider' | 'options' | 'request' | 'input_path' | 'input_name' | 'image_url' | 'input_format' | 'input_width' | 'input_height' | 'input_bytes' | 'webhook_url' | 'created_at'> &
	Partial<Pick<JobRow, 'door' | 'deliver_after'>>;

export const FINISHED: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export class JobTable {
	constructor(private readonly db: Db) {}

	insert(j: NewJob): JobRow {
		this.db.run(
			`INSERT INTO jobs (id, client_id, status, phase, provider, options, request, input_path, input_name, image_url, input_format, input_width, input_height, input_bytes, webhook_url, created_at, door, deliver_after)
			 VALUES (:id, :client_id, 'queued', 'queued', :provider, :options, :request, :input_path, :input_name, :image_url, :input_format, :input_width, :input_height, :input_bytes, :webhook_url, :created_at, :door, :deliver_after)`,
			{ ...j, door: j.door ?? null, deliver_after: j.deliver_after ?? null },
		);
		return this.get(j.id)!;
	}

	get(id: string): JobRow | undefined {
		return this.db.get<JobRow>('SELECT * FROM jobs WHERE id = :id', { id });
	}

	/** A client's job (another client's id answers as if it did not exist). */
	ofClient(id: string, clientId: string): JobRow | undefined {
		return this.db.get<JobRow>('SELECT * FROM jobs WHERE id = :id AND client_id = :clientId', { id, clientId });
	}

	/**
	 * Writes the patch; a change of status only while the job has not finished (a finished job's outcome is final);
	 * with `holder`, only while that run still holds the job.
	 */
	update(id: string, patch: Partial<Omit<JobRow, 'id'>>, holder?: string): boolean {
		const keys = Object.keys(patch);
		if (!keys.length) return true;
		const final = patch.status !== undefined ? " AND status NOT IN ('succeeded', 'failed', 'canceled')" : '';
		const held = holder !== undefined ? ' AND (holder IS NULL OR holder = :holder)' : '';
		return this.db.run(`UPDATE jobs SET ${keys.map((k) => `${k} = :${k}`).join(', ')} WHERE id = :id${final}${held}`, { ...(patch as Record<string, string | number | null>), id, ...(holder !== undefined ? { holder } : {}) }) > 0;
	}

	/** Newest first; `before` is the (created_at, id) of the last job of the previous page. */
	list(clientId: string, limit: number, before?: { createdAt: number; id: string }, status?: JobStatus): JobRow[] {
		const where = ['client_id = :clientId'];
		if (before) where.push('(created_at < :createdAt OR (created_at = :createdAt AND id < :id))');
		if (status) where.push('status = :status');
		return this.db.all<JobRow>(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT :limit`, {
			clientId,
			limit,
			...(before ? { createdAt: before.createdAt, id: before.id } : {}),
			...(status ? { status } : {}),
		});
	}

	withStatus(status: JobStatus): JobRow[] {
		return this.db.all<JobRow>('SELECT * FROM jobs WHERE status = :status ORDER BY created_at, id', { status });
	}

	/** Jobs by status, for /metrics. */
	countByStatus(): Record<JobStatus, number> {
		const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
		for (const r of this.db.all<{ status: JobStatus; n: number }>('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status')) counts[r.status] = Number(r.n);
		return counts;
	}

	/** Queued and running jobs of one client, and of all. */
	active(clientId: string): { mine: number; all: number } {
		const r = this.db.get<{ mine: number; all: number }>(
			"SELECT SUM(client_id = :clientId) AS mine, COUNT(*) AS \"all\" FROM jobs WHERE status IN ('queued', 'running')",
			{ clientId },
		);
		return { mine: Number(r?.mine ?? 0), all: Number(r?.all ?? 0) };
	}

	/** Finished jobs whose result file is past the retention. */
	expired(before: number): JobRow[] {
		return this.db.all<JobRow>('SELECT * FROM jobs WHERE finished_at < :before AND result_deleted_at IS NULL AND status IN (\'succeeded\', \'failed\', \'canceled\')', { before });
	}

	/** Finished jobs whose outcome a door has still to deliver, due by now. */
	dueDeliveries(now: number, limit: number): JobRow[] {
		return this.db.all<JobRow>(
			"SELECT * FROM jobs WHERE deliver_after IS NOT NULL AND deliver_after <= :now AND status IN ('succeeded', 'failed', 'canceled') ORDER BY deliver_after LIMIT :limit",
			{ now, limit },
		);
	}

	/** Job records older than this are forgotten (their files went long before). */
	purge(before: number): number {
		return this.db.run("DELETE FROM jobs WHERE finished_at < :before AND status IN ('succeeded', 'failed', 'canceled')", { before });
	}
}
