/**
 * The operator's environment is the ceiling of every server setting: a server can choose among the providers the
 * operator configured, a scale the provider takes, and daily credits up to BOT_GUILD_DAILY_CREDITS (the server) and
 * BOT_USER_DAILY_CREDITS (a member); 0 there means "no limit of the server's own", the operator's still applies.
 * Each refusal says the ceiling, in the admin's language.
 */
import { isProviderId, type ProviderId } from '../../core';
import type { BotContext } from '../context';
import { offeredProviders } from '../config';
import { t } from '../i18n';
import { nameOf } from '../messages';
import type { GuildSettings, ScalarSettings } from './store';

/** A provider's name as users read it (the local engine's in the locale's words). */
export const providerName = (locale: string, p: ProviderId) => nameOf((key) => t(locale, key), p);

/** A small image every provider takes: what a scale is checked on before it is stored. */
const NOMINAL = { format: 'png' as const, width: 128, height: 128, bytes: 10_000 };

/** The core's refusal of `scale` with `provider` (undefined: it takes it). */
export function scaleProblem(ctx: BotContext, provider: ProviderId, scale: number): string | undefined {
	const upscaler = ctx.upscalers[provider];
	if (!upscaler) return undefined;
	try {
		upscaler.check(NOMINAL, { scale });
		return undefined;
	} catch (e) {
		return (e as Error).message;
	}
}

/** The provider a server's jobs use when a member names none: the server's, if the operator still offers it, else the bot's. */
export function serverProvider(ctx: BotContext, s: Pick<GuildSettings, 'provider'>): ProviderId {
	return s.provider && offeredProviders(ctx.config).includes(s.provider) ? s.provider : ctx.config.defaultProvider;
}

/** Why the operator does not allow `patch` on top of `current` (undefined: allowed). */
export function overCeiling(ctx: BotContext, locale: string, current: GuildSettings, patch: ScalarSettings): string | undefined {
	const offered = offeredProviders(ctx.config);
	const names = offered.map((p) => providerName(locale, p)).join(', ');
	if (patch.provider !== undefined && !offered.includes(patch.provider)) {
		return t(locale, 'settings.providerNotOffered', { provider: isProviderId(patch.provider) ? providerName(locale, patch.provider) : String(patch.provider), providers: names });
	}
	const provider = serverProvider(ctx, { provider: patch.provider ?? current.provider });
	const scale = patch.scale ?? current.scale;
	const problem = scale !== undefined ? scaleProblem(ctx, provider, scale) : undefined;
	if (problem) return t(locale, 'settings.scaleRefused', { provider: providerName(locale, provider), message: problem });
	const { guildDailyCreditCap: serverMax, dailyCreditCap: memberMax } = ctx.config;
	for (const n of [patch.serverDailyCredits, patch.memberDailyCredits]) if (n !== undefined && !(Number.isInteger(n) && n >= 0)) return t(locale, 'settings.notACount');
	if (serverMax > 0 && patch.serverDailyCredits !== undefined && patch.serverDailyCredits > serverMax) {
		return t(locale, 'settings.serverCapOver', { max: serverMax });
	}
	if (memberMax > 0 && patch.memberDailyCredits !== undefined && patch.memberDailyCredits > memberMax) {
		return t(locale, 'settings.memberCapOver', { max: memberMax });
	}
	return undefined;
}
