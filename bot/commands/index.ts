/**
 * The bot's application commands (slash commands and message context-menu commands): each is one module with its
 * definition (`data`, what `npm run bot:deploy` registers) and its handler (`execute`). Adding a command is a new
 * module and one line in this list.
 */
import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction, RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { ProviderId } from '../../core';
import type { BotContext } from '../context';
import { upscaleContext } from './upscale-context';
import { upscaleCredits } from './upscale-credits';
import { upscaleSettings } from './upscale-settings';
import { upscale } from './upscale';

export interface Command {
	/** The name Discord sends in the interaction (a context-menu command's is its English label). */
	name: string;
	/** It asks for an upscale: refused while the bot is stopping. */
	startsJob?: boolean;
	/** The command as Discord validates it (choices, ranges, types), for the providers this bot offers. */
	data(providers: ProviderId[]): { name: string; toJSON(): RESTPostAPIApplicationCommandsJSONBody };
	execute(i: ChatInputCommandInteraction | MessageContextMenuCommandInteraction, ctx: BotContext): Promise<void>;
}

export const COMMANDS: readonly Command[] = [upscale, upscaleContext, upscaleCredits, upscaleSettings];

export function commandsJson(providers: ProviderId[]): RESTPostAPIApplicationCommandsJSONBody[] {
	return COMMANDS.map((c) => c.data(providers).toJSON());
}
