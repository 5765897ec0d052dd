/** The bot: discord.js client, /upscale and /upscale-credits, the job queue, delivery, graceful stop. */
import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits, Routes, type ChatInputCommandInteraction } from 'discord.js';
import { UpscaleClient, UpscaleError, type ImageFormat, type UpscaleOptionsInput, type UpscaleResult, type VendorId } from '../core';
import { nodePorts } from '../runtime';
import { AttachmentError, downloadAttachment } from './attachments';
import type { BotConfig } from './config';
import { createLogger, type Logger } from './log';
import { NAMES, text } from './messages';
import { JobQueue } from './queue';

const FORMATS: Record<string, ImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/webp': 'webp' };
const MAX_INPUT_BYTES = 30 * 1024 * 1024;
const EDIT_INTERVAL_MS = 1500;
const INVALID_WEBHOOK_TOKEN = 50027;

export interface Bot {
	client: Client;
	queue: JobQueue;
	start(): Promise<void>;
	/** Stops taking jobs, lets running and queued ones finish (within the grace period), then disconnects. */
	stop(): Promise<void>;
}

/** Edits the deferred reply with the latest progress, at most once per interval (Discord rate-limits edits). */
class ReplyEditor {
	private last = 0;
	private pending?: string;
	private timer?: NodeJS.Timeout;
	private chain: Promise<unknown> = Promise.resolve();
	expired = false;

	constructor(private readonly i: ChatInputCommandInteraction) {}

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
		this.chain = this.chain.then(() => this.i.editReply({ content }).catch((e) => this.noteExpiry(e)));
	}

	private noteExpiry(e: unknown): void {
		if (e instanceof DiscordAPIError && e.code === INVALID_WEBHOOK_TOKEN) this.expired = true;
	}

	/** The final message: edits the reply, or returns false when the interaction token has expired. */
	async final(payload: { content: string; files?: Array<{ attachment: Buffer; name: string }> }): Promise<boolean> {
		clearTimeout(this.timer);
		this.pending = undefined;
		await this.chain;
		if (this.expired) return false;
		try {
			await this.i.editReply(payload);
			return true;
		} catch (e) {
			if (e instanceof DiscordAPIError && e.code === INVALID_WEBHOOK_TOKEN) return false;
			throw e;
		}
	}
}

export function createBot(config: BotConfig, log: Logger = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)])): Bot {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: config.apiUrl ? { api: config.apiUrl } : {} });
	const queue = new JobQueue({ concurrency: config.maxConcurrentJobs, cooldownMs: config.cooldownMs, dailyCreditCap: config.dailyCreditCap });
	const ports = nodePorts();
	const upscalers: Partial<Record<VendorId, UpscaleClient>> = {};
	for (const [id, p] of Object.entries(config.providers) as Array<[VendorId, NonNullable<BotConfig['providers'][VendorId]>]>) {
		upscalers[id] = new UpscaleClient({ provider: id, apiKey: p.key, baseUrl: p.baseUrl, rateLimit: p.rateLimit, ports });
	}
	const lastRemaining: Partial<Record<VendorId, { remaining: number; at: number }>> = {};
	const stopping = new AbortController();

	const ephemeral = (i: ChatInputCommandInteraction, content: string) => i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

	/** Sends the result to the channel when the interaction token has expired (jobs longer than 15 minutes). */
	async function deliverLate(i: ChatInputCommandInteraction, content: string, files?: Array<{ attachment: Buffer; name: string }>) {
		await client.rest.post(Routes.channelMessages(i.channelId), {
			body: { content: text.lateDelivery(i.user.id, content), allowed_mentions: { users: [i.user.id] } },
			files: files?.map((f) => ({ name: f.name, data: f.attachment })),
		});
	}

	function options(i: ChatInputCommandInteraction): UpscaleOptionsInput {
		const o: UpscaleOptionsInput = { timeoutMs: config.jobTimeoutMs };
		const put = <K extends keyof UpscaleOptionsInput>(k: K, v: UpscaleOptionsInput[K] | null) => {
			if (v !== null && v !== undefined) o[k] = v;
		};
		put('scale', i.options.getNumber('scale'));
		put('width', i.options.getInteger('width'));
		put('height', i.options.getInteger('height'));
		put('strategy', i.options.getString('strategy') as UpscaleOptionsInput['strategy']);
		put('mode', i.options.getString('mode') as UpscaleOptionsInput['mode']);
		put('model', i.options.getString('model') as UpscaleOptionsInput['model']);
		put('format', i.options.getString('format') as UpscaleOptionsInput['format']);
		put('quality', i.options.getInteger('quality'));
		put('tuneColors', i.options.getBoolean('tune_colors'));
		return o;
	}

	async function onUpscale(i: ChatInputCommandInteraction): Promise<void> {
		// 1. Everything that can be known at once is checked before deferring, and answered only to the user.
		if (config.allowedGuilds.length && (!i.guildId || !config.allowedGuilds.includes(i.guildId))) return void (await ephemeral(i, text.notAllowedGuild));
		const provider = (i.options.getString('provider') ?? config.defaultProvider) as VendorId;
		const upscaler = upscalers[provider];
		if (!upscaler) return void (await ephemeral(i, text.notConfigured(NAMES[provider] ?? provider)));
		const attachment = i.options.getAttachment('image', true);
		const format = FORMATS[(attachment.contentType ?? '').split(';')[0].trim().toLowerCase()];
		if (!format || !attachment.width || !attachment.height) return void (await ephemeral(i, text.notAnImage(attachment.contentType)));
		const opts = options(i);
		try {
			upscaler.check({ format, width: attachment.width, height: attachment.height, bytes: attachment.size }, opts);
		} catch (e) {
			return void (await ephemeral(i, text.invalid((e as Error).message)));
		}
		const rejection = queue.check(i.user.id);
		if (rejection) return void (await ephemeral(i, text.rejected(rejection)));

		// 2. Accepted: defer within Discord's 3 s, then queue.
		const isPrivate = i.options.getBoolean('private') ?? false;
		await i.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
		const editor = new ReplyEditor(i);
		const started = Date.now();
		log.info('job accepted', { interaction: i.id, user: i.user.id, guild: i.guildId, provider, size: attachment.size, width: attachment.width, height: attachment.height });

		const position = queue.add({
			userId: i.user.id,
			onPosition: (p) => {
				if (p > 0) editor.update(text.waitingForSlot(p));
			},
			run: async () => {
				let result: UpscaleResult | undefined;
				try {
					editor.update(text.downloadingInput);
					const bytes = await downloadAttachment(attachment.url, { allowedHosts: config.cdnHosts, maxBytes: MAX_INPUT_BYTES, timeoutMs: 60_000 });
					result = await upscaler.upscale({ bytes, fileName: attachment.name }, opts, {
						signal: stopping.signal,
						onProgress: (p) => editor.update(text.progress(p, Date.now())),
					});
					if (result.credits.remaining !== null) lastRemaining[provider] = { remaining: result.credits.remaining, at: Date.now() };
					const name = `${attachment.name.replace(/\.[^.]+$/, '') || 'image'}-upscaled.${result.extension}`;
					const limit = i.attachmentSizeLimit;
					let payload: { content: string; files?: Array<{ attachment: Buffer; name: string }> };
					if (result.bytes.length <= limit) {
						payload = { content: text.done(result), files: [{ attachment: Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength), name }] };
					} else {
						payload = { content: result.resultUrl ? text.tooBigLink(result, limit) : text.tooBigNoLink(result, limit) };
					}
					const delivered = await editor.final(payload);
					if (!delivered) await deliverLate(i, payload.content, payload.files);
					log.info('job done', { interaction: i.id, user: i.user.id, provider, taskId: result.taskId, credits: result.credits, bytes: result.bytes.length, ms: Date.now() - started, late: !delivered });
					return { credits: result.credits.consumed };
				} catch (e) {
					const message = e instanceof UpscaleError || e instanceof AttachmentError ? e.message : 'Something went wrong on the bot’s side. Try again later.';
					log.warn('job failed', { interaction: i.id, user: i.user.id, provider, code: e instanceof UpscaleError ? e.code : 'BOT', taskId: e instanceof UpscaleError ? e.taskId : undefined, error: (e as Error).message });
					const delivered = await editor.final({ content: text.invalid(message) }).catch(() => false);
					if (!delivered) await deliverLate(i, text.invalid(message)).catch((err) => log.error('late delivery failed', { error: (err as Error).message }));
					const spent = e instanceof UpscaleError && e.local ? 0 : e instanceof AttachmentError ? 0 : null;
					return { credits: spent };
				}
			},
		});
		if (position > 0) editor.update(text.waitingForSlot(position));
	}

	async function onCredits(i: ChatInputCommandInteraction): Promise<void> {
		if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return void (await ephemeral(i, text.creditsNeedPermission));
		await i.deferReply({ flags: MessageFlags.Ephemeral });
		const lines: string[] = [];
		for (const [id, upscaler] of Object.entries(upscalers) as Array<[VendorId, UpscaleClient]>) {
			if (id === 'ximilar') {
				const b = await upscaler.balance().catch((e: Error) => ({ error: e.message }));
				lines.push('error' in b ? `Ximilar: could not read the balance (${b.error})` : `Ximilar: ${b.remaining ?? 'unknown'} credits left`);
			} else {
				const seen = lastRemaining[id];
				lines.push(seen ? `${NAMES[id]}: ${seen.remaining} credits left (as of <t:${Math.round(seen.at / 1000)}:R>)` : `${NAMES[id]}: unknown until the next upscale (Clipdrop reports the balance only with a job)`);
			}
		}
		lines.push(`Jobs: ${queue.size.running} running, ${queue.size.waiting} waiting.`);
		await i.editReply({ content: text.creditsReport(lines) });
	}

	client.on(Events.InteractionCreate, (i) => {
		if (!i.isChatInputCommand()) return;
		const handler = i.commandName === 'upscale' ? onUpscale : i.commandName === 'upscale-credits' ? onCredits : undefined;
		if (!handler) return;
		handler(i).catch((e) => log.error('interaction failed', { interaction: i.id, command: i.commandName, error: (e as Error).message }));
	});
	client.on(Events.Error, (e) => log.error('discord client error', { error: e.message }));

	return {
		client,
		queue,
		async start() {
			const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
			await client.login(config.token);
			await ready;
			log.info('bot ready', { user: client.user?.tag, providers: Object.keys(upscalers), concurrency: config.maxConcurrentJobs });
		},
		async stop() {
			log.info('stopping: finishing running and queued jobs', queue.size);
			const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.shutdownGraceMs).unref());
			const outcome = await Promise.race([queue.drain().then(() => 'drained' as const), grace]);
			if (outcome === 'timeout') stopping.abort();
			log.info('stopped', { outcome });
			await client.destroy();
		},
	};
}
