/**
 * The choice of one of a message's images (the menu Right-click → Apps → Upscale shows for a message with several).
 * The images are those the command saw, for as long as their links are good to use; after a restart, or later, the
 * message is fetched again (attachment links expire). A message the bot can no longer read: the user is told to start over.
 */
import { Routes, type APIMessage, type Client } from 'discord.js';
import type { ComponentHandler, ComponentInteraction } from '../component-handlers';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { messages } from '../messages';
import { startJob, type ImageRef } from './start-job';

export const PICK_PREFIX = 'pick';
/** How long the images a command saw are used as they were (Discord's signed links last longer; a pick is quick). */
const FRESH_MS = 15 * 60_000;
/** Per bot (its client): what each message's images were when its menu was shown. */
const seenBy = new WeakMap<Client, Map<string, { images: ImageRef[]; at: number }>>();

function seenOf(client: Client): Map<string, { images: ImageRef[]; at: number }> {
	let seen = seenBy.get(client);
	if (!seen) seenBy.set(client, (seen = new Map()));
	return seen;
}

/** The images of a message a user is choosing from. */
export function remember(client: Client, messageId: string, images: ImageRef[]): void {
	const seen = seenOf(client);
	const now = Date.now();
	for (const [id, s] of seen) if (now - s.at > FRESH_MS) seen.delete(id);
	seen.set(messageId, { images, at: now });
}

/** The message's images: as the command saw them if recent, else from the message read again (undefined: cannot). */
async function imagesOf(i: ComponentInteraction, messageId: string): Promise<ImageRef[] | undefined> {
	const s = seenOf(i.client).get(messageId);
	if (s && Date.now() - s.at <= FRESH_MS) return s.images;
	// By REST: the bot may not have the channel (or its server) in its cache, e.g. in a DM.
	const m = (await i.client.rest.get(Routes.channelMessage(i.channelId, messageId)).catch(() => undefined)) as APIMessage | undefined;
	return m?.attachments.map((a) => ({ id: a.id, name: a.filename, url: a.url, contentType: a.content_type ?? null, width: a.width ?? null, height: a.height ?? null, size: a.size }));
}

export const pickImage: ComponentHandler = {
	prefix: PICK_PREFIX,
	startsJob: true,
	async handle(i, ctx: BotContext, messageId) {
		if (!i.isStringSelectMenu() || !/^\d{1,20}$/.test(messageId)) return void (await ephemeral(i, messages(i.locale).componentExpired));
		const attachment = (await imagesOf(i, messageId))?.find((a) => a.id === i.values[0]);
		if (!attachment) return void (await ephemeral(i, messages(i.locale).pickExpired));
		const source = { channelId: i.channelId, messageId, attachmentId: attachment.id };
		await startJob(i, ctx, { provider: null, attachment, options: { timeoutMs: ctx.config.jobTimeoutMs }, source });
	},
};
