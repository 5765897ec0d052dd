/**
 * The bot's sink on the job engine: what a user sees of their job while it runs (progress, place in line, "picked
 * up after a restart") and its outcome delivered once it has ended. A finished job stays in the store's outbox
 * (JobRow.deliver_after) until Discord took its message; one that nothing took (no permission in the channel, DMs
 * closed, Discord down) is tried again every BOT_DELIVERY_RETRY_SECONDS for a day, across restarts.
 */
import { isPaid, type Progress, type ProviderId } from '../core';
import { cancelRows, resultRows } from './components/rows';
import type { Files } from '../runtime/jobs/files';
import type { JobRow } from '../runtime/jobs/job';
import type { JobStore } from '../runtime/jobs/store';
import type { Logger } from '../runtime/log';
import type { Delivery } from './delivery';
import { doorOf, outcomeOf, type BotDoor } from './door';
import { messages, type Messages } from './messages';
import type { ReplyEditor } from './reply-editor';
import type { UserLimits } from './user-limits';

/** How long a delivery under way holds a job before another process may try it (the engine writes it with the outcome). */
export const DELIVERY_LEASE_MS = 10 * 60_000;
/** After this long undelivered, a job's outcome is given up on (and its result file removed). */
const GIVE_UP_MS = 24 * 3_600_000;
/** Finished jobs are forgotten after a week (their results went when they were delivered). */
export const KEEP_JOBS_MS = 7 * 24 * 3_600_000;

/** The credits a job's end counts against its user's day (unknown: null, which counts as 1). */
function creditsOf(row: JobRow): number | null {
	if (!isPaid(row.provider as ProviderId) || row.nothing_charged === 1) return 0;
	return row.status === 'succeeded' ? row.credits_consumed : null;
}

export class Outbox {
	private readonly editors = new Map<string, ReplyEditor>();
	/** The locale each job's user speaks (from its stored interaction). */
	private readonly locales = new Map<string, string | undefined>();
	private readonly places = new Map<string, number>();
	private readonly delivering = new Set<string>();
	private timer?: NodeJS.Timeout;

	constructor(
		private readonly deps: {
			jobs: JobStore;
			files: Files;
			delivery: Delivery;
			limits: UserLimits;
			log: Logger;
			retryMs: number;
			/** Every provider this bot offers (a result's "another provider" menu). */
			providers: readonly ProviderId[];
		},
	) {}

	/** The progress editor of a job this process answers for (made from its stored interaction when first needed). */
	private editor(id: string, door?: BotDoor): ReplyEditor | undefined {
		let e = this.editors.get(id);
		if (!e && door) {
			e = this.deps.delivery.editorFor(door, cancelRows(id, door.locale));
			this.editors.set(id, e);
			this.locales.set(id, door.locale);
		}
		return e;
	}

	/** Shows `content` on a job's reply, reading its interaction from the store when this process has not seen it. */
	private show(id: string, content: (say: Messages) => string): void {
		const e = this.editor(id);
		if (e) return e.update(content(messages(this.locales.get(id))));
		void this.deps.jobs.get(id).then((row) => row?.door && this.editor(id, doorOf(row))?.update(content(messages(doorOf(row).locale))), () => undefined);
	}

	/** A job was accepted here: its reply is this editor's. */
	accepted(id: string, door: BotDoor): void {
		this.editor(id, door);
	}

	progress(id: string, p: Progress): void {
		this.show(id, (say) => (p.stage === 'downloading' && !p.taskId && p.elapsedMs === 0 ? say.downloadingInput : say.progress(p, Date.now())));
	}

	/** The line changed: each waiting job's place (1 = next), told when it moved. */
	line(places: Array<{ id: string; position: number }>): void {
		for (const { id, position } of places) {
			if (this.places.get(id) === position) continue;
			this.places.set(id, position);
			this.show(id, (say) => say.waitingForSlot(position));
		}
	}

	/** The job's progress edits stop here (it was canceled: its message is the cancel's now). */
	forget(id: string): void {
		this.editors.get(id)?.stop();
		this.editors.delete(id);
		this.places.delete(id);
	}

	resumed(row: JobRow): void {
		this.show(row.id, (say) => say.resumed);
	}

	/**
	 * A job ended (the engine wrote its outcome): its user's slot back, its credits counted, its outcome delivered
	 * (`editor`: through another message's token than the job's own, e.g. the Cancel click's).
	 */
	async finished(row: JobRow, editor?: ReplyEditor): Promise<void> {
		this.places.delete(row.id);
		const door = doorOf(row);
		await this.deps.limits.finish(door.userId, creditsOf(row)).catch((e: Error) => this.deps.log.warn('could not count the job against its user', { job: row.id, error: e.message }));
		await this.deliver(row, editor);
	}

	/** Delivers a finished job's outcome; when nothing took it, it stays in the outbox for the next try. */
	async deliver(row: JobRow, editor?: ReplyEditor): Promise<void> {
		if (this.delivering.has(row.id)) return;
		this.delivering.add(row.id);
		const door = doorOf(row);
		try {
			const outcome = await outcomeOf(row);
			if (row.status === 'succeeded') outcome.components = resultRows(row, this.deps.providers, door.locale);
			if (editor) this.forget(row.id);
			const where = await this.deps.delivery.deliver(door, outcome, editor ?? this.editor(row.id, door));
			await this.deps.jobs.update(row.id, { deliver_after: null, result_deleted_at: Date.now() });
			await this.deps.files.remove(row.output_path);
			this.deps.log.info('job done', { job: row.id, interaction: row.id, user: door.userId, provider: row.provider, status: row.status, taskId: row.vendor_task_id, credits: row.credits_consumed, bytes: row.output_bytes, where, late: where !== 'reply' });
		} catch (e) {
			const giveUp = Date.now() - (row.finished_at ?? row.created_at) > GIVE_UP_MS;
			await this.deps.jobs.update(row.id, { deliver_after: giveUp ? null : Date.now() + this.deps.retryMs }).catch(() => false);
			if (giveUp) await this.deps.files.remove(row.output_path);
			this.deps.log[giveUp ? 'error' : 'warn'](giveUp ? 'could not deliver a job for a day: given up' : 'could not deliver a job: trying again later', { job: row.id, user: door.userId, channel: door.channelId, error: (e as Error).message, code: (e as { code?: unknown }).code, retryInSeconds: giveUp ? undefined : this.deps.retryMs / 1000 });
		} finally {
			this.editors.delete(row.id);
			this.locales.delete(row.id);
			this.delivering.delete(row.id);
		}
	}

	/** Delivers what is due: every undelivered job when `all` (this process alone answers, after a restart). */
	async retryDue(all = false): Promise<void> {
		const due = await this.deps.jobs.dueDeliveries(all ? Number.MAX_SAFE_INTEGER : Date.now(), 50).catch(() => [] as JobRow[]);
		for (const row of due) await this.deliver(row);
	}

	start(): void {
		let ticks = 0;
		const every = Math.min(this.deps.retryMs, 60_000);
		this.timer = setInterval(() => {
			void this.retryDue();
			// About once an hour: the records of jobs finished more than a week ago.
			if (++ticks % Math.max(1, Math.round(3_600_000 / every)) === 0) void this.deps.jobs.purge(Date.now() - KEEP_JOBS_MS, Date.now()).catch(() => undefined);
		}, every);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
	}
}
