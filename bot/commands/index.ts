/**
 * The bot's slash commands: each is one module with its definition (`data`, what `npm run bot:deploy` registers) and
 * its handler (`execute`). Adding a command is a new module and one line in this list.
 */
import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { ProviderId } from '../../core';
import type { BotContext } from '../context';
import { upscaleCredits } from './upscale-credits';
import { upscale } from './upscale';

export interface Command {
	name: string;
	/** The command as Discord validates it (choices, ranges, types), for the providers this bot offers. */
	data(providers: ProviderId[]): { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
	execute(i: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
}

export const COMMANDS: readonly Command[] = [upscale, upscaleCredits];

export function commandsJson(providers: ProviderId[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
	return COMMANDS.map((c) => c.data(providers).toJSON());
}
