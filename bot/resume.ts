/**
 * After a restart: every stored job is picked up. A job with a task id (its credits are spent) is waited for and
 * delivered; one without (or on the local engine, which has nothing to resume) is answered with why to run it again.
 */
import type { UpscaleClient } from '../core';
import type { BotContext } from './context';
import type { ReplyEditor } from './reply-editor';
import type { StoredJob } from './store';
import { failure } from './delivery';
import { text } from './messages';

export function resumeJobs(ctx: BotContext): void {
	const { store, vendors, log, delivery } = ctx;
	for (const job of store.all()) {
		const upscaler = job.provider === 'local' ? undefined : vendors[job.provider];
		const editor = delivery.editorFor(job);
		if (!job.taskId || !upscaler) {
			log.warn('job lost before it was submitted', { interaction: job.interactionId, user: job.userId, provider: job.provider });
			void delivery.finish(job, editor, { content: job.provider === 'local' ? text.restartedLocal : text.restartedBeforeSubmit });
			continue;
		}
		void resumeTask(ctx, job, upscaler, job.taskId, editor);
	}
}

/**
 * Waits for a job's task (its credits were spent before the process that ran it stopped) and delivers it, or its
 * failure. Used after a restart and by a fleet's worker taking over a job. Returns the credits it cost (null: unknown).
 */
export async function resumeTask(ctx: BotContext, job: StoredJob, upscaler: UpscaleClient, taskId: string, editor: ReplyEditor): Promise<number | null> {
	const { log, delivery, config, stopping } = ctx;
	log.info('resuming job', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId });
	editor.update(text.resumed);
	try {
		const result = await upscaler.waitForTask(taskId, { timeoutMs: config.jobTimeoutMs }, { signal: stopping.signal, onProgress: (p) => editor.update(text.progress(p, Date.now())) });
		const delivered = await delivery.finish(job, editor, delivery.resultPayload(job, result));
		log.info('job done', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId, resumed: true, late: !delivered });
		return result.credits.consumed;
	} catch (e) {
		log.warn('resumed job failed', { interaction: job.interactionId, error: (e as Error).message });
		await delivery.finish(job, editor, { content: failure(e).content });
		// The task was paid for when it was submitted, whatever became of it.
		return null;
	}
}
