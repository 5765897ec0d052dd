/** The bot: the discord.js client wired to the commands (bot/commands/), the job queue, resume and a graceful stop. */
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { COMMANDS } from './commands';
import type { BotConfig } from './config';
import { createContext } from './context';
import { createLogger, type Logger } from '../runtime/log';
import type { JobQueue } from './queue';
import { resumeJobs } from './resume';

export interface Bot {
	client: Client;
	queue: JobQueue;
	start(): Promise<void>;
	/** Stops taking jobs, lets running and queued ones finish (within the grace period), then disconnects. */
	stop(): Promise<void>;
}

export function createBot(config: BotConfig, log: Logger = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)])): Bot {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: config.apiUrl ? { api: config.apiUrl } : {} });
	const ctx = createContext(config, log, client);
	const commands = new Map(COMMANDS.map((c) => [c.name, c]));

	client.on(Events.InteractionCreate, (i) => {
		if (!i.isChatInputCommand()) return;
		const command = commands.get(i.commandName);
		command?.execute(i, ctx).catch((e) => log.error('interaction failed', { interaction: i.id, command: i.commandName, error: (e as Error).message }));
	});
	client.on(Events.Error, (e) => log.error('discord client error', { error: e.message }));

	return {
		client,
		queue: ctx.queue,
		async start() {
			const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
			await client.login(config.token);
			await ready;
			log.info('bot ready', { user: client.user?.tag, providers: Object.keys(ctx.upscalers), concurrency: config.maxConcurrentJobs, stored: ctx.store.all().length });
			resumeJobs(ctx);
		},
		async stop() {
			log.info('stopping: finishing running and queued jobs', ctx.queue.size);
			const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.shutdownGraceMs).unref());
			const outcome = await Promise.race([ctx.queue.drain().then(() => 'drained' as const), grace]);
			if (outcome === 'timeout') ctx.stopping.abort();
			log.info('stopped', { outcome });
			await ctx.local?.close();
			await ctx.fleet?.close();
			await ctx.redis?.quit().catch(() => ctx.redis?.disconnect());
			await client.destroy();
		},
	};
}
