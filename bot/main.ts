#!/usr/bin/env node
/**
 * `npm run bot`: starts the bot; SIGTERM/SIGINT finish running jobs, then exit. `upscale-bot worker`
 * (`npm run bot-worker`): a worker of a bot that runs as a fleet (REDIS_URL; bot/fleet/worker.ts).
 */
import { loadConfigOrExit } from './config';
import { createBot } from './app';
import { envCommandArgs } from '../runtime/env-command';
import { createLogger } from '../runtime/log';
import { startProblem } from './start-problem';
import { BOT, BOT_WORKER } from './usage';

async function main() {
	const config = loadConfigOrExit();
	const log = createLogger(config.logLevel, [config.token, ...Object.values(config.providers).map((p) => p!.key)]);
	let bot: ReturnType<typeof createBot>;
	try {
		bot = createBot(config, log);
	} catch (e) {
		// Another bot on BOT_DATA_DIR, or a store that cannot be opened: one line, no stack.
		log.error('could not start', { error: (e as Error).message });
		process.stderr.write(`upscale-bot: ${(e as Error).message}\n`);
		process.exit(1);
	}
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		log.info('signal received', { signal });
		bot.stop().then(
			() => process.exit(0),
			(e) => {
				log.error('stop failed', { error: (e as Error).message });
				process.exit(1);
			},
		);
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
	try {
		await bot.start();
	} catch (e) {
		log.error('could not start', { error: (e as Error).message, code: (e as { code?: string }).code });
		process.stderr.write(`upscale-bot: could not start: ${startProblem(e)}.\n`);
		process.exit(1);
	}
}

const args = process.argv.slice(2);
const isWorker = args[0] === 'worker';
// The bot takes no arguments but `worker` (--help prints the settings); a refused one ends here, before any is read.
const handled = envCommandArgs(isWorker ? BOT_WORKER : BOT, isWorker ? args.slice(1) : args);
if (handled !== undefined) {
	process.exitCode = handled;
} else if (isWorker) {
	void import('./fleet/worker').then(({ runBotWorker }) => runBotWorker()).then(
		(code) => process.exit(code),
		(e) => {
			process.stderr.write(`upscale-bot worker: ${(e as Error).message}\n`);
			process.exit(1);
		},
	);
} else void main();
