/** BOT_ALLOWED_GUILDS: whether the bot answers in this interaction's server. Every command asks it before anything else. */
import type { RepliableInteraction } from 'discord.js';
import type { BotConfig } from './config';

export function allowedHere(i: RepliableInteraction, config: BotConfig): boolean {
	return !config.allowedGuilds.length || (!!i.guildId && config.allowedGuilds.includes(i.guildId));
}
