/** The bot: discord.js client, /upscale and /upscale-credits, the job queue, delivery, graceful stop. */
import { Client, DiscordAPIError, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits, Routes, type ChatInputCommandInteraction } from 'discord.js';
import { MAX_INPUT_BYTES, UpscaleClient, upscaledName, UpscaleError, type ImageFormat, type ProviderId, type Upscaler, type UpscaleOptionsInput, type UpscaleResult, type VendorId } from '../core';
import { LocalUpscaler, nodePorts } from '../runtime';
import { AttachmentError, downloadAttachment } from './attachments';
import type { BotConfig } from './config';
import { createLogger, type Logger } from './log';
import { NAMES, text } from './messages';
import { JobQueue } from './queue';
import { JobStore, type StoredJob } from './store';
import { DiscordHttpError, sendWithFile, type UploadFile } from './upload';

const FORMATS: Record<string, ImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/webp': 'webp' };
const EDIT_INTERVAL_MS = 1500;
const INVALID_WEBHOOK_TOKEN = 50027;

export interface Bot {
	client: Client;
	queue: JobQueue;
	start(): Promise<void>;
	/** Stops taking jobs, lets running and queued ones finish (within the grace period), then disconnects. */
	stop(): Promise<void>;
}

/** What a job ends with: a text, and the image when it fits the upload limit. */
type Outcome = { content: string; file?: UploadFile };
type Edit = (payload: Outcome) => Promise<unknown>;

const isExpiredToken = (e: unknown) => (e instanceof DiscordAPIError || e instanceof DiscordHttpError) && e.code === INVALID_WEBHOOK_TOKEN;

/** Edits the deferred reply with the latest progress, at most once per interval (Discord rate-limits edits). */
class ReplyEditor {
	private last = 0;
	private pending?: string;
	private timer?: NodeJS.Timeout;
	private chain: Promise<unknown> = Promise.resolve();
	expired = false;

	constructor(private readonly edit: Edit) {}

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
			this.edit({ content }).catch((e) => {
				if (isExpiredToken(e)) this.expired = true;
			}),
		);
	}

	/** The final message: edits the reply, or returns false when the interaction token has expired. */
	async final(payload: Outcome): Promise<boolean> {
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

export function createBot(config: BotConfig, log: Logger = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)])): Bot {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: config.apiUrl ? { api: config.apiUrl } : {} });
	const queue = new JobQueue({ concurrency: config.maxConcurrentJobs, cooldownMs: config.cooldownMs, dailyCreditCap: config.dailyCreditCap });
	const ports = nodePorts();
	const vendors: Partial<Record<VendorId, UpscaleClient>> = {};
	for (const [id, p] of Object.entries(config.providers) as Array<[VendorId, NonNullable<BotConfig['providers'][VendorId]>]>) {
		vendors[id] = new UpscaleClient({ provider: id, apiKey: p.key, baseUrl: p.baseUrl, rateLimit: p.rateLimit, ports });
	}
	const local = config.local ? new LocalUpscaler({ threads: config.local.threads, tileSize: config.local.tileSize }) : undefined;
	const upscalers: Partial<Record<ProviderId, Upscaler>> = { ...vendors, ...(local ? { local } : {}) };
	const lastRemaining: Partial<Record<VendorId, { remaining: number; at: number }>> = {};
	const stopping = new AbortController();
	const store = new JobStore(config.dataDir);


	const api = `${(config.apiUrl ?? 'https://discord.com/api').replace(/\/+$/, '')}/v10`;

	/** Edits the original reply of a job through its webhook token (works for live and resumed jobs alike). */
	const editOriginal =
		(job: StoredJob): Edit =>
		(payload) => {
			const body = { content: payload.content, allowed_mentions: { parse: [] } };
			if (payload.file) return sendWithFile({ method: 'PATCH', url: `${api}${Routes.webhookMessage(job.applicationId, job.token, '@original')}` }, body, payload.file);
			return client.rest.patch(Routes.webhookMessage(job.applicationId, job.token, '@original'), { body, auth: false });
		};

	/** Sends the result to the channel when the interaction token has expired (jobs longer than 15 minutes). */
	async function deliverLate(job: StoredJob, outcome: Outcome) {
		const body = { content: text.lateDelivery(job.userId, outcome.content), allowed_mentions: { users: [job.userId] } };
		if (outcome.file) return sendWithFile({ method: 'POST', url: `${api}${Routes.channelMessages(job.channelId)}`, authorization: `Bot ${config.token}` }, body, outcome.file);
		await client.rest.post(Routes.channelMessages(job.channelId), { body });
	}

	/** The message for a finished job (the image, or a link when it is over the upload limit). */
	function resultPayload(job: StoredJob, result: UpscaleResult): Outcome {
		const name = upscaledName(job.fileName, result.extension);
		if (result.bytes.length <= job.attachmentSizeLimit) {
			return { content: text.done(result), file: { name, data: result.bytes, contentType: result.contentType } };
		}
		return { content: result.resultUrl ? text.tooBigLink(result, job.attachmentSizeLimit) : text.tooBigNoLink(result, job.attachmentSizeLimit) };
	}

	/** Delivers the outcome of a job (reply edit, or the channel once the token expired) and forgets it. */
	async function finish(job: StoredJob, editor: ReplyEditor, outcome: Outcome): Promise<boolean> {
		const delivered = await editor.final(outcome).catch((e) => {
			log.warn('reply edit failed', { interaction: job.interactionId, error: (e as Error).message });
			return false;
		});
		if (!delivered) {
			await deliverLate(job, outcome).catch((e) => log.error('late delivery failed', { interaction: job.interactionId, error: (e as Error).message }));
		}
		store.remove(job.interactionId);
		return delivered;
	}

	/** Message for a failure, and whether credits may have been spent. */
	function failure(e: unknown): { content: string; spent: number | null } {
		const message = e instanceof UpscaleError || e instanceof AttachmentError ? e.message : 'Something went wrong on the bot’s side. Try again later.';
		const spent = (e instanceof UpscaleError && e.local) || e instanceof AttachmentError ? 0 : null;
		return { content: text.invalid(message), spent };
	}

	/** After a restart: picks up every stored job; those with a task id are waited for and delivered. */
	async function resume(): Promise<void> {
		for (const job of store.all()) {
			const upscaler = job.provider === 'local' ? undefined : vendors[job.provider];
			const editor = new ReplyEditor(editOriginal(job));
			if (!job.taskId || !upscaler) {
				log.warn('job lost before it was submitted', { interaction: job.interactionId, user: job.userId, provider: job.provider });
				void finish(job, editor, { content: job.provider === 'local' ? text.restartedLocal : text.restartedBeforeSubmit });
				continue;
			}
			log.info('resuming job', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId: job.taskId });
			editor.update(text.resumed);
			void upscaler
				.waitForTask(job.taskId, { timeoutMs: config.jobTimeoutMs }, { signal: stopping.signal, onProgress: (p) => editor.update(text.progress(p, Date.now())) })
				.then(
					async (result) => {
						const delivered = await finish(job, editor, resultPayload(job, result));
						log.info('job done', { interaction: job.interactionId, user: job.userId, provider: job.provider, taskId: job.taskId, resumed: true, late: !delivered });
					},
					async (e) => {
						log.warn('resumed job failed', { interaction: job.interactionId, error: (e as Error).message });
						await finish(job, editor, { content: failure(e).content });
					},
				);
		}
	}

	const ephemeral = (i: ChatInputCommandInteraction, content: string) => i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

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
		put('fast', i.options.getBoolean('fast'));
		return o;
	}

	async function onUpscale(i: ChatInputCommandInteraction): Promise<void> {
		// 1. Everything that can be known at once is checked before deferring, and answered only to the user.
		if (config.allowedGuilds.length && (!i.guildId || !config.allowedGuilds.includes(i.guildId))) return void (await ephemeral(i, text.notAllowedGuild));
		const provider = (i.options.getString('provider') ?? config.defaultProvider) as ProviderId;
		const upscaler = upscalers[provider];
		if (!upscaler) return void (await ephemeral(i, text.notConfigured(NAMES[provider] ?? provider)));
		const attachment = i.options.getAttachment('image', true);
		const format = FORMATS[(attachment.contentType ?? '').split(';')[0].trim().toLowerCase()];
		if (!format) return void (await ephemeral(i, text.notAnImage(attachment.contentType)));
		if (!attachment.width || !attachment.height) return void (await ephemeral(i, text.unreadable));
		const opts = options(i);
		const meta = { format, width: attachment.width, height: attachment.height, bytes: attachment.size };
		try {
			const { target } = upscaler.check(meta, opts);
			if (provider === 'local' && target && config.local && target.width * target.height > config.local.maxOutputPixels) {
				return void (await ephemeral(i, text.localTooBig(target.width, target.height, config.local.maxOutputPixels / 1e6)));
			}
		} catch (e) {
			return void (await ephemeral(i, text.invalid((e as Error).message)));
		}
		// Prefer the async endpoint where it takes the job: a task id survives a restart, a sync request does not.
		try {
			upscaler.check(meta, { ...opts, execution: 'async' });
			opts.execution = 'async';
		} catch {
			// WebP, or a size only the sync endpoint takes: stay on the automatic choice
		}
		const rejection = queue.check(i.user.id);
		if (rejection) return void (await ephemeral(i, text.rejected(rejection)));

		// 2. Accepted: defer within Discord's 3 s, then queue.
		const isPrivate = i.options.getBoolean('private') ?? false;
		await i.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {});
		const job: StoredJob = {
			interactionId: i.id,
			applicationId: i.applicationId,
			token: i.token,
			channelId: i.channelId,
			guildId: i.guildId,
			userId: i.user.id,
			provider,
			options: opts,
			fileName: attachment.name,
			attachmentSizeLimit: i.attachmentSizeLimit,
			acceptedAt: Date.now(),
		};
		store.put(job);
		const editor = new ReplyEditor(editOriginal(job));
		const started = Date.now();
		log.info('job accepted', { interaction: i.id, user: i.user.id, guild: i.guildId, provider, size: attachment.size, width: attachment.width, height: attachment.height });

		const position = queue.add({
			userId: i.user.id,
			onPosition: (p) => {
				if (p > 0) editor.update(text.waitingForSlot(p));
			},
			run: async () => {
				try {
					editor.update(text.downloadingInput);
					// Held only until the vendor has it: the input is not kept alive next to the result.
					const input: { bytes: Uint8Array; fileName: string } = { bytes: await downloadAttachment(attachment.url, { allowedHosts: config.cdnHosts, maxBytes: MAX_INPUT_BYTES, timeoutMs: 60_000 }), fileName: attachment.name };
					const pending = upscaler.upscale(input, opts, {
						signal: stopping.signal,
						onProgress: (p) => editor.update(text.progress(p, Date.now())),
						onSubmitted: (taskId) => store.update(job.interactionId, { taskId }),
					});
					input.bytes = new Uint8Array();
					const result = await pending;
					if (result.credits.remaining !== null && provider !== 'local') lastRemaining[provider] = { remaining: result.credits.remaining, at: Date.now() };
					const delivered = await finish(job, editor, resultPayload(job, result));
					log.info('job done', { interaction: i.id, user: i.user.id, provider, taskId: result.taskId, credits: result.credits, bytes: result.bytes.length, ms: Date.now() - started, late: !delivered });
					return { credits: result.credits.consumed };
				} catch (e) {
					const f = failure(e);
					log.warn('job failed', { interaction: i.id, user: i.user.id, provider, code: e instanceof UpscaleError ? e.code : 'BOT', taskId: e instanceof UpscaleError ? e.taskId : undefined, error: (e as Error).message });
					await finish(job, editor, { content: f.content });
					return { credits: f.spent };
				}
			},
		});
		if (position > 0) editor.update(text.waitingForSlot(position));
	}

	async function onCredits(i: ChatInputCommandInteraction): Promise<void> {
		if (!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return void (await ephemeral(i, text.creditsNeedPermission));
		await i.deferReply({ flags: MessageFlags.Ephemeral });
		const lines: string[] = [];
		for (const [id, upscaler] of Object.entries(vendors) as Array<[VendorId, UpscaleClient]>) {
			if (id === 'ximilar') {
				const b = await upscaler.balance().catch((e: Error) => ({ error: e.message }));
				lines.push('error' in b ? `Ximilar: could not read the balance (${b.error})` : `Ximilar: ${b.remaining ?? 'unknown'} credits left`);
			} else {
				const seen = lastRemaining[id];
				lines.push(seen ? `${NAMES[id]}: ${seen.remaining} credits left (as of <t:${Math.round(seen.at / 1000)}:R>)` : `${NAMES[id]}: unknown until the next upscale (Clipdrop reports the balance only with a job)`);
			}
		}
		if (local) lines.push(text.localCredits);
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
			log.info('bot ready', { user: client.user?.tag, providers: Object.keys(upscalers), concurrency: config.maxConcurrentJobs, stored: store.all().length });
			await resume();
		},
		async stop() {
			log.info('stopping: finishing running and queued jobs', queue.size);
			const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.shutdownGraceMs).unref());
			const outcome = await Promise.race([queue.drain().then(() => 'drained' as const), grace]);
			if (outcome === 'timeout') stopping.abort();
			log.info('stopped', { outcome });
			await local?.close();
			await client.destroy();
		},
	};
}
