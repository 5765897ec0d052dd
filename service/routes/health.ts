/** GET /healthz (the process answers), GET /readyz (database, data directory and client keys usable), GET /metrics. */
import { accessSync, constants } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context';
import { PUBLIC_ROUTE } from '../perimeter';
import { ApiError } from '../problem';

/** Load balancers and Prometheus call these without a key (they tell nothing about any client's jobs). */
export function health(app: FastifyInstance, ctx: ServiceContext): void {
	app.get('/healthz', PUBLIC_ROUTE, async () => ({ status: 'ok' }));

	app.get('/readyz', PUBLIC_ROUTE, async () => {
		const problems: string[] = [];
		if (ctx.stopping) problems.push('the server is stopping');
		try {
			await ctx.jobs.ping();
		} catch (e) {
			problems.push(`the database does not answer: ${(e as Error).message}`);
		}
		try {
			accessSync(ctx.files.results, constants.W_OK);
		} catch {
			problems.push(`the data directory ${ctx.config.dataDir} is not writable`);
		}
		if (!ctx.clients.any()) problems.push('no client key: run `upscale keys create` or set UPSCALE_API_KEYS');
		if (problems.length) throw new ApiError('NOT_READY', `Not ready: ${problems.join('; ')}.`);
		return { status: 'ready', providers: ctx.providers.offered, queue_depth: await ctx.runner.depth() };
	});

	app.get('/metrics', PUBLIC_ROUTE, async (_req, reply) => {
		reply.header('content-type', ctx.metrics.registry.contentType);
		return ctx.metrics.registry.metrics();
	});
}
