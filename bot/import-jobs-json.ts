/**
 * Moving from a bot of an earlier version, which kept its jobs in BOT_DATA_DIR/jobs.json: each job there becomes a
 * job of the engine's store, as a job whose process stopped (so the engine resumes a stored task id, never
 * resubmitting it, and answers the others with why to run /upscale again), and the file is renamed
 * jobs.json.imported so it is read once.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isProviderId, type ProviderId, type UpscaleOptionsInput } from '../core';
import type { JobStore } from '../runtime/jobs/store';
import type { Logger } from '../runtime/log';
import { clientOf, type BotDoor } from './door';

/** A job as the earlier bot wrote it. */
interface OldJob {
	interactionId: string;
	applicationId: string;
	token: string;
	channelId: string;
	guildId: string | null;
	userId: string;
	provider: ProviderId;
	options: UpscaleOptionsInput;
	fileName: string;
	attachmentSizeLimit: number;
	acceptedAt: number;
	taskId?: string;
}

/** Imports jobs.json when there is one; returns how many jobs it held. */
export async function importJobsJson(dataDir: string, jobs: JobStore, log: Logger): Promise<number> {
	const file = join(dataDir, 'jobs.json');
	if (!existsSync(file)) return 0;
	let list: OldJob[];
	try {
		list = JSON.parse(readFileSync(file, 'utf8')) as OldJob[];
		if (!Array.isArray(list)) throw new Error('not a list of jobs');
	} catch (e) {
		throw new Error(`Cannot read the job file of an earlier version, ${file}: ${(e as Error).message}. Move it away to start without it.`);
	}
	let skipped = 0;
	for (const j of list) {
		// An entry this version cannot answer for is left out (and counted), never allowed to stop the bot.
		const valid = !!j && typeof j === 'object' && [j.interactionId, j.applicationId, j.token, j.channelId, j.userId].every((v) => typeof v === 'string' && v) && isProviderId(j.provider);
		if (!valid) {
			skipped++;
			continue;
		}
		if (await jobs.get(j.interactionId)) continue;
		// It held no private flag: a late answer goes to the user's DMs rather than risk a private result in the channel.
		const door: BotDoor = { applicationId: j.applicationId, token: j.token, channelId: j.channelId, guildId: j.guildId, userId: j.userId, private: true, attachmentSizeLimit: j.attachmentSizeLimit, botUploadLimit: j.attachmentSizeLimit };
		const admitted = await jobs.admit(
			{ id: j.interactionId, client_id: clientOf(j.userId), provider: j.provider, options: JSON.stringify(j.options ?? {}), request: '{}', input_path: null, input_name: typeof j.fileName === 'string' ? j.fileName : 'image', image_url: null, input_format: null, input_width: null, input_height: null, input_bytes: null, webhook_url: null, created_at: Number(j.acceptedAt) || Date.now(), door: JSON.stringify(door), deliver_after: Number(j.acceptedAt) || Date.now() },
			{ maxPerClient: Number.MAX_SAFE_INTEGER, maxAll: Number.MAX_SAFE_INTEGER },
		);
		if (admitted.kind !== 'created') continue;
		// Running when its process stopped: the engine's recovery takes it over from here.
		await jobs.update(j.interactionId, j.taskId ? { status: 'running', phase: 'submitted', vendor_task_id: j.taskId, execution: 'async', started_at: j.acceptedAt } : { status: 'running', phase: 'preparing', started_at: j.acceptedAt });
	}
	renameSync(file, `${file}.imported`);
	log.info('imported the jobs of an earlier version', { jobs: list.length - skipped, from: file });
	if (skipped) log.warn('left out jobs of an earlier version that could not be read', { jobs: skipped, from: `${file}.imported` });
	return list.length;
}
