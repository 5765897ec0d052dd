/** Every text a Discord user sees, in one place. */
import { isPaid, PROVIDER_NAMES, type Progress, type ProviderId } from '../core';
import type { Rejection } from './user-limits';

/** What a message says about a finished job (read from the job's stored row). */
export interface ResultFacts {
	provider: ProviderId;
	input: { width: number; height: number } | null;
	width: number | null;
	height: number | null;
	credits: { consumed: number | null; remaining: number | null };
	/** The result file's size in bytes. */
	size: number;
	resultUrl?: string;
	resultExpiresAt?: number;
}

export const NAMES = PROVIDER_NAMES;
const ts = (ms: number) => `<t:${Math.round(ms / 1000)}:R>`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
/** The limit a file is over: the one the bot knows, or the channel's own when Discord refused it there. */
const overLimit = (limit?: number) => (limit ? `this server's ${mb(limit)} upload limit` : "the channel's upload limit");

export const text = {
	notAllowedGuild: 'This bot is not enabled on this server.',
	notConfigured: (p: string) => `${p.charAt(0).toUpperCase()}${p.slice(1)} is not set up on this bot.`,
	notAnImage: (type: string | null) => `That file is ${type ? `\`${type}\`` : 'not an image'}. Send a PNG, JPEG or WebP image.`,
	unreadable: "Discord could not read that image: it looks empty or damaged. Send a PNG, JPEG or WebP image.",
	rejected: (r: Rejection) =>
		r.reason === 'busy'
			? 'You already have an upscale in progress. Wait for it to finish, then try again.'
			: r.reason === 'cooldown'
				? `Slow down a little: you can upscale again ${ts(r.retryAt)}.`
				: r.reason === 'daily-cap'
					? `You have used your ${r.cap} credit${r.cap === 1 ? '' : 's'} for today. The limit resets ${ts(r.resetsAt)}.`
					: 'The bot is restarting. Try again in a minute.',
	invalid: (message: string) => `❌ ${message}`,
	waitingForSlot: (position: number) => `⏳ Waiting for a free slot: you are #${position} in line.`,
	downloadingInput: '⏳ Downloading your image…',
	progress: (p: Progress, now: number) => {
		const name = NAMES[p.provider];
		const elapsed = `elapsed ${Math.round(p.elapsedMs / 1000)} s`;
		switch (p.stage) {
			case 'uploading':
				return `⏳ Sending your image to ${name}…`;
			case 'queued': {
				const bits = [`⏳ ${name}: queued`];
				if (p.position !== undefined && p.position > 0) bits.push(`position ${p.position}`);
				if (p.etaMs !== undefined && p.etaMs > now) bits.push(`ready ${ts(p.etaMs)}`);
				return `${bits.join(', ')} · ${elapsed}`;
			}
			case 'processing':
				if (p.fraction !== undefined) {
					const how = p.vendorStatus === 'best' ? ' (best-quality model)' : '';
					const eta = p.etaMs !== undefined && p.etaMs > now ? ` · ready ${ts(p.etaMs)}` : '';
					return `⏳ Upscaling with ${name}${how}: ${Math.floor(p.fraction * 100)}% · ${elapsed}${eta}`;
				}
				return `⏳ ${name}: upscaling · ${elapsed}`;
			case 'downloading':
				return '⏳ Fetching the result…';
			default:
				return '⏳ Finishing…';
		}
	},
	credits: (r: ResultFacts) =>
		!isPaid(r.provider) ? 'Free: no credits used.' : `Credits used: ${r.credits.consumed ?? 'unknown'} · remaining: ${r.credits.remaining ?? 'unknown'}`,
	done: (r: ResultFacts) => {
		const from = r.input ? `${r.input.width}×${r.input.height} → ` : '';
		return `✅ Upscaled ${from}${r.width ?? '?'}×${r.height ?? '?'} with ${NAMES[r.provider]}. ${text.credits(r)}`;
	},
	tooBigLink: (r: ResultFacts, limit?: number) =>
		`${text.done(r)}\nThe file is ${mb(r.size)}, over ${overLimit(limit)}, so here is a link instead${r.resultExpiresAt ? ` (it expires ${ts(r.resultExpiresAt)})` : ''}: ${r.resultUrl}`,
	tooBigNoLink: (r: ResultFacts, limit?: number) =>
		`${text.done(r)}\nBut the file is ${mb(r.size)}, over ${overLimit(limit)}, and ${NAMES[r.provider]} gave no link for it. Try a smaller scale.`,
	resultLink: (r: ResultFacts) => `${text.done(r)}\nHere is the result${r.resultExpiresAt ? ` (the link expires ${ts(r.resultExpiresAt)})` : ''}: ${r.resultUrl}`,
	resultGone: (r: ResultFacts) => `${text.done(r)}\nBut the file is no longer on this bot, and ${NAMES[r.provider]} gave no link for it. Please run /upscale again.`,
	lateDelivery: (userId: string, body: string) => `<@${userId}> your upscale took longer than Discord keeps a reply open, so here it is:\n${body}`,
	/** A private job's late answer, in a DM: no mention, nothing in the channel. */
	latePrivate: (channelId: string, body: string) => `Your upscale from <#${channelId}> took longer than Discord keeps a reply open, so here it is:\n${body}`,
	/** The channel refused the bot's message (a permission, or its size): the user gets it in a DM. */
	couldNotPost: (channelId: string, why: string, body: string) => `I could not post your upscale in <#${channelId}> (${why}), so here it is:\n${body}`,
	missingPermission: 'I am missing a permission there',
	tooLargeThere: "the file is over that channel's upload limit",
	resumed: '⏳ The bot restarted; picking your upscale up where it was…',
	storeDown: 'The bot cannot take jobs right now (its job store is not answering). Nothing was charged; try again in a minute.',
	localTooBig: (w: number, h: number, maxMp: number) =>
		`❌ That would be ${w}×${h} (${((w * h) / 1e6).toFixed(1)} MP); the local engine on this bot makes images up to ${maxMp} MP. Use a smaller scale.`,
	localCredits: 'Local engine: free (runs on this bot)',
	balance: (vendor: string, remaining: number | null) => `${vendor}: ${remaining ?? 'unknown'} credits left`,
	balanceSeen: (vendor: string, remaining: number, at: number) => `${vendor}: ${remaining} credits left (as of ${ts(at)})`,
	balanceWithJobOnly: (vendor: string) => `${vendor}: unknown until the next upscale (${vendor} reports the balance only with a job)`,
	balanceUnreadable: (vendor: string, error: string) => `${vendor}: could not read the balance (${error})`,
	queueSize: (q: { running: number; waiting: number }) => `Jobs: ${q.running} running, ${q.waiting} waiting.`,
	creditsNeedPermission: 'Only members with the Manage Server permission can see the credits.',
	creditsReport: (lines: string[]) => `**Upscaling credits**\n${lines.join('\n')}`,
};
