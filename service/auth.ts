/**
 * Who is calling: `Authorization: Bearer <key>`, a key made with `upscale keys create` (looked up by its hash) or one
 * of UPSCALE_API_KEYS. A client sees only its own jobs; its webhooks are signed with its own secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashKey, type KeyFile } from './keys/store';

export interface Client {
	id: string;
	/** The whsec_ secret its webhooks are signed with; undefined when none is set (env keys without UPSCALE_WEBHOOK_SECRET). */
	webhookSecret?: string;
}

export class Clients {
	private readonly env: Array<{ hash: Buffer; client: Client }>;

	constructor(
		private readonly keys: KeyFile,
		envKeys: string[],
		envWebhookSecret: string | undefined,
	) {
		this.env = envKeys.map((k) => {
			const hash = hashKey(k);
			return { hash: Buffer.from(hash, 'hex'), client: { id: `env_${hash.slice(0, 12)}`, webhookSecret: envWebhookSecret } };
		});
	}

	/** True when at least one key can call the API. */
	any(): boolean {
		return this.env.length > 0 || (this.keys.current()?.list().some((k) => !k.revokedAt) ?? false);
	}

	/** The client a bearer key belongs to, or undefined. */
	byKey(key: string): Client | undefined {
		const hash = hashKey(key);
		const h = Buffer.from(hash, 'hex');
		const env = this.env.find((e) => timingSafeEqual(e.hash, h));
		if (env) return env.client;
		const stored = this.keys.current()?.byHash(hash);
		return stored ? { id: stored.id, webhookSecret: stored.webhookSecret } : undefined;
	}

	/** The client by id, for signing a webhook long after the request (a revoked key's webhooks stop). */
	byId(id: string): Client | undefined {
		const env = this.env.find((e) => e.client.id === id);
		if (env) return env.client;
		const stored = this.keys.current()?.byId(id);
		return stored && !stored.revokedAt ? { id: stored.id, webhookSecret: stored.webhookSecret } : undefined;
	}
}

/** The key in an Authorization header, or undefined. */
export function bearerKey(header: string | undefined): string | undefined {
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	return m?.[1];
}
