/**
 * /upscale: everything that can be known at once is checked before the reply is deferred (and answered only to the
 * user); an accepted job goes to the job engine (stored, so a restart loses no paid work; queued; its progress and
 * outcome reach the user through the outbox).
 * The provider options are core's OPTION_FIELDS, so a new option appears here without touching this file.
 */
import { MessageFlags, SlashCommandBuilder, type Attachment, type ChatInputCommandInteraction, type SlashCommandOptionsOnlyBuilder } from 'discord.js';
import { formatFromMime, isPaid, OPTION_FIELDS, PROVIDER_NAMES, type InputFacts, type OptionField, type ProviderId, type UpscaleOptionsInput } from '../../core';
import type { NewJob } from '../../runtime/jobs/job';
import { allowedHere } from '../allowed-guilds';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { clientOf, type BotDoor } from '../door';
import { NAMES, text } from '../messages';
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
	attachment: Attachment;
	options: UpscaleOptionsInput;
	meta: InputFacts;
}

/** How long the user's slot may take to claim before the user is told the store is not answering (Discord waits 3 s). */
const CLAIM_MS = 2000;

/** Claims the user's slot; a store that fails or does not answer in time is undefined with the user told. */
async function claimSlot(i: ChatInputCommandInteraction, ctx: BotContext): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), CLAIM_MS)));
	const claim = ctx.limits.claim(i.user.id);
	try {
		const r = await Promise.race([claim, late]);
		if (r === 'late') {
			// If it is granted after all, it is given back.
			void claim.then((rejection) => (rejection ? undefined : ctx.limits.release(i.user.id)), () => undefined);
			throw new Error(`no answer within ${CLAIM_MS} ms`);
		}
		if (r) await ephemeral(i, text.rejected(r));
		return !r;
	} catch (e) {
		ctx.log.error('job store not answering: job refused', { interaction: i.id, user: i.user.id, error: (e as Error).message });
		await ephemeral(i, text.storeDown);
		return false;
	} finally {
		clearTimeout(timer);
	}
}

/** The checks made before deferring; a refusal is answered here and returns undefined. */
async function admit(i: ChatInputCommandInteraction, ctx: BotContext): Promise<Admitted | undefined> {
	const { config, upscalers } = ctx;
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
		if (!isPaid(provider) && target && config.local && target.width * target.height > config.local.maxOutputPixels) {
			return void (await ephemeral(i, text.localTooBig(target.width, target.height, config.local.maxOutputPixels / 1e6)));
		}
	} catch (e) {
		return void (await ephemeral(i, text.invalid((e as Error).message)));
	}
	// The last check: it holds the user's slot (one job at a time), so it comes after every refusal above.
	if (!(await claimSlot(i, ctx))) return undefined;
	return { provider, attachment, options, meta };
}

/** The bot's own upload limit where it posts: the server's boost tier (Discord: 10 MiB, 50 MB at tier 2, 100 MB at tier 3). */
function botUploadLimit(i: ChatInputCommandInteraction): number {
	const tier = i.guild?.premiumTier ?? 0;
	return tier >= 3 ? 100 * 1024 * 1024 : tier === 2 ? 50 * 1024 * 1024 : 10 * 1024 * 1024;
}

/** The interaction the bot answers for a job, as it is stored with it. */
function doorFor(i: ChatInputCommandInteraction): BotDoor {
	return {
		applicationId: i.applicationId,
		token: i.token,
		channelId: i.channelId,
		guildId: i.guildId,
		userId: i.user.id,
		private: i.options.getBoolean('private') ?? false,
		attachmentSizeLimit: i.attachmentSizeLimit,
		botUploadLimit: botUploadLimit(i),
	};
}

/** The job as the engine stores it, with the interaction the bot answers. */
function newJob(a: Admitted, id: string, userId: string, door: BotDoor): NewJob {
	const now = Date.now();
	return {
		id,
		client_id: clientOf(userId),
		provider: a.provider,
		options: JSON.stringify(a.options),
		request: '{}',
		input_path: null,
		input_name: a.attachment.name,
		image_url: a.attachment.url,
		input_format: a.meta.format,
		input_width: a.meta.width,
		input_height: a.meta.height,
		input_bytes: a.meta.bytes,
		webhook_url: null,
		created_at: now,
		door: JSON.stringify(door),
		deliver_after: now,
	};
}

export const upscale: Command = {
	name: 'upscale',
	data,

	async execute(i, ctx) {
		const a = await admit(i, ctx);
		if (!a) return;
		const door = doorFor(i);
		// Accepted: defer within Discord's 3 s, store, then queue.
		try {
			await i.deferReply(door.private ? { flags: MessageFlags.Ephemeral } : {});
		} catch (e) {
			await ctx.limits.release(i.user.id);
			throw e;
		}
		const job = newJob(a, i.id, i.user.id, door);
		ctx.log.info('job accepted', { interaction: i.id, user: i.user.id, guild: i.guildId, provider: a.provider, size: a.attachment.size, width: a.attachment.width, height: a.attachment.height });
		try {
			const admitted = await ctx.jobs.admit(job, { maxPerClient: Number.MAX_SAFE_INTEGER, maxAll: Number.MAX_SAFE_INTEGER });
			if (admitted.kind !== 'created') throw new Error(`the job store answered ${admitted.kind}`);
			ctx.outbox.accepted(job.id, door);
			await ctx.queue.enqueue(job.id, job.provider, job.client_id);
		} catch (e) {
			ctx.log.error('job store not answering: job not queued', { interaction: i.id, user: i.user.id, error: (e as Error).message });
			await ctx.jobs.update(job.id, { status: 'failed', phase: 'done', finished_at: Date.now(), error_code: 'INTERNAL', error_message: text.storeDown, nothing_charged: 1, deliver_after: null }).catch(() => false);
			await ctx.limits.release(i.user.id).catch(() => undefined);
			await i.editReply({ content: text.invalid(text.storeDown) }).catch(() => undefined);
			return;
		}
		// With workers (REDIS_URL), a worker edits the reply from here on; here, the runner's line tells the place.
		ctx.log.info(ctx.runner ? 'job queued' : 'job queued for a worker', { interaction: i.id, user: i.user.id });
	},
};
