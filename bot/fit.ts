/**
 * A finished job's message made to fit where it goes. Discord takes a file up to the bot's own upload limit there:
 * the server's boost tier (BotDoor.botUploadLimit), 10 MiB in DMs; never the interaction's attachment_size_limit
 * alone, which counts the user's Nitro (an edit of the reply is held to the lower of the two). Over the limit:
 * 1. the result encoded again (WebP, or JPEG without alpha) when that fits, and the message says so;
 * 2. else a link: the bot's own signed link when BOT_PUBLIC_URL is set (public-links.ts), else the vendor's with
 *    its expiry, else why there is none.
 */
import type { Logger } from '../runtime/log';
import type { BotDoor, Outcome } from './door';
import { reencode } from './fit-encode';
import { messages } from './messages';
import type { PublicLinks } from './public-links';
import type { MessageBody } from './reply-editor';

/** Discord's upload limit without boosts: in DMs, private channels and unboosted servers (since January 2025). */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** The bot's limit where a job's reply is edited: its own, and never more than the interaction allows. */
export function replyLimit(door: BotDoor): number {
	const own = door.botUploadLimit || DEFAULT_UPLOAD_LIMIT;
	return door.attachmentSizeLimit > 0 ? Math.min(own, door.attachmentSizeLimit) : own;
}

/** The bot's limit in its DM with the user (no server, so no boosts). */
export const dmLimit = (): number => DEFAULT_UPLOAD_LIMIT;

export class Fitter {
	constructor(private readonly deps: { links?: PublicLinks; log?: Logger } = {}) {}

	/** The outcome as one message under `limit` bytes (undefined: over a limit Discord did not tell, the file refused). */
	async fit(o: Outcome, limit?: number): Promise<MessageBody> {
		const components = o.components;
		if (!o.file || (limit !== undefined && o.file.data.length <= limit)) return { content: o.content, file: o.file, components };
		const say = messages(o.result?.locale);
		if (limit !== undefined) {
			const smaller = await reencode(o.file, limit).catch((e: Error) => void this.deps.log?.warn('could not re-encode a result', { error: e.message }));
			if (smaller) return { content: `${o.content}\n${say.fit.reencoded(smaller.format, limit, o.file.data.length)}`, file: smaller, components };
		}
		const link = await this.ownLink(o);
		if (link && o.result) return { content: say.fit.link(o.result.facts, link.url, link.expiresAt, limit), components };
		return { content: o.oversize ? o.oversize(limit) : o.content, components };
	}

	/** The bot's own link to the result (BOT_PUBLIC_URL), or none (not set, or the file could not be kept). */
	private async ownLink(o: Outcome) {
		if (!this.deps.links || !o.result || !o.file) return undefined;
		return this.deps.links.make(o.result.jobId, o.result.path, { name: o.file.name, contentType: o.file.contentType }).catch((e: Error) => {
			this.deps.log?.warn('could not keep a result for its link: the vendor link instead', { job: o.result!.jobId, error: e.message });
			return undefined;
		});
	}
}
