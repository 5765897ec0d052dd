/**
 * Where the bot's commands can be used: installed to a server or to a user's own account (integration_types), in a
 * server, the bot's DM or a user's private channels (contexts; replaces the deprecated dm_permission). And the one
 * rule that follows for answers: in a server where only the user installed the app, the answer is public only where
 * the member may use external apps there (Discord's USE_EXTERNAL_APPS); else Discord shows it to the user alone.
 */
import { ApplicationIntegrationType, InteractionContextType, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';

export const INTEGRATION_TYPES = [ApplicationIntegrationType.GuildInstall, ApplicationIntegrationType.UserInstall];
export const CONTEXTS = [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel];

/** The app is here only because the user installed it (no server install authorized this interaction). */
export function userInstallOnly(i: RepliableInteraction): boolean {
	const owners = i.authorizingIntegrationOwners ?? {};
	return owners[ApplicationIntegrationType.GuildInstall] === undefined && owners[ApplicationIntegrationType.UserInstall] !== undefined;
}

/** Whether the answer must be ephemeral whatever the user asked: a user-installed app in a server that does not allow external apps' public answers. */
export function mustBePrivate(i: RepliableInteraction): boolean {
	return !!i.guildId && userInstallOnly(i) && !i.memberPermissions?.has(PermissionFlagsBits.UseExternalApps);
}
