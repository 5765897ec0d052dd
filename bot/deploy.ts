#!/usr/bin/env node
/**
 * `npm run bot:deploy`: registers the commands (/upscale, /upscale-credits, /upscale-settings and the message menu's
 * "Upscale") in DISCORD_GUILD_ID if set (instant), else globally (where user installs see them too).
 */
import { ApplicationCommandType, REST, Routes } from 'discord.js';
import { commandsJson } from './commands/index';
import { envCommandArgs } from '../runtime/env-command';
import { loadConfigOrExit, offeredProviders } from './config';
import { DEPLOY } from './usage';

async function main() {
	const config = loadConfigOrExit();
	const rest = new REST(config.apiUrl ? { api: config.apiUrl } : {}).setToken(config.token);
	const body = commandsJson(offeredProviders(config));
	const route = config.guildId ? Routes.applicationGuildCommands(config.applicationId, config.guildId) : Routes.applicationCommands(config.applicationId);
	try {
		const saved = (await rest.put(route, { body })) as Array<{ name: string; type?: number }>;
		process.stdout.write(`Registered ${saved.map((c) => (c.type === ApplicationCommandType.Message ? `"${c.name}" (message menu)` : `/${c.name}`)).join(', ')} ${config.guildId ? `in guild ${config.guildId} (available now)` : 'globally (may take up to an hour to appear)'}.\n`);
	} catch (e) {
		process.stderr.write(`Could not register the commands: ${(e as Error).message}\n`);
		process.exit(1);
	}
}

const handled = envCommandArgs(DEPLOY, process.argv.slice(2));
if (handled !== undefined) process.exitCode = handled;
else void main();
