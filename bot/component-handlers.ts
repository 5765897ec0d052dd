/**
 * The bot's buttons and select menus: a component's custom_id is `<prefix>:<state>`, and the handler registered for
 * the prefix answers it. Adding one is a module with a ComponentHandler and one line in COMPONENT_HANDLERS.
 */
import type { AnySelectMenuInteraction, ButtonInteraction } from 'discord.js';
import { pickImage } from './commands/pick-image';
import { cancel } from './components/cancel';
import { compare } from './components/compare';
import { deleteResult } from './components/delete';
import { again, otherProvider } from './components/rerun';
import type { BotContext } from './context';

/** A click on a button or a choice in a select menu. */
export type ComponentInteraction = ButtonInteraction | AnySelectMenuInteraction;

export interface ComponentHandler {
	/** The custom_id's part before the first ':' (letters, digits, '-'). */
	prefix: string;
	/** It asks for an upscale: refused while the bot is stopping. */
	startsJob?: boolean;
	/** Answers a click or a choice; `state` is the custom_id after the prefix's ':'. */
	handle(i: ComponentInteraction, ctx: BotContext, state: string): Promise<void>;
}

export const COMPONENT_HANDLERS: readonly ComponentHandler[] = [pickImage, cancel, again, otherProvider, compare, deleteResult];

/** Discord's limit for a custom_id. */
export const CUSTOM_ID_MAX = 100;

/** A component's custom_id for `prefix` and its state; throws (a bug, not a user's error) when it would not fit. */
export function customIdOf(prefix: string, state: string): string {
	const id = `${prefix}:${state}`;
	if (id.length > CUSTOM_ID_MAX) throw new Error(`custom_id over ${CUSTOM_ID_MAX} characters: ${prefix}`);
	return id;
}

/** The handler of a custom_id and the state it carries; undefined for one no handler knows (an older version's). */
export function componentHandlerFor(customId: string): { handler: ComponentHandler; state: string } | undefined {
	const at = customId.indexOf(':');
	const prefix = at < 0 ? customId : customId.slice(0, at);
	const handler = COMPONENT_HANDLERS.find((h) => h.prefix === prefix);
	return handler && { handler, state: at < 0 ? '' : customId.slice(at + 1) };
}
