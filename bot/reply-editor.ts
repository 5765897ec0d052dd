/** Edits a job's deferred reply with the latest progress, at most once per interval (Discord rate-limits edits). */
import { DiscordAPIError } from 'discord.js';
import { DiscordHttpError, type UploadFile } from './upload';

const EDIT_INTERVAL_MS = 1500;
const INVALID_WEBHOOK_TOKEN = 50027;

/** One message as it is sent: a text, the image when it fits the upload limit, its buttons (action rows as JSON). */
export interface MessageBody {
	content: string;
	file?: UploadFile;
	components?: unknown[];
}
export type Edit = (payload: MessageBody) => Promise<unknown>;

/** Discord's answer once an interaction token (15 minutes) has expired. */
export const isExpiredToken = (e: unknown) => (e instanceof DiscordAPIError || e instanceof DiscordHttpError) && e.code === INVALID_WEBHOOK_TOKEN;

export class ReplyEditor {
	private last = 0;
	private pending?: string;
	private timer?: NodeJS.Timeout;
	private chain: Promise<unknown> = Promise.resolve();
	expired = false;

	/** `components`: the buttons every progress edit carries (the job's Cancel). */
	constructor(
		private readonly edit: Edit,
		private readonly components?: unknown[],
	) {}

	/** No more progress edits (the job's message is another's to write now, e.g. a Cancel's). */
	stop(): void {
		clearTimeout(this.timer);
		this.pending = undefined;
		this.expired = true;
	}

	update(content: string): void {
		if (this.expired) return;
		this.pending = content;
		const wait = this.last + EDIT_INTERVAL_MS - Date.now();
		if (wait <= 0) this.flush();
		else this.timer ??= setTimeout(() => this.flush(), wait);
	}

	private flush(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		const content = this.pending;
		this.pending = undefined;
		if (content === undefined || this.expired) return;
		this.last = Date.now();
		this.chain = this.chain.then(() =>
			this.edit({ content, components: this.components }).catch((e) => {
				if (isExpiredToken(e)) this.expired = true;
			}),
		);
	}

	/** The final message: edits the reply, or returns false when the interaction token has expired. */
	async final(payload: MessageBody): Promise<boolean> {
		clearTimeout(this.timer);
		this.pending = undefined;
		await this.chain;
		if (this.expired) return false;
		try {
			await this.edit(payload);
			return true;
		} catch (e) {
			if (isExpiredToken(e)) return false;
			throw e;
		}
	}
}
