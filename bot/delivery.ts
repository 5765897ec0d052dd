/**
 * How a job's outcome reaches its user, wherever it can:
 * 1. the original reply, edited through the interaction's token (15 minutes), under the interaction's upload limit;
 * 2. once the token has expired — a private job: a DM to the user, never the channel; a public one: a message in
 *    the channel mentioning the user, under the bot's own upload limit (not the user's Nitro);
 * 3. when the channel refuses the bot (a missing permission, or a file over its limit): the link instead of the file,
 *    else a DM saying why.
 * Where nothing works, deliver() throws and the job stays in the outbox (outbox.ts tries again later): a paid
 * result is never dropped silently.
 */
import { MessageFlags, Routes, type Client, type RepliableInteraction } from 'discord.js';
import { UpscaleError } from '../core';
import type { Logger } from '../runtime/log';
import { AttachmentError } from './attachments';
import type { BotDoor, Outcome } from './door';
import { dmLimit, Fitter, replyLimit } from './fit';
import { messages, text } from './messages';
import { isExpiredToken, ReplyEditor, type Edit, type MessageBody } from './reply-editor';
import { DiscordHttpError, sendWithFile, type UploadFile } from './upload';

/** A reply only the user sees (refusals before a job is accepted). */
export const ephemeral = (i: RepliableInteraction, content: string) => i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

/** The message for a failure, and the credits it may have cost (0: nothing was sent; null: unknown). */
export function failure(e: unknown): { content: string; spent: number | null } {
	const message = e instanceof UpscaleError || e instanceof AttachmentError ? e.message : 'Something went wrong on the bot’s side. Try again later.';
	const spent = (e instanceof UpscaleError && e.local) || e instanceof AttachmentError ? 0 : null;
	return { content: text.invalid(message), spent };
}

/** Discord's codes for a message the bot may not post there: Missing Access, Missing Permissions. */
const NOT_ALLOWED = new Set([50001, 50013]);
/** Request entity too large: the file is over the limit where it was posted. */
const TOO_LARGE = 40005;

const codeOf = (e: unknown) => (e as { code?: number }).code;
const statusOf = (e: unknown) => (e as { status?: number }).status;
const tooLarge = (e: unknown) => codeOf(e) === TOO_LARGE || statusOf(e) === 413;
const notAllowed = (e: unknown) => NOT_ALLOWED.has(codeOf(e) ?? 0) || statusOf(e) === 403;

/** Where a job's outcome ended up. */
export type Delivered = 'reply' | 'channel' | 'dm';

/** A new message's buttons, when it has any. */
const buttonsOf = (m: MessageBody) => (m.components?.length ? { components: m.components } : {});

export class Delivery {
	private readonly api: string;
	/** bot-fit: the outcome made to fit the upload limit where it goes (re-encoded, else a link). */
	private readonly fitter: Fitter;

	constructor(private readonly deps: { client: Client; token: string; apiUrl?: string; log: Logger; fitter?: Fitter }) {
		this.api = `${(deps.apiUrl ?? 'https://discord.com/api').replace(/\/+$/, '')}/v10`;
		this.fitter = deps.fitter ?? new Fitter({ log: deps.log });
	}

	/** A progress editor on the job's original reply. */
	editorFor(door: BotDoor, components?: unknown[]): ReplyEditor {
		return new ReplyEditor(this.editOriginal(door), components);
	}

	/** Delivers the outcome where it can (see the header); throws when nowhere took it. */
	async deliver(door: BotDoor, outcome: Outcome, editor: ReplyEditor = this.editorFor(door)): Promise<Delivered> {
		if (await editor.final(await this.fitter.fit(outcome, replyLimit(door)))) return 'reply';
		if (door.private) {
			await this.toDm(door, outcome, (body) => messages(door.locale).latePrivate(door.channelId, body));
			return 'dm';
		}
		let refused: unknown;
		try {
			await this.toChannel(door, await this.fitter.fit(outcome, door.botUploadLimit));
			return 'channel';
		} catch (e) {
			refused = e;
		}
		if (tooLarge(refused) && outcome.oversize) {
			// The channel's limit is lower than the bot thought: the link (or why there is none) instead.
			try {
				await this.toChannel(door, await this.fitter.fit(outcome));
				return 'channel';
			} catch (e) {
				refused = e;
			}
		}
		if (!notAllowed(refused) && !tooLarge(refused)) throw refused;
		this.deps.log.warn('channel refused the result: sending it by DM', { channel: door.channelId, user: door.userId, code: codeOf(refused) });
		const say = messages(door.locale);
		const why = tooLarge(refused) ? say.tooLargeThere : say.missingPermission;
		await this.toDm(door, outcome, (body) => say.couldNotPost(door.channelId, why, body));
		return 'dm';
	}

	private editOriginal(door: BotDoor): Edit {
		const route = Routes.webhookMessage(door.applicationId, door.token, '@original');
		return (payload) => {
			const body = { content: payload.content, allowed_mentions: { parse: [] }, ...(payload.components ? { components: payload.components } : {}) };
			if (payload.file) return sendWithFile({ method: 'PATCH', url: `${this.api}${route}` }, body, payload.file);
			return this.deps.client.rest.patch(route, { body, auth: false });
		};
	}

	private async toChannel(door: BotDoor, m: MessageBody): Promise<void> {
		const body = { content: messages(door.locale).lateDelivery(door.userId, m.content), allowed_mentions: { users: [door.userId] }, ...buttonsOf(m) };
		await this.post(door.channelId, body, m.file);
	}

	/** A DM to the job's user (no mention needed), the file under the bot's limit, else the link. */
	private async toDm(door: BotDoor, outcome: Outcome, wrap: (body: string) => string): Promise<void> {
		const dm = (await this.deps.client.rest.post(Routes.userChannels(), { body: { recipient_id: door.userId } })) as { id: string };
		const m = await this.fitter.fit(outcome, dmLimit());
		try {
			await this.post(dm.id, { content: wrap(m.content), allowed_mentions: { parse: [] }, ...buttonsOf(m) }, m.file);
		} catch (e) {
			if (!tooLarge(e) || !m.file || !outcome.oversize) throw e;
			await this.post(dm.id, { content: wrap((await this.fitter.fit(outcome)).content), allowed_mentions: { parse: [] } });
		}
	}

	private async post(channelId: string, body: Record<string, unknown>, file?: UploadFile): Promise<void> {
		const route = Routes.channelMessages(channelId);
		if (file) return sendWithFile({ method: 'POST', url: `${this.api}${route}`, authorization: `Bot ${this.deps.token}` }, body, file);
		await this.deps.client.rest.post(route, { body });
	}
}

export { DiscordHttpError, isExpiredToken };
