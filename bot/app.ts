/**
 * The bot: the discord.js client wired to the commands (bot/commands/) and to the job engine. On start, jobs of an
 * earlier version's jobs.json are moved over, jobs this process was running when it stopped are taken over (a
 * stored task resumed, never resubmitted), and outcomes not yet delivered are delivered. A graceful stop lets
 * running and queued jobs finish within the grace period; what is left is kept for the next start.
 */
import { Client, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { COMMANDS } from './commands';
import { componentHandlerFor } from './component-handlers';
import type { BotConfig } from './config';
import { createContext, type BotContext } from './context';
import { ephemeral } from './delivery';
import { doorOf } from './door';
import { importJobsJson } from './import-jobs-json';
import { messages } from './messages';
import { startPublicLinksServer } from './public-links-server';
import { createLogger, type Logger } from '../runtime/log';

export interface Bot {
	client: Client;
	ctx: BotContext;
	start(): Promise<void>;
	/** Stops taking jobs, lets running and queued ones finish (within the grace period), then disconnects. */
	stop(): Promise<void>;
}

export function createBot(config: BotConfig, log: Logger = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)])): Bot {
	const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: config.apiUrl ? { api: config.apiUrl } : {} });
	const ctx = createContext(config, log, client);
	const commands = new Map(COMMANDS.map((c) => [c.name, c]));
	let stopping = false;
	/** bot-fit: the server of the bot's own result links (BOT_PUBLIC_URL). */
	let linkServer: { close(): Promise<void> } | undefined;

	/** Commands by name, components by their custom_id's prefix; what asks for an upscale is refused while stopping. */
	const route = (i: Interaction): Promise<void> | undefined => {
		if (i.isChatInputCommand() || i.isMessageContextMenuCommand()) {
			const command = commands.get(i.commandName);
			if (stopping && command?.startsJob) return ephemeral(i, messages(i.locale).rejected({ reason: 'closed' })).then(() => undefined);
			return command?.execute(i, ctx);
		}
		if (i.isButton() || i.isAnySelectMenu()) {
			const found = componentHandlerFor(i.customId);
			if (!found) return ephemeral(i, messages(i.locale).componentExpired).then(() => undefined);
			if (stopping && found.handler.startsJob) return ephemeral(i, messages(i.locale).rejected({ reason: 'closed' })).then(() => undefined);
			return found.handler.handle(i, ctx, found.state);
		}
		return undefined;
	};
	client.on(Events.InteractionCreate, (i) => {
		route(i)?.catch((e) => log.error('interaction failed', { interaction: i.id, command: i.isCommand() ? i.commandName : undefined, component: i.isMessageComponent() ? i.customId.split(':')[0] : undefined, error: (e as Error).message }));
	});
	client.on(Events.Error, (e) => log.error('discord client error', { error: e.message }));

	return {
		client,
		ctx,
		async start() {
			if (ctx.publicLinks && config.publicLinks) linkServer = await startPublicLinksServer(ctx.publicLinks, config.publicLinks, log);
			const imported = ctx.runner ? await importJobsJson(config.dataDir, ctx.jobs, log) : 0;
			const ready = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
			await client.login(config.token);
			await ready;
			// This process alone runs its jobs: what it was running is its to take over, what is undelivered its to deliver.
			let recovered;
			if (ctx.runner) {
				recovered = await ctx.runner.recover();
				// A slot whose user has no live job was held by a process killed between the claim and storing the job.
				const live = [...(await ctx.jobs.withStatus('queued')), ...(await ctx.jobs.withStatus('running'))];
				ctx.limits.releaseIdle?.(live.map((r) => doorOf(r).userId));
				void ctx.outbox.retryDue(true);
			}
			ctx.outbox.start();
			log.info('bot ready', { user: client.user?.tag, providers: Object.keys(ctx.upscalers), concurrency: config.maxConcurrentJobs, imported, ...recovered });
		},
		async stop() {
			stopping = true;
			const counts = await ctx.jobs.countByStatus().catch(() => undefined);
			log.info('stopping: finishing running and queued jobs', { running: counts?.running, waiting: counts?.queued });
			let outcome: 'drained' | 'timeout' = 'drained';
			if (ctx.runner) {
				const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.shutdownGraceMs).unref());
				outcome = await Promise.race([ctx.runner.drain().then(() => 'drained' as const), grace]);
				// Jobs not yet sent go back to the line; the vendor's are resumed by the next start.
				await ctx.runner.stop();
			}
			log.info('stopped', { outcome });
			await linkServer?.close();
			await ctx.close();
			await client.destroy();
		},
	};
}
