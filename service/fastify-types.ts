/** What the service adds to Fastify's request: the calling client (set by the auth hook), and multipart parsing. */
import '@fastify/multipart';
import type { Client } from './auth';

declare module 'fastify' {
	interface FastifyRequest {
		client?: Client;
	}
}
