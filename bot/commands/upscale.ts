/**
 * /upscale: everything that can be known at once is checked before the reply is deferred (and answered only to the
 * user); an accepted job is stored (a restart loses no paid work), queued, and delivered with its progress on the way.
 * The provider options are core's OPTION_FIELDS, so a new option appears here without touching this file.
 */
import { MessageFlags, SlashCommandBuilder, type Attachment, type ChatInputCommandInteraction, type SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { formatFromMime, MAX_INPUT_BYTES, OPTION_FIELDS, PROVIDER_NAMES, UpscaleError, type InputFacts, type OptionField, type ProviderId, type Upscaler, type UpscaleOptionsInput } from '../../core';
import { allowedHere } from '../allowed-guilds';
import { downloadAttachment } from '../attachments';
import type { BotContext } from '../context';
import { ephemeral, failure } from '../delivery';
import { NAMES, text } from '../messages';
import type { ReplyEditor } from '../reply-editor';
import type { StoredJob } from '../store';
import type { Command } from './index';

const choiceName = (p: ProviderId) => (p === 'local' ? 'Local (free, runs on this bot)' : PROVIDER_NAMES[p]);

/** One chat option per core option field that has a chat form. */
function addField(b: SlashCommandOptionsOnlyBuilder, f: OptionField & { chat: NonNullable<OptionField['chat']> }): void {
	const { name, description } = f.chat;
	if (f.type === 'number') b.addNumberOption((o) => o.setName(name).setDescription(description).setMinValue(f.min!).setMaxValue(f.max!));
	else if (f.type === 'integer') b.addIntegerOption((o) => o.setName(name).setDescription(description).setMinValue(f.min!).setMaxValue(f.max!));
	else if (f.type === 'boolean') b.addBooleanOption((o) => o.setName(name).setDescription(description));
	else if (f.choices) b.addStringOption((o) => o.setName(name).setDescription(description).addChoices(...f.choices!.map((c) => ({ name: c.name, value: c.value }))));
}

const CHAT_FIELDS = OPTION_FIELDS.filter((f): f is OptionField & { chat: NonNullable<OptionField['chat']> } => !!f.chat);

function data(providers: ProviderId[]) {
	const b = new SlashCommandBuilder()
		.setName('upscale')
		.setDescription('Upscale an image (PNG, JPEG or WebP)')
		.setDMPermission(false)
		.addAttachmentOption((o) => o.setName('image').setDescription('The image to upscale (PNG, JPEG or WebP)').setRequired(true))
		.addStringOption((o) => o.setName('provider').setDescription('Which service upscales it').addChoices(...providers.map((p) => ({ name: choiceName(p), value: p }))));
	for (const f of CHAT_FIELDS) addField(b, f);
	return b.addBooleanOption((o) => o.setName('private').setDescription('Only you see the result'));
}

/** The command's options as core options (the core validates them). */
function readOptions(i: ChatInputCommandInteraction, timeoutMs: number): UpscaleOptionsInput {
	const o: Record<string, unknown> = { timeoutMs };
	for (const f of CHAT_FIELDS) {
		const n = f.chat.name;
		const v = f.type === 'number' ? i.options.getNumber(n) : f.type === 'integer' ? i.options.getInteger(n) : f.type === 'boolean' ? i.options.getBoolean(n) : i.options.getString(n);
		if (v !== null && v !== undefined) o[f.key] = v;
	}
	return o as UpscaleOptionsInput;
}

export interface Admitted {
	provider: ProviderId;
	upscaler: Upscaler;
	attachment: Pick<Attachment, 'url' | 'name'>;
	options: UpscaleOptionsInput;
}

/** A stored job's run, as a fleet worker rebuilds it from the queue. */
export function admittedFor(ctx: BotContext, job: StoredJob, attachment: { url: string; name: string }): Admitted {
	const upscaler = ctx.upscalers[job.provider];
	if (!upscaler) throw new UpscaleError('INVALID_OPTIONS', text.notConfigured(NAMES[job.provider] ?? job.provider), { provider: job.provider, local: true });
	return { provider: job.provider, upscaler, attachment, options: job.options };
}

/** The checks made before deferring; a refusal is answered here and returns undefined. */
async function admit(i: ChatInputCommandInteraction, ctx: BotContext): Promise<Admitted | undefined> {
	const { config, upscalers, queue } = ctx;
	if (!allowedHere(i, config)) return void (await ephemeral(i, text.notAllowedGuild));
	const provider = (i.options.getString('provider') ?? config.defaultProvider) as ProviderId;
	const upscaler = upscalers[provider];
	if (!upscaler) return void (await ephemeral(i, text.notConfigured(NAMES[provider] ?? provider)));
	const attachment = i.options.getAttachment('image', true);
	const format = formatFromMime(attachment.contentType);
	if (!format) return void (await ephemeral(i, text.notAnImage(attachment.contentType)));
	if (!attachment.width || !attachment.height) return void (await ephemeral(i, text.unreadable));
	const options = readOptions(i, config.jobTimeoutMs);
	const meta: InputFacts = { format, width: attachment.width, height: attachment.height, bytes: attachment.size };
	try {
		const { target } = upscaler.check(meta, options);
		if (provider === 'local' && target && config.local && target.width * target.height > config.local.maxOutputPixels) {
			return void (await ephemeral(i, text.localTooBig(target.width, target.height, config.local.maxOutputPixels / 1e6)));
		}
	} catch (e) {
		return void (await ephemeral(i, text.invalid((e as Error).message)));
	}
	// Prefer the async endpoint where it takes the job: a task id survives a restart, a sync request does not.
	try {
		upscaler.check(meta, { ...options, execution: 'async' });
		options.execution = 'async';
	} catch {
		// WebP, or a size only the sync endpoint takes: stay on the automatic choice
	}
	// The last check: it holds the user's slot (one job at a time), so it comes after every refusal above.
	const rejection = await queue.claim(i.user.id);
	if (rejection) return void (await ephemeral(i, text.rejected(rejection)));
	return { provider, upscaler, attachment, options };
}

/**
 * Runs one accepted job: downloads the attachment, upscales, delivers. Returns the credits it cost (null: unknown).
 * The task id is kept the moment it exists (this process's store; a fleet worker's queue job too).
 */
export async function runJob(
	ctx: BotContext,
	job: StoredJob,
	a: Admitted,
	editor: ReplyEditor,
	hooks: { onSubmitted?: (taskId: string) => Promise<void>; beforeSend?: () => Promise<void> } = {},
): Promise<{ credits: number | null }> {
	const { config, store, delivery, log, stopping } = ctx;
	const started = Date.now();
	try {
		editor.update(text.downloadingInput);
		// Held only until the vendor has it: the input is not kept alive next to the result.
		const input = { bytes: await downloadAttachment(a.attachment.url, { allowedHosts: config.cdnHosts, maxBytes: MAX_INPUT_BYTES, timeoutMs: 60_000 }), fileName: a.attachment.name };
		const pending = a.upscaler.upscale(input, a.options, {
			signal: stopping.signal,
			onProgress: (p) => editor.update(text.progress(p, Date.now())),
			beforeSend: hooks.beforeSend,
			onSubmitted: async (taskId) => {
				store.update(job.interactionId, { taskId });
				await hooks.onSubmitted?.(taskId);
			},
		});
		input.bytes = new Uint8Array();
		const result = await pending;
		if (result.credits.remaining !== null && a.provider !== 'local') ctx.lastRemaining[a.provider] = { remaining: result.credits.remaining, at: Date.now() };
		const delivered = await delivery.finish(job, editor, delivery.resultPayload(job, result));
		log.info('job done', { interaction: job.interactionId, user: job.userId, provider: a.provider, taskId: result.taskId, credits: result.credits, bytes: result.bytes.length, ms: Date.now() - started, late: !delivered, ...(result.params.backend ? { backend: result.params.backend } : {}) });
		return { credits: result.credits.consumed };
	} catch (e) {
		const f = failure(e);
		log.warn('job failed', { interaction: job.interactionId, user: job.userId, provider: a.provider, code: e instanceof UpscaleError ? e.code : 'BOT', taskId: e instanceof UpscaleError ? e.taskId : undefined, error: (e as Error).message });
		await delivery.finish(job, editor, { content: f.content });
		return { credits: f.spent };
	}
}

export const upscale: Command = {
	name: 'upscale',
	data,

	async execute(i, ctx) {
		const a = await admit(i, ctx);
		if (!a) return;
		// Accepted: defer within Discord's 3 s, store, then queue.
		try {
			await i.deferReply(i.options.getBoolean('private') ? { flags: MessageFlags.Ephemeral } : {});
		} catch (e) {
			await ctx.queue.release(i.user.id);
			throw e;
		}
		const job: StoredJob = {
			interactionId: i.id,
			applicationId: i.applicationId,
			token: i.token,
			channelId: i.channelId,
			guildId: i.guildId,
			userId: i.user.id,
			provider: a.provider,
			options: a.options,
			fileName: a.attachment.name,
			attachmentSizeLimit: i.attachmentSizeLimit,
			acceptedAt: Date.now(),
		};
		const { attachment } = a as Admitted & { attachment: Attachment };
		ctx.log.info('job accepted', { interaction: i.id, user: i.user.id, guild: i.guildId, provider: a.provider, size: attachment.size, width: attachment.width, height: attachment.height });
		if (ctx.fleet) {
			// A fleet (REDIS_URL): a worker runs it and releases the user's slot when it ends.
			try {
				await ctx.fleet.add({ job, attachment: { url: attachment.url, name: attachment.name } });
			} catch (e) {
				await ctx.queue.release(i.user.id);
				await ctx.delivery.editorFor(job).final({ content: text.invalid(`The job could not be queued (${(e as Error).message}). Nothing was charged; try again.`) }).catch(() => false);
				throw e;
			}
			// No edit from here: the worker's edits follow the deferral ("thinking…"), and one from this process could
			// arrive after the worker's final answer.
			ctx.log.info('job queued for a worker', { interaction: i.id, user: i.user.id });
			return;
		}
		ctx.store.put(job);
		const editor = ctx.delivery.editorFor(job);
		const position = ctx.queue.add({
			userId: i.user.id,
			onPosition: (p) => {
				if (p > 0) editor.update(text.waitingForSlot(p));
			},
			run: () => runJob(ctx, job, a, editor),
		});
		if (position > 0) editor.update(text.waitingForSlot(position));
	},
};
