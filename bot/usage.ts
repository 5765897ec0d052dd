/** `upscale-bot --help`, `upscale-bot worker --help`, `upscale-bot-deploy --help`: docs/discord.md has every setting. */
import { VENDOR_IDS, VENDOR_REGISTRY } from '../core/vendors';
import { variableRows, type EnvCommand } from '../runtime/env-command';

const vendorKeys = VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].env.key).join(', ');

const DISCORD = [
	['DISCORD_TOKEN', 'the bot token (Developer Portal → your app → Bot → Reset Token)'],
	['DISCORD_APPLICATION_ID', 'the application id (Developer Portal → your app → General Information)'],
] as const;

export const BOT: EnvCommand = {
	name: 'upscale-bot',
	commands: ['worker'],
	example: 'DISCORD_TOKEN=… DISCORD_APPLICATION_ID=… upscale-bot',
	usage: `Usage: upscale-bot
       upscale-bot worker      (a worker of a bot fleet: upscale-bot worker --help)

The Discord bot: /upscale, the message menu's "Upscale", buttons on every result, /upscale-settings.
Register its commands once with upscale-bot-deploy. SIGTERM or Ctrl-C lets running and queued jobs finish, then exits.
It takes no options: its settings are environment variables.

${variableRows([
	...DISCORD,
	[vendorKeys, "the vendors' keys (at least one, or BOT_LOCAL_ENGINE=on)"],
	['BOT_LOCAL_ENGINE', 'on: offer the free local engine'],
	['BOT_DATA_DIR', "the bot's jobs, limits and server settings (default ./data; one bot per directory)"],
	['BOT_USER_DAILY_CREDITS', 'credits a user may spend per UTC day (default 0: no cap)'],
	['REDIS_URL', 'run as a fleet: this process enqueues, upscale-bot worker processes run the jobs'],
])}

Every setting: docs/discord.md, "Set it up".`,
};

export const BOT_WORKER: EnvCommand = {
	name: 'upscale-bot worker',
	example: 'REDIS_URL=redis://127.0.0.1:6379 upscale-bot worker',
	usage: `Usage: upscale-bot worker

A worker of a bot fleet: runs the jobs that upscale-bot puts on Redis and delivers their results (no gateway
connection). Run any number, with the bot's environment.
It takes no options: its settings are environment variables (those of upscale-bot --help), and it needs:

${variableRows([
	['REDIS_URL', "the fleet's Redis, e.g. redis://127.0.0.1:6379"],
	['BOT_MAX_CONCURRENT_JOBS', 'jobs this worker runs at once (default 2)'],
	['BOT_WORKER_LOCK_SECONDS', "how long its claim on a job lasts unrenewed (default 30): a killed worker's jobs go to another"],
])}

More: docs/scaling-out.md.`,
};

export const DEPLOY: EnvCommand = {
	name: 'upscale-bot-deploy',
	example: 'DISCORD_GUILD_ID=… upscale-bot-deploy',
	usage: `Usage: upscale-bot-deploy

Registers the bot's commands (/upscale, /upscale-credits, /upscale-settings and the message menu's "Upscale") with
Discord: in one server at once with DISCORD_GUILD_ID, else globally (up to an hour to appear; user installs see them).
It takes no options: its settings are the bot's environment variables (upscale-bot --help), and it needs:

${variableRows([...DISCORD, ['DISCORD_GUILD_ID', 'register in this server only (instant)']])}`,
};
