/**
 * After a restart: every stored job is picked up. A job with a task id (its credits are spent) is waited for and
 * delivered; one without (or on the local engine, which has nothing to resume) is answered with why to run it again.
 */
import type { BotContext } from './context';
import { failure } from './delivery';
import { text } from './messages';

export function resumeJobs(ctx: BotContext): void {
	const { store, vendors, log, delivery, config, stopping } = ctx;
	for (const job of store.all()) {
		const upscaler = job.provider === 'local' ? undefined : vendors[job.provider];
		const editor = delivery.editorFor(job);
		if (!job.taskId || !upscaler) {
			log.warn('job lost before it was submitted', { interaction: job.interactionId, user: job.userId, provider: job.provider });
			void delivery.finish(job, editor, { content: job.provider === 'local' ? text.restartedLocal : text.restartedBeforeSubmit });
			continue;
		}
		log.info('resuming job', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId: job.taskId });
		editor.update(text.resumed);
		void upscaler
			.waitForTask(job.taskId, { timeoutMs: config.jobTimeoutMs }, { signal: stopping.signal, onProgress: (p) => editor.update(text.progress(p, Date.now())) })
			.then(
				async (result) => {
					const delivered = await delivery.finish(job, editor, delivery.resultPayload(job, result));
					log.info('job done', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId: job.taskId, resumed: true, late: !delivered });
				},
				async (e) => {
					log.warn('resumed job failed', { interaction: job.interactionId, error: (e as Error).message });
					await delivery.finish(job, editor, { content: failure(e).content });
				},
			);
	}
}
