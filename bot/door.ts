/**
 * A bot job as the job engine stores it: the engine's row (provider, options, the attachment's URL and facts, the
 * outcome) plus the interaction the bot answers (JobRow.door, JSON). And the message a finished row makes.
 */
import { readFile } from 'node:fs/promises';
import { upscaledName, type ProviderId } from '../core';
import type { JobRow } from '../runtime/jobs/job';
import { messages, type ResultFacts } from './messages';
import type { MessageBody } from './reply-editor';

/** What answering for a job needs, stored with it: a restart, or a worker on another machine, answers the same way. */
export interface BotDoor {
	applicationId: string;
	/** The interaction token (valid 15 minutes): lets any process edit the original reply. */
	token: string;
	channelId: string;
	guildId: string | null;
	userId: string;
	/** /upscale private:true: the reply is ephemeral, and a late answer goes to the user's DMs, never the channel. */
	private: boolean;
	/** The interaction's upload limit (it counts the user's Nitro): for editing the reply. */
	attachmentSizeLimit: number;
	/** The bot's own upload limit where it posts (the server's boost tier): for late messages it posts itself. */
	botUploadLimit: number;
	/** The user's Discord locale (de, es-ES…): every later message speaks it. Absent (older jobs): English. */
	locale?: string;
	/**
	 * The message the image is on (Right-click → Apps → Upscale): a button's re-run reads it again for a fresh link
	 * (attachment links expire). Absent (/upscale's own attachment): the stored link, while it lasts.
	 */
	source?: ImageSource;
}

/** Where a job's image sits on Discord. */
export interface ImageSource {
	channelId: string;
	messageId: string;
	attachmentId: string;
}

export const doorOf = (row: JobRow): BotDoor => JSON.parse(row.door ?? '{}') as BotDoor;

/** The engine's client of a bot job: its user (per-user lines are fair between users). */
export const clientOf = (userId: string) => `discord:${userId}`;

/**
 * A finished job's message: the text, the file when there is one, its buttons (none, `[]`, removes the progress
 * message's Cancel), and the text for when the file does not fit.
 */
export interface Outcome extends MessageBody {
	/**
	 * The message when the file is over `limit` bytes (none: over a limit Discord did not tell): the vendor's link
	 * with its expiry, or why there is none.
	 */
	oversize?(limit?: number): string;
	/** A succeeded job's result (bot-fit: what fit.ts needs to re-encode it or keep it for a link). */
	result?: { jobId: string; path: string; facts: ResultFacts; locale?: string };
}

export function factsOf(row: JobRow): ResultFacts {
	return {
		provider: row.provider as ProviderId,
		input: row.input_width && row.input_height ? { width: row.input_width, height: row.input_height } : null,
		width: row.output_width,
		height: row.output_height,
		credits: { consumed: row.credits_consumed, remaining: row.credits_remaining },
		size: row.output_bytes ?? 0,
		resultUrl: row.result_url ?? undefined,
		resultExpiresAt: row.result_expires_at ?? undefined,
	};
}

/** The message a finished row makes (the result read from its file). */
export async function outcomeOf(row: JobRow): Promise<Outcome> {
	const text = messages(doorOf(row).locale);
	if (row.status === 'canceled') return { content: text.canceled(row.provider as ProviderId, row.nothing_charged !== 1), components: [] };
	if (row.status !== 'succeeded') return { content: text.invalid(row.error_message ?? text.didNotFinish), components: [] };
	const facts = factsOf(row);
	const data = await readFile(row.output_path!).then(
		(b) => new Uint8Array(b),
		() => undefined,
	);
	// The file is not on this machine (a fleet worker on another one wrote it, or it was removed): its link, else say so.
	if (!data) return { content: facts.resultUrl ? text.resultLink(facts) : text.resultGone(facts) };
	const extension = row.output_path!.slice(row.output_path!.lastIndexOf('.') + 1);
	return {
		content: text.done(facts),
		file: { name: upscaledName(row.input_name ?? 'image', extension), data, contentType: row.output_type ?? 'application/octet-stream' },
		oversize: (limit) => (facts.resultUrl ? text.tooBigLink(facts, limit) : text.tooBigNoLink(facts, limit)),
		result: { jobId: row.id, path: row.output_path!, facts, locale: doorOf(row).locale },
	};
}
