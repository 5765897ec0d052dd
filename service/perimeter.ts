/**
 * Who may call what, decided on the route the router matched — never on how the URL was spelled. Every route is
 * private unless it is declared public (`config: { public: true }`); a private route, and any request that matches
 * no route at all, needs a client key. The router decodes percent-escapes before matching, so a check on the raw
 * URL (`/v%31/credits`) could be walked around; this one cannot. A handler reads its caller with `clientOf(req)`,
 * which cannot return nothing: reaching a handler without a client is impossible by construction.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerKey, type Client, type Clients } from './auth';
import './fastify-types';
import { ApiError } from './problem';

declare module 'fastify' {
	interface FastifyContextConfig {
		/** Answers without a client key (the page, health checks, the API's documents). */
		public?: boolean;
	}
}

/** A route's options that make it public: `app.get(url, PUBLIC_ROUTE, handler)`. */
export const PUBLIC_ROUTE = { config: { public: true } };

/** One route as the server declares it, for the perimeter's own tests and the security page. */
export interface DeclaredRoute {
	method: string;
	url: string;
	public: boolean;
}

const MISSING_KEY = 'Send your client key as "Authorization: Bearer <key>" (made with `upscale keys create`).';
const UNKNOWN_KEY = 'This client key is not known to the server (or was revoked).';

/**
 * Installs the key check on every request and records every route as it is declared. Call before any route is
 * registered; `publicScope` marks every route a plugin registers inside it as public (the API docs' assets).
 */
export function guardRoutes(app: FastifyInstance, clients: Clients): () => DeclaredRoute[] {
	// The options as registered: a scope's own hooks (publicScope) run after this one and may still change them.
	const seen: Array<{ method: string | string[]; url: string; config?: { public?: boolean } }> = [];
	app.addHook('onRoute', (route) => void seen.push(route));
	app.addHook('onRequest', async (req) => {
		if (req.routeOptions.config?.public === true) return;
		const key = bearerKey(req.headers.authorization);
		if (!key) throw new ApiError('UNAUTHORIZED', MISSING_KEY);
		const client = clients.byKey(key);
		if (!client) throw new ApiError('UNAUTHORIZED', UNKNOWN_KEY);
		req.client = client;
	});
	return () => seen.flatMap((r) => [r.method].flat().map((method) => ({ method, url: r.url, public: r.config?.public === true })));
}

/** Registers `register`'s routes (a plugin's) as public. */
export async function publicScope(app: FastifyInstance, register: (scope: FastifyInstance) => Promise<void>): Promise<void> {
	await app.register(async (scope) => {
		scope.addHook('onRoute', (route) => {
			route.config = { ...route.config, public: true };
		});
		await register(scope);
	});
}

/** The client that called a private route (the key check set it before the handler ran). */
export function clientOf(req: FastifyRequest): Client {
	if (!req.client) throw new ApiError('UNAUTHORIZED', MISSING_KEY);
	return req.client;
}
