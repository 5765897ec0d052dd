/**
 * What every way of asking for an upscale shares (/upscale, Right-click → Apps → Upscale, picking one of a message's
 * images): everything that can be known at once is checked before the reply is deferred (and answered only to the
 * user, in the user's language); an accepted job goes to the job engine (stored, so a restart loses no paid work;
 * queued; its progress and outcome reach the user through the outbox).
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { formatFromMime, isPaid, type InputFacts, type ProviderId, type UpscaleOptionsInput } from '../../core';
import type { NewJob } from '../../runtime/jobs/job';
import { allowedHere } from '../allowed-guilds';
import type { BotContext } from '../context';
import { ephemeral } from '../delivery';
import { clientOf, type BotDoor, type ImageSource } from '../door';
import { messages, NAMES, type Messages } from '../messages';
import { serverRules } from '../settings/admission';
import type { Bucket } from '../user-limits';
import { mustBePrivate } from './install';

/** An image on Discord as the bot needs it (a discord.js Attachment is one; so is a message's attachment read by REST). */
export interface ImageRef {
	id: string;
	name: string;
	url: string;
	contentType: string | null;
	width: number | null;
	height: number | null;
	size: number;
}

/** What the user asked for, read from the interaction (absent provider: the bot's default). */
export interface JobRequest {
	provider: string | null;
	attachment: ImageRef;
	options: UpscaleOptionsInput;
	/** Absent: not asked (the server's default from /upscale-settings, else public). */
	private?: boolean;
	/** The message the image is on (a re-run reads it again). */
	source?: ImageSource;
}

interface Admitted {
	provider: ProviderId;
	attachment: ImageRef;
	options: UpscaleOptionsInput;
	meta: InputFacts;
	private: boolean;
}

/** How long the user's slot may take to claim before the user is told the store is not answering (Discord waits 3 s). */
const CLAIM_MS = 2000;

/** Claims the user's slot; a store that fails or does not answer in time is false with the user told. */
async function claimSlot(i: RepliableInteraction, ctx: BotContext, say: Messages, buckets: readonly Bucket[]): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), CLAIM_MS)));
	const claim = ctx.limits.claim(i.user.id, buckets);
	try {
		const r = await Promise.race([claim, late]);
		if (r === 'late') {
			// If it is granted after all, it is given back.
			void claim.then((rejection) => (rejection ? undefined : ctx.limits.release(i.user.id)), () => undefined);
			throw new Error(`no answer within ${CLAIM_MS} ms`);
		}
		if (r) await ephemeral(i, say.rejected(r));
		return !r;
	} catch (e) {
		ctx.log.error('job store not answering: job refused', { interaction: i.id, user: i.user.id, error: (e as Error).message });
		await ephemeral(i, say.storeDown);
		return false;
	} finally {
		clearTimeout(timer);
	}
}

/** The checks made before deferring; a refusal is answered here and returns undefined. */
async function admit(i: RepliableInteraction, ctx: BotContext, asked: JobRequest, say: Messages): Promise<Admitted | undefined> {
	const { config, upscalers } = ctx;
	if (!allowedHere(i, config)) return void (await ephemeral(i, say.notAllowedGuild));
	// The server's /upscale-settings: where the bot may be used, its defaults, its daily credit buckets.
	const rules = await serverRules(i, ctx, asked).catch((e: Error) => (ctx.log.error('settings store not answering: job refused', { interaction: i.id, error: e.message }), { refusal: say.storeDown }));
	if ('refusal' in rules) return void (await ephemeral(i, rules.refusal));
	const req = { ...asked, ...rules };
	const provider = (req.provider ?? config.defaultProvider) as ProviderId;
	const upscaler = upscalers[provider];
	if (!upscaler) return void (await ephemeral(i, say.notConfigured(NAMES[provider] ?? provider)));
	const { attachment, options } = req;
	const format = formatFromMime(attachment.contentType);
	if (!format) return void (await ephemeral(i, say.notAnImage(attachment.contentType)));
	if (!attachment.width || !attachment.height) return void (await ephemeral(i, say.unreadable));
	const meta: InputFacts = { format, width: attachment.width, height: attachment.height, bytes: attachment.size };
	try {
		const { target } = upscaler.check(meta, options);
		if (!isPaid(provider) && target && config.local && target.width * target.height > config.local.maxOutputPixels) {
			return void (await ephemeral(i, say.localTooBig(target.width, target.height, config.local.maxOutputPixels / 1e6)));
		}
	} catch (e) {
		return void (await ephemeral(i, say.invalid((e as Error).message)));
	}
	// The last check: it holds the user's slot (one job at a time), so it comes after every refusal above.
	if (!(await claimSlot(i, ctx, say, rules.buckets))) return undefined;
	return { provider, attachment, options, meta, private: req.private };
}

/** The bot's own upload limit where it posts: the server's boost tier (Discord: 10 MiB, 50 MB at tier 2, 100 MB at tier 3). */
function botUploadLimit(i: RepliableInteraction): number {
	const tier = i.guild?.premiumTier ?? 0;
	return tier >= 3 ? 100 * 1024 * 1024 : tier === 2 ? 50 * 1024 * 1024 : 10 * 1024 * 1024;
}

/** The interaction the bot answers for a job, as it is stored with it. */
function doorFor(i: RepliableInteraction, req: JobRequest): BotDoor {
	return {
		applicationId: i.applicationId,
		token: i.token,
		channelId: i.channelId!,
		guildId: i.guildId,
		userId: i.user.id,
		private: req.private || mustBePrivate(i),
		attachmentSizeLimit: i.attachmentSizeLimit,
		botUploadLimit: botUploadLimit(i),
		locale: i.locale,
		...(req.source ? { source: req.source } : {}),
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

/** Admits the request, defers the reply (within Discord's 3 s), stores the job and queues it. */
export async function startJob(i: RepliableInteraction, ctx: BotContext, req: JobRequest): Promise<void> {
	const say = messages(i.locale);
	const a = await admit(i, ctx, req, say);
	if (!a) return;
	const door = doorFor(i, { ...req, private: a.private });
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
		await ctx.jobs.update(job.id, { status: 'failed', phase: 'done', finished_at: Date.now(), error_code: 'INTERNAL', error_message: say.storeDown, nothing_charged: 1, deliver_after: null }).catch(() => false);
		await ctx.limits.release(i.user.id).catch(() => undefined);
		await i.editReply({ content: say.invalid(say.storeDown) }).catch(() => undefined);
		return;
	}
	// With workers (REDIS_URL), a worker edits the reply once it has the job, the queue tells the place until then;
	// here, the runner's line tells the place.
	ctx.line?.watch(job.id);
	ctx.log.info(ctx.runner ? 'job queued' : 'job queued for a worker', { interaction: i.id, user: i.user.id });
}
