/**
 * How a job's outcome reaches the user: the original reply edited through the interaction's webhook token (live and
 * resumed jobs alike), the channel once that token expired (jobs over 15 minutes), and the result as a file or, over
 * the server's upload limit, a link.
 */
import { MessageFlags, Routes, type ChatInputCommandInteraction, type Client } from 'discord.js';
import { upscaledName, UpscaleError, type UpscaleResult } from '../core';
import { AttachmentError } from './attachments';
import type { Logger } from '../runtime/log';
import { text } from './messages';
import { ReplyEditor, type Edit, type Outcome } from './reply-editor';
import type { JobStore, StoredJob } from './store';
import { sendWithFile } from './upload';

/** A reply only the user sees (refusals before a job is accepted). */
export const ephemeral = (i: ChatInputCommandInteraction, content: string) => i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

/** The message for a failure, and the credits it may have cost (0: nothing was sent; null: unknown). */
export function failure(e: unknown): { content: string; spent: number | null } {
	const message = e instanceof UpscaleError || e instanceof AttachmentError ? e.message : 'Something went wrong on the bot’s side. Try again later.';
	const spent = (e instanceof UpscaleError && e.local) || e instanceof AttachmentError ? 0 : null;
	return { content: text.invalid(message), spent };
}

export class Delivery {
	private readonly api: string;

	constructor(
		private readonly o: { client: Client; token: string; apiUrl?: string; store: JobStore; log: Logger },
	) {
		this.api = `${(o.apiUrl ?? 'https://discord.com/api').replace(/\/+$/, '')}/v10`;
	}

	/** A progress editor on the job's original reply. */
	editorFor(job: StoredJob): ReplyEditor {
		return new ReplyEditor(this.editOriginal(job));
	}

	/** The message for a finished job (the image, or a link when it is over the upload limit). */
	resultPayload(job: StoredJob, result: UpscaleResult): Outcome {
		const name = upscaledName(job.fileName, result.extension);
		if (result.bytes.length <= job.attachmentSizeLimit) {
			return { content: text.done(result), file: { name, data: result.bytes, contentType: result.contentType } };
		}
		return { content: result.resultUrl ? text.tooBigLink(result, job.attachmentSizeLimit) : text.tooBigNoLink(result, job.attachmentSizeLimit) };
	}

	/** Delivers the outcome (reply edit, or the channel once the token expired) and forgets the job. True: in the reply. */
	async finish(job: StoredJob, editor: ReplyEditor, outcome: Outcome): Promise<boolean> {
		const { log, store } = this.o;
		const delivered = await editor.final(outcome).catch((e) => {
			log.warn('reply edit failed', { interaction: job.interactionId, error: (e as Error).message });
			return false;
		});
		if (!delivered) {
			await this.deliverLate(job, outcome).catch((e) => log.error('late delivery failed', { interaction: job.interactionId, error: (e as Error).message }));
		}
		store.remove(job.interactionId);
		return delivered;
	}

	private editOriginal(job: StoredJob): Edit {
		const route = Routes.webhookMessage(job.applicationId, job.token, '@original');
		return (payload) => {
			const body = { content: payload.content, allowed_mentions: { parse: [] } };
			if (payload.file) return sendWithFile({ method: 'PATCH', url: `${this.api}${route}` }, body, payload.file);
			return this.o.client.rest.patch(route, { body, auth: false });
		};
	}

	private async deliverLate(job: StoredJob, outcome: Outcome): Promise<void> {
		const body = { content: text.lateDelivery(job.userId, outcome.content), allowed_mentions: { users: [job.userId] } };
		const route = Routes.channelMessages(job.channelId);
		if (outcome.file) return sendWithFile({ method: 'POST', url: `${this.api}${route}`, authorization: `Bot ${this.o.token}` }, body, outcome.file);
		await this.o.client.rest.post(route, { body });
	}
}
