/**
 * What every result and progress button shares: the job its custom_id names, read from the job store (so a button
 * works after a restart, for as long as the store keeps the job), who may act on it, and the job's image again.
 */
import { PermissionFlagsBits, Routes, type APIMessage } from 'discord.js';
import { MIME_BY_FORMAT, type ImageFormat } from '../../core';
import type { JobRow } from '../../runtime/jobs/job';
import type { ImageRef } from '../commands/start-job';
import type { ComponentInteraction } from '../component-handlers';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { doorOf } from '../door';
import { messages } from '../messages';
import { KEEP_JOBS_MS } from '../outbox';

/** How long a result's buttons work: as long as the store keeps its job. */
export const BUTTON_DAYS = Math.round(KEEP_JOBS_MS / 86_400_000);

/** The job a button names (`<job id>[:<more>]`) and the rest of its state; undefined once answered (expired, store down). */
export async function jobOfButton(i: ComponentInteraction, ctx: BotContext, state: string): Promise<{ row: JobRow; rest: string[] } | undefined> {
	const say = messages(i.locale);
	const [id, ...rest] = state.split(':');
	let row: JobRow | undefined;
	try {
		row = /^[\w-]{1,64}$/.test(id) ? await ctx.jobs.get(id) : undefined;
	} catch (e) {
		ctx.log.error('job store not answering: button refused', { interaction: i.id, error: (e as Error).message });
		return void (await ephemeral(i, say.storeDown));
	}
	if (!row?.door) return void (await ephemeral(i, say.buttonExpired(BUTTON_DAYS)));
	return { row, rest };
}

/** The job's requester, or a member who may manage others' messages in the server the job is in. */
export function mayManage(i: ComponentInteraction, row: JobRow): boolean {
	const door = doorOf(row);
	if (i.user.id === door.userId) return true;
	return !!door.guildId && i.guildId === door.guildId && !!i.memberPermissions?.has(PermissionFlagsBits.ManageMessages);
}

/**
 * Whether the clicked message is the job's own, as Discord (not the message's buttons) says: its reply (the message's
 * interaction metadata names the job's interaction), or a late post to its requester (mentioning them in the channel,
 * or in their DM). A button that names another job than the message it sits on acts on nothing.
 */
export function onItsMessage(i: ComponentInteraction, row: JobRow): boolean {
	const meta = i.message.interactionMetadata;
	if (meta) return meta.id === row.id;
	const { userId } = doorOf(row);
	return i.message.mentions.users.has(userId) || (!i.inGuild() && i.user.id === userId);
}

/** A private job's image and result are its requester's alone. */
export const mayUse = (i: ComponentInteraction, row: JobRow) => !doorOf(row).private || i.user.id === doorOf(row).userId;

/** Whether a Discord CDN link's signature has expired (its `ex` parameter: seconds, in hex), a minute ahead. */
export function linkExpired(url: string, now = Date.now()): boolean {
	const ex = URL.canParse(url) ? new URL(url).searchParams.get('ex') : null;
	return !!ex && /^[0-9a-f]{1,12}$/i.test(ex) && parseInt(ex, 16) * 1000 < now + 60_000;
}

const codeOf = (e: unknown) => (e as { code?: number }).code;

/**
 * The job's image with a link good to use now: its message read again (attachment links expire); where the bot
 * cannot read that channel (a user-installed app), or for /upscale's own attachment, the stored link while it lasts.
 * Undefined: gone (the message or the image deleted, or the link expired).
 */
export async function sourceImage(i: ComponentInteraction, row: JobRow): Promise<ImageRef | undefined> {
	const source = doorOf(row).source;
	if (source) {
		try {
			const m = (await i.client.rest.get(Routes.channelMessage(source.channelId, source.messageId))) as APIMessage;
			const a = m.attachments.find((x) => x.id === source.attachmentId);
			return a && { id: a.id, name: a.filename, url: a.url, contentType: a.content_type ?? null, width: a.width ?? null, height: a.height ?? null, size: a.size };
		} catch (e) {
			// Unknown Message: deleted. Otherwise (no access) the stored link is all there is.
			if (codeOf(e) === 10008) return undefined;
		}
	}
	if (!row.image_url || linkExpired(row.image_url)) return undefined;
	const contentType = row.input_format ? MIME_BY_FORMAT[row.input_format as ImageFormat] : null;
	return { id: source?.attachmentId ?? row.id, name: row.input_name ?? 'image', url: row.image_url, contentType, width: row.input_width, height: row.input_height, size: row.input_bytes ?? 0 };
}
