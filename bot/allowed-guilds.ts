/** BOT_ALLOWED_GUILDS: whether the bot answers in this interaction's server. Every command asks it before anything else. */
import type { ChatInputCommandInteraction } from 'discord.js';
import type { BotConfig } from './config';

export function allowedHere(i: ChatInputCommandInteraction, config: BotConfig): boolean {
	return !config.allowedGuilds.length || (!!i.guildId && config.allowedGuilds.includes(i.guildId));
}
