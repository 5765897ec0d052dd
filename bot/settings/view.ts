/** What `/upscale-settings view` shows (and every change answers with): the server's settings beside the operator's ceiling. */
import type { ProviderId } from '../../core';
import type { BotContext } from '../context';
import { offeredProviders } from '../config';
import { t, type Args, type MessageKey } from '../i18n';
import { serverBucket } from './admission';
import { providerName, serverProvider } from './ceiling';
import type { GuildSettings } from './store';

export async function settingsView(ctx: BotContext, locale: string, guildId: string, s: GuildSettings): Promise<string> {
	const say = (key: MessageKey, args?: Args) => t(locale, key, args);
	const number = (n: number) => new Intl.NumberFormat(locale).format(n);
	const orDefault = (value: string, set: boolean) => (set ? value : say('settings.botDefault', { value }));
	const limit = (n: number | undefined) => (n ? number(n) : say('settings.noLimit'));
	const used = await ctx.limits.usedToday(serverBucket(guildId));
	const { config } = ctx;
	return [
		say('settings.title'),
		say('settings.provider', { value: orDefault(providerName(locale, serverProvider(ctx, s)), !!s.provider && s.provider === serverProvider(ctx, s)) }),
		say('settings.scale', { value: orDefault(number(s.scale ?? 2), s.scale !== undefined) }),
		say('settings.private', { value: orDefault(say(s.private ? 'settings.yes' : 'settings.no'), s.private !== undefined) }),
		say('settings.serverCredits', { value: limit(s.serverDailyCredits), used: number(used) }),
		say('settings.memberCredits', { value: limit(s.memberDailyCredits) }),
		say('settings.channels', { value: s.channels.length ? s.channels.map((c) => `<#${c}>`).join(', ') : say('settings.allChannels') }),
		say('settings.roles', { value: s.roles.length ? s.roles.map((r) => `<@&${r}>`).join(', ') : say('settings.everyone') }),
		'',
		say('settings.ceilingTitle'),
		say('settings.ceilingProviders', { providers: offeredProviders(config).map((p: ProviderId) => providerName(locale, p)).join(', ') }),
		say('settings.ceilingServer', { value: limit(config.guildDailyCreditCap) }),
		say('settings.ceilingMember', { value: limit(config.dailyCreditCap) }),
	].join('\n');
}
