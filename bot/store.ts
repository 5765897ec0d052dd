/**
 * The bot's jobs on disk, so a crash or restart loses no paid work: a job is written when accepted, updated
 * with its task id the moment the vendor has one (its credits are spent), and removed once delivered.
 * One JSON file, rewritten atomically (temp file, fsync, rename). Written here rather than taken from a
 * database package: a few dozen records, one writer, and no native build on any machine.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderId, UpscaleOptionsInput } from '../core';

export interface StoredJob {
	interactionId: string;
	applicationId: string;
	/** The interaction token (valid 15 minutes): lets a restarted bot edit the original reply. */
	token: string;
	channelId: string;
	guildId: string | null;
	userId: string;
	provider: ProviderId;
	options: UpscaleOptionsInput;
	fileName: string;
	attachmentSizeLimit: number;
	acceptedAt: number;
	/** Set once the vendor accepted the task. */
	taskId?: string;
}

export class JobStore {
	private readonly file: string;
	private jobs = new Map<string, StoredJob>();

	constructor(dir: string) {
		mkdirSync(dir, { recursive: true, mode: 0o700 });
		this.file = join(dir, 'jobs.json');
		try {
			const list = JSON.parse(readFileSync(this.file, 'utf8')) as StoredJob[];
			for (const j of list) this.jobs.set(j.interactionId, j);
		} catch (e) {
			if ((e as { code?: string }).code !== 'ENOENT') throw new Error(`Cannot read the job store ${this.file}: ${(e as Error).message}`);
		}
	}

	all(): StoredJob[] {
		return [...this.jobs.values()];
	}

	put(job: StoredJob): void {
		this.jobs.set(job.interactionId, job);
		this.save();
	}

	update(interactionId: string, patch: Partial<StoredJob>): void {
		const j = this.jobs.get(interactionId);
		if (!j) return;
		this.jobs.set(interactionId, { ...j, ...patch });
		this.save();
	}

	remove(interactionId: string): void {
		if (this.jobs.delete(interactionId)) this.save();
	}

	private save(): void {
		const tmp = `${this.file}.${process.pid}.tmp`;
		const fd = openSync(tmp, 'w', 0o600);
		try {
			writeSync(fd, JSON.stringify(this.all()));
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
		renameSync(tmp, this.file);
	}
}
