/**
 * `upscale serve` (and `npm run serve`): the HTTP job service. Reads its configuration from the environment, takes
 * the data directory, finishes what a previous run left (recover), then listens. SIGTERM/SIGINT stop it cleanly:
 * new requests are refused, jobs the vendor has are finished by the next start, unsent ones go back to the queue.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VENDOR_IDS } from '../core';
import { ConfigError } from '../runtime/env-schema';
import { createLogger } from '../runtime/log';
import { buildApp } from './app';
import { loadServiceConfig } from './config';
import { createContext } from './context';
import { ensureDataDir, lockDataDir, SERVER_DIR } from '../runtime/jobs/lock';
import { listenProblem } from '../runtime/listen-error';
import { startSweeper } from './retention';
import { redisWhere } from '../runtime/redis-connection';

function version(): string {
	try {
		return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
	} catch {
		return '0.0.0';
	}
}

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<number> {
	let config;
	try {
		config = loadServiceConfig(env);
	} catch (e) {
		if (e instanceof ConfigError) {
			process.stderr.write(`upscale serve: ${e.message}\n`);
			return 2;
		}
		throw e;
	}
	const secrets = [...config.envKeys, config.envWebhookSecret ?? '', ...VENDOR_IDS.map((id) => config.providers[id]?.key ?? '')].filter(Boolean);
	const log = createLogger(config.logLevel, secrets);
	// One embedded server per data directory; the instances of a fleet (REDIS_URL) share theirs and hold no job state.
	let unlock: () => void = () => undefined;
	try {
		if (config.redisUrl) ensureDataDir(config.dataDir, SERVER_DIR.setting);
		else unlock = lockDataDir(config.dataDir);
	} catch (e) {
		process.stderr.write(`upscale serve: ${(e as Error).message}\n`);
		return 2;
	}
	const ctx = createContext(config, log);
	if (!ctx.clients.any()) {
		process.stderr.write(`upscale serve: no client key can call this server: run \`upscale keys create\` (UPSCALE_DATA_DIR=${config.dataDir}) or set UPSCALE_API_KEYS.\n`);
		unlock();
		return 2;
	}
	const app = await buildApp(ctx, version());
	// The perimeter as declared: what answers without a key, and what needs one (the perimeter's tests read this line).
	const routes = app.declaredRoutes();
	log.debug('routes', { public: routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`), keyed: routes.filter((r) => !r.public).map((r) => `${r.method} ${r.url}`) });
	try {
		await app.listen({ port: config.port, host: config.host });
	} catch (e) {
		const at = config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
		process.stderr.write(`upscale serve: cannot listen on ${at}: ${listenProblem(e, { host: 'HOST', port: 'PORT' })}.\n`);
		unlock();
		return 2;
	}
	const address = app.server.address();
	const port = typeof address === 'object' && address ? address.port : config.port;
	const host = config.host.includes(':') ? `[${config.host}]` : config.host;
	ctx.baseUrl = config.publicUrl ?? `http://${host}:${port}`;
	if (!config.publicUrl && /^(0\.0\.0\.0|::|\[::\])$/.test(config.host)) {
		process.stderr.write(`upscale serve: UPSCALE_PUBLIC_URL is not set, so result links say ${ctx.baseUrl}: set it to the URL clients reach this server at.\n`);
	}
	const recovered = await ctx.runner.recover();
	ctx.webhooks?.start();
	const stopSweeper = startSweeper(ctx);
	log.info('listening', { url: `http://${host}:${port}`, providers: ctx.providers.offered, dataDir: config.dataDir, ...recovered });
	process.stderr.write(
		`upscale serve: listening on http://${host}:${port} (page: /, API docs: /docs, providers: ${ctx.providers.offered.join(', ')}${ctx.config.redisUrl ? `; one of a fleet: jobs on Redis at ${redisWhere(ctx.config.redisUrl)}, run by \`upscale worker\` processes` : ''})\n`,
	);

	return new Promise<number>((resolve) => {
		const stop = (signal: string) => async () => {
			if (ctx.stopping) return;
			ctx.stopping = true;
			log.info('stopping', { signal });
			stopSweeper();
			await ctx.runner.stop();
			await app.close().catch(() => undefined);
			await ctx.webhooks?.stop();
			await ctx.providers.close().catch(() => undefined);
			ctx.keys.close();
			ctx.db?.close();
			unlock();
			resolve(0);
		};
		process.once('SIGTERM', stop('SIGTERM'));
		process.once('SIGINT', stop('SIGINT'));
	});
}

if (require.main === module) {
	serve().then(
		(code) => process.exit(code),
		(e) => {
			process.stderr.write(`upscale serve: ${(e as Error).message}\n`);
			process.exit(1);
		},
	);
}
