/**
 * Every text a Discord user sees, as functions of what it says: `messages(locale)` gives them in the interaction's
 * locale (the words are in bot/i18n/, English where a locale lacks one); `text` is the English set.
 */
import { isPaid, PROVIDER_NAMES, type Progress, type ProviderId } from '../core';
import { decimal, t, tp, type Args, type MessageKey } from './i18n';
import type { BucketScope, Rejection } from './user-limits';

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
/** bot-settings: a used-up bucket's refusal (a server's, a member's, a user install's daily credits). */
const CAP_KEYS: Record<BucketScope, MessageKey> = { server: 'settings.capServer', member: 'settings.capMember', 'user-install': 'settings.capInstall' };
const ts = (ms: number) => `<t:${Math.round(ms / 1000)}:R>`;
/** A provider's name in a sentence: a vendor's from the registry, the local engine's in the locale's words. */
export const nameOf = (say: (key: MessageKey) => string, p: ProviderId) => (p === 'local' ? say('provider.local') : NAMES[p]);

/** The progress line of a running job. */
function progress(say: (key: MessageKey, args?: Args) => string, p: Progress, now: number): string {
	const provider = nameOf(say, p.provider);
	const elapsed = say('progress.elapsed', { seconds: Math.round(p.elapsedMs / 1000) });
	const ready = p.etaMs !== undefined && p.etaMs > now ? say('progress.ready', { when: ts(p.etaMs) }) : undefined;
	switch (p.stage) {
		case 'uploading':
			return say('progress.uploading', { provider });
		case 'queued': {
			const bits = [say('progress.queued', { provider })];
			if (p.position !== undefined && p.position > 0) bits.push(say('progress.position', { position: p.position }));
			if (ready) bits.push(ready);
			return `${bits.join(', ')} · ${elapsed}`;
		}
		case 'processing':
			if (p.fraction !== undefined) {
				const line = say(p.vendorStatus === 'best' ? 'progress.percentBest' : 'progress.percent', { provider, percent: Math.floor(p.fraction * 100) });
				return [line, elapsed, ...(ready ? [ready] : [])].join(' · ');
			}
			return `${say('progress.upscaling', { provider })} · ${elapsed}`;
		case 'downloading':
			return say('progress.downloading');
		default:
			return say('progress.finishing');
	}
}

/** The texts of the buttons and what they answer (bot/components/). */
function buttonMessages(say: (key: MessageKey, args?: Args) => string) {
	return {
		button: {
			rerun: (scale: number) => say('button.rerun', { scale }),
			compare: say('button.compare'),
			delete: say('button.delete'),
			cancel: say('button.cancel'),
			otherProvider: say('button.otherProvider'),
			otherProviderLocal: say('cmd.upscale.provider.local'),
		},
		buttonExpired: (days: number) => say('buttonExpired', { days }),
		sourceGone: say('sourceGone'),
		notYoursToDelete: (userId: string) => say('notYoursToDelete', { user: userId }),
		notYoursToCancel: (userId: string) => say('notYoursToCancel', { user: userId }),
		alreadyFinished: say('alreadyFinished'),
		notThisMessage: say('notThisMessage'),
		privateResult: say('privateResult'),
		/** A canceled job's message: whether the vendor may still charge (it had the job) decides it. */
		canceled: (provider: ProviderId, vendorMayCharge: boolean) => {
			if (vendorMayCharge) return say('canceledVendor', { provider: NAMES[provider].replace(/^./, (c) => c.toUpperCase()) });
			return provider === 'local' ? say('canceledLocal') : say('canceledFree');
		},
		compareBefore: (width: number, height: number) => say('compareBefore', { size: `${width}×${height}` }),
		compareAfter: (width: number | null, height: number | null) => say('compareAfter', { size: `${width ?? '?'}×${height ?? '?'}` }),
	};
}

/** The texts in one locale (Discord's: `de`, `es-ES`, `en-US`…; null or unknown: English). */
export function messages(locale?: string | null) {
	const say = (key: MessageKey, args?: Args) => t(locale, key, args);
	const mb = (bytes: number) => `${decimal(locale, bytes / 1048576)} MB`;
	/** The limit a file is over: the one the bot knows, or the channel's own when Discord refused it there. */
	const overLimit = (limit?: number) => (limit ? say('serverUploadLimit', { mb: mb(limit) }) : say('channelUploadLimit'));
	const orUnknown = (n: number | null) => n ?? say('unknown');
	const m = {
		locale: locale ?? 'en-US',
		notAllowedGuild: say('notAllowedGuild'),
		notConfigured: (provider: string) => say('notConfigured', { provider: `${provider.charAt(0).toUpperCase()}${provider.slice(1)}` }),
		notAnImage: (type: string | null) => (type ? say('notAnImageType', { type }) : say('notAnImage')),
		unreadable: say('unreadable'),
		noImageInMessage: say('noImageInMessage'),
		pickExpired: say('pickExpired'),
		componentExpired: say('componentExpired'),
		rejected: (r: Rejection) =>
			r.reason === 'busy'
				? say('busy')
				: r.reason === 'cooldown'
					? say('cooldown', { when: ts(r.retryAt) })
					: r.reason === 'daily-cap'
						? r.scope
							? say(CAP_KEYS[r.scope], { cap: r.cap, when: ts(r.resetsAt) })
							: tp(locale, 'dailyCap', r.cap, { cap: r.cap, when: ts(r.resetsAt) })
						: say('closed'),
		invalid: (message: string) => say('invalid', { message }),
		waitingForSlot: (position: number) => say('waitingForSlot', { position }),
		downloadingInput: say('downloadingInput'),
		progress: (p: Progress, now: number) => progress(say, p, now),
		credits: (r: ResultFacts) => (!isPaid(r.provider) ? say('creditsFree') : say('creditsUsed', { consumed: orUnknown(r.credits.consumed), remaining: orUnknown(r.credits.remaining) })),
		done: (r: ResultFacts) => {
			const size = `${r.input ? `${r.input.width}×${r.input.height} → ` : ''}${r.width ?? '?'}×${r.height ?? '?'}`;
			return say('done', { size, provider: nameOf(say, r.provider), credits: m.credits(r) });
		},
		tooBigLink: (r: ResultFacts, limit?: number) =>
			`${m.done(r)}\n${say('tooBigLink', { mb: mb(r.size), limit: overLimit(limit), expires: r.resultExpiresAt ? say('linkExpires', { when: ts(r.resultExpiresAt) }) : '', url: r.resultUrl ?? '' })}`,
		tooBigNoLink: (r: ResultFacts, limit?: number) => `${m.done(r)}\n${say('tooBigNoLink', { mb: mb(r.size), limit: overLimit(limit), provider: nameOf(say, r.provider) })}`,
		resultLink: (r: ResultFacts) => `${m.done(r)}\n${say('resultLink', { expires: r.resultExpiresAt ? say('resultLinkExpires', { when: ts(r.resultExpiresAt) }) : '', url: r.resultUrl ?? '' })}`,
		resultGone: (r: ResultFacts) => `${m.done(r)}\n${say('resultGone', { provider: nameOf(say, r.provider) })}`,
		didNotFinish: say('didNotFinish'),
		lateDelivery: (userId: string, body: string) => `${say('lateDelivery', { user: userId })}\n${body}`,
		/** A private job's late answer, in a DM: no mention, nothing in the channel. */
		latePrivate: (channelId: string, body: string) => `${say('latePrivate', { channel: channelId })}\n${body}`,
		/** The channel refused the bot's message (a permission, or its size): the user gets it in a DM. */
		couldNotPost: (channelId: string, why: string, body: string) => `${say('couldNotPost', { channel: channelId, why })}\n${body}`,
		missingPermission: say('missingPermission'),
		tooLargeThere: say('tooLargeThere'),
		resumed: say('resumed'),
		storeDown: say('storeDown'),
		localTooBig: (width: number, height: number, maxMp: number) => say('localTooBig', { width, height, mp: decimal(locale, (width * height) / 1e6), max: maxMp }),
		localCredits: say('localCredits'),
		balance: (vendor: string, remaining: number | null) => say('balance', { vendor, remaining: orUnknown(remaining) }),
		balanceSeen: (vendor: string, remaining: number, at: number) => say('balanceSeen', { vendor, remaining, when: ts(at) }),
		balanceWithJobOnly: (vendor: string) => say('balanceWithJobOnly', { vendor }),
		balanceUnreadable: (vendor: string, error: string) => say('balanceUnreadable', { vendor, error }),
		queueSize: (q: { running: number; waiting: number }) => say('queueSize', q),
		creditsNeedPermission: say('creditsNeedPermission'),
		creditsReport: (lines: string[]) => `${say('creditsReport')}\n${lines.join('\n')}`,
		...buttonMessages(say),
		// bot-fit: results over Discord's upload limit where they go (bot/fit.ts).
		fit: {
			reencoded: (format: string, limit: number, size: number) => say('fit.reencoded', { format, limit: say('fit.limit', { mb: mb(limit) }), mb: mb(size) }),
			link: (r: ResultFacts, url: string, expiresAt: number, limit?: number) =>
				`${m.done(r)}\n${say('tooBigLink', { mb: mb(r.size), limit: limit ? say('fit.limit', { mb: mb(limit) }) : say('channelUploadLimit'), expires: say('linkExpires', { when: ts(expiresAt) }), url })}`,
		},
	};
	return m;
}

export type Messages = ReturnType<typeof messages>;

/** The English texts (logs, and the places that have no interaction's locale). */
export const text = messages('en-US');
