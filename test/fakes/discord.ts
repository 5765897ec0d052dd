/**
 * A local Discord for the bot's end-to-end tests: REST (/api/v10), the gateway (WebSocket, JSON, v10) and a CDN,
 * all on 127.0.0.1. Enough of each for discord.js 14: HELLO → IDENTIFY → READY, heartbeats, INTERACTION_CREATE,
 * interaction callbacks, webhook edits and follow-ups (multipart with payload_json), channel messages, command
 * registration. Strict where Discord is: bot routes need "Bot <token>", interaction tokens expire (50027),
 * a response must come within 3 s, and an interaction can be answered only once.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';

export interface DiscordFakeOptions {
	botToken: string;
	applicationId: string;
	botUserId?: string;
	/** How long an interaction token works (Discord: 15 minutes). */
	tokenLifetimeMs?: number;
	/** Discord's deadline for the first response (3 s). */
	initialResponseMs?: number;
	/** attachment_size_limit sent with interactions (Discord's default: 10 MiB). */
	attachmentSizeLimit?: number;
}

export interface RecordedFile {
	name: string;
	contentType: string;
	data: Buffer;
}

export interface Recorded {
	kind: 'callback' | 'edit' | 'followup' | 'channel-message' | 'commands';
	at: number;
	interactionId?: string;
	channelId?: string;
	body: any;
	files: RecordedFile[];
	status: number;
}

interface InteractionState {
	id: string;
	token: string;
	createdAt: number;
	responded: boolean;
	channelId: string;
}

let snowflake = BigInt(Date.now()) << 22n;
const nextId = () => String(++snowflake);

function json(res: ServerResponse, status: number, body: unknown) {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	return Buffer.concat(chunks);
}

/** A JSON or multipart (payload_json + files[n]) message body. */
async function readMessage(req: IncomingMessage): Promise<{ body: any; files: RecordedFile[] }> {
	const type = req.headers['content-type'] ?? '';
	if (!type.startsWith('multipart/form-data')) {
		const raw = await readAll(req);
		return { body: raw.length ? JSON.parse(raw.toString()) : {}, files: [] };
	}
	return new Promise((resolve, reject) => {
		const files: RecordedFile[] = [];
		let body: any = {};
		const bb = busboy({ headers: req.headers, limits: { fileSize: 100 * 1024 * 1024 } });
		bb.on('field', (name, value) => {
			if (name === 'payload_json') body = JSON.parse(value);
		});
		bb.on('file', (_name, stream, info) => {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('close', () => files.push({ name: info.filename ?? 'file', contentType: info.mimeType, data: Buffer.concat(chunks) }));
		});
		bb.on('close', () => resolve({ body, files }));
		bb.on('error', reject);
		req.pipe(bb);
	});
}

export class DiscordFake {
	url = '';
	readonly recorded: Recorded[] = [];
	readonly interactions = new Map<string, InteractionState>();
	readonly cdnFiles = new Map<string, { data: Buffer; contentType: string }>();
	commands: { global: unknown[]; guild: Record<string, unknown[]> } = { global: [], guild: {} };
	readonly cdnRequests: string[] = [];
	private server = http.createServer((req, res) => void this.route(req, res).catch((e) => json(res, 500, { message: String(e) })));
	private wss = new WebSocketServer({ noServer: true });
	private sockets = new Set<Socket>();
	private gateways = new Set<WebSocket>();
	private seq = 0;
	private waiters: Array<() => void> = [];
	identified = 0;

	constructor(readonly opts: DiscordFakeOptions) {
		this.server.on('upgrade', (req, socket, head) => {
			if (!req.url?.startsWith('/gateway')) return socket.destroy();
			this.wss.handleUpgrade(req, socket, head, (ws) => this.gateway(ws));
		});
		this.server.on('connection', (s) => {
			this.sockets.add(s);
			s.on('close', () => this.sockets.delete(s));
		});
	}

	get botUserId(): string {
		return this.opts.botUserId ?? '100000000000000001';
	}

	async start(): Promise<string> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this.url;
	}

	async stop(): Promise<void> {
		for (const ws of this.gateways) ws.terminate();
		for (const s of this.sockets) s.destroy();
		await new Promise<void>((r) => this.server.close(() => r()));
	}

	/** The REST base for discord.js: new Client({ rest: { api: fake.api } }). */
	get api(): string {
		return `${this.url}/api`;
	}

	/** Serves a file on the fake CDN; returns its URL. */
	addCdnFile(name: string, data: Buffer, contentType: string): string {
		const path = `/attachments/${nextId()}/${nextId()}/${encodeURIComponent(name)}`;
		this.cdnFiles.set(path, { data, contentType });
		return `${this.url}${path}`;
	}

	/** Resolves when something new is recorded that passes the test (or after timeoutMs, rejecting). */
	async waitFor(test: (r: Recorded[]) => boolean, timeoutMs = 20_000): Promise<Recorded[]> {
		const deadline = Date.now() + timeoutMs;
		while (!test(this.recorded)) {
			if (Date.now() > deadline) throw new Error(`DiscordFake.waitFor timed out; recorded: ${JSON.stringify(this.recorded.map((r) => ({ kind: r.kind, i: r.interactionId, c: r.body?.content ?? r.body?.data?.content, s: r.status })))}`);
			await new Promise<void>((r) => {
				this.waiters.push(r);
				setTimeout(r, 100);
			});
		}
		return this.recorded;
	}

	of(interactionId: string): Recorded[] {
		return this.recorded.filter((r) => r.interactionId === interactionId);
	}

	private record(r: Omit<Recorded, 'at'>): void {
		this.recorded.push({ ...r, at: Date.now() });
		const w = this.waiters.splice(0);
		w.forEach((f) => f());
	}

	/** Makes an interaction's token expire now (as if 15 minutes had passed). */
	expireToken(interactionId: string): void {
		const it = this.interactions.get(interactionId);
		if (it) it.createdAt = Date.now() - (this.opts.tokenLifetimeMs ?? 15 * 60_000) - 1;
	}

	// ---- the gateway

	private send(ws: WebSocket, payload: Record<string, unknown>): void {
		ws.send(JSON.stringify(payload));
	}

	private dispatch(t: string, d: unknown): void {
		for (const ws of this.gateways) this.send(ws, { op: 0, t, s: ++this.seq, d });
	}

	private gateway(ws: WebSocket): void {
		this.send(ws, { op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null });
		ws.on('message', (raw) => {
			const msg = JSON.parse(String(raw));
			if (msg.op === 1) return this.send(ws, { op: 11, d: null, s: null, t: null });
			if (msg.op === 2) {
				if (msg.d?.token !== this.opts.botToken && msg.d?.token !== `Bot ${this.opts.botToken}`) return ws.close(4004, 'Authentication failed.');
				this.identified++;
				this.gateways.add(ws);
				ws.on('close', () => this.gateways.delete(ws));
				this.send(ws, {
					op: 0,
					t: 'READY',
					s: ++this.seq,
					d: {
						v: 10,
						user: { id: this.botUserId, username: 'upscaler', discriminator: '0', global_name: 'Upscaler', avatar: null, bot: true, flags: 0 },
						guilds: [],
						session_id: randomUUID(),
						resume_gateway_url: `ws://127.0.0.1:${new URL(this.url).port}/gateway`,
						application: { id: this.opts.applicationId, flags: 0 },
						shard: [0, 1],
					},
				});
			}
		});
	}

	/** Sends an INTERACTION_CREATE for a slash command, as Discord builds it. Returns the interaction id. */
	slash(o: {
		command: string;
		options?: Array<{ name: string; type: number; value: unknown }>;
		attachment?: { filename: string; contentType?: string; size: number; width?: number; height?: number; url: string };
		userId?: string;
		username?: string;
		guildId?: string;
		channelId?: string;
		permissions?: string;
		attachmentSizeLimit?: number;
	}): string {
		const id = nextId();
		const token = `itoken-${randomUUID()}`;
		const guildId = o.guildId ?? '200000000000000001';
		const channelId = o.channelId ?? '300000000000000001';
		const userId = o.userId ?? '400000000000000001';
		this.interactions.set(id, { id, token, createdAt: Date.now(), responded: false, channelId });
		const options = [...(o.options ?? [])];
		const resolved: Record<string, unknown> = {};
		if (o.attachment) {
			const attId = nextId();
			options.unshift({ name: 'image', type: 11, value: attId });
			resolved.attachments = {
				[attId]: {
					id: attId,
					filename: o.attachment.filename,
					size: o.attachment.size,
					url: o.attachment.url,
					proxy_url: o.attachment.url,
					content_type: o.attachment.contentType,
					width: o.attachment.width,
					height: o.attachment.height,
					ephemeral: true,
				},
			};
		}
		const user = { id: userId, username: o.username ?? `user${userId.slice(-3)}`, discriminator: '0', global_name: null, avatar: null };
		this.dispatch('INTERACTION_CREATE', {
			id,
			application_id: this.opts.applicationId,
			type: 2,
			data: { id: nextId(), name: o.command, type: 1, options, resolved },
			guild_id: guildId,
			channel_id: channelId,
			channel: { id: channelId, type: 0, guild_id: guildId, name: 'general' },
			member: { user, roles: [], permissions: o.permissions ?? '0', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
			token,
			version: 1,
			app_permissions: '2147483647',
			locale: 'en-US',
			guild_locale: 'en-US',
			entitlements: [],
			authorizing_integration_owners: { '0': guildId },
			context: 0,
			attachment_size_limit: o.attachmentSizeLimit ?? this.opts.attachmentSizeLimit ?? 10 * 1024 * 1024,
		});
		return id;
	}

	// ---- REST

	private botAuthorized(req: IncomingMessage): boolean {
		return req.headers.authorization === `Bot ${this.opts.botToken}`;
	}

	private byToken(token: string): InteractionState | undefined {
		for (const it of this.interactions.values()) if (it.token === token) return it;
		return undefined;
	}

	private message(channelId: string, body: any, files: RecordedFile[]) {
		return {
			id: nextId(),
			channel_id: channelId,
			type: 0,
			content: body.content ?? '',
			author: { id: this.botUserId, username: 'upscaler', discriminator: '0', bot: true, avatar: null },
			attachments: files.map((f, i) => ({ id: nextId(), filename: f.name, size: f.data.length, url: `${this.url}/attachments/out/${i}/${f.name}`, proxy_url: '', content_type: f.contentType })),
			embeds: body.embeds ?? [],
			mentions: [],
			mention_roles: [],
			pinned: false,
			mention_everyone: false,
			tts: false,
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			flags: body.flags ?? 0,
			components: [],
		};
	}

	private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		if (process.env.DISCORD_FAKE_DEBUG) console.error("fake", req.method, req.url, req.headers.authorization);
		const url = new URL(req.url ?? '/', this.url);
		const p = url.pathname;
		if (req.method === 'GET' && this.cdnFiles.has(p)) {
			this.cdnRequests.push(p);
			const f = this.cdnFiles.get(p)!;
			res.writeHead(200, { 'content-type': f.contentType, 'content-length': f.data.length });
			return void res.end(f.data);
		}
		const m = (re: RegExp) => re.exec(p);
		let g: RegExpExecArray | null;
		if (req.method === 'GET' && p === '/api/v10/gateway/bot') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			return json(res, 200, { url: `ws://127.0.0.1:${new URL(this.url).port}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
		}
		if ((g = m(/^\/api\/v10\/interactions\/(\d+)\/([^/]+)\/callback$/)) && req.method === 'POST') {
			const it = this.interactions.get(g[1]);
			const { body, files } = await readMessage(req);
			if (!it || it.token !== g[2]) return json(res, 404, { message: 'Unknown interaction', code: 10062 });
			const late = Date.now() - it.createdAt > (this.opts.initialResponseMs ?? 3000);
			const status = it.responded ? 400 : late ? 404 : 204;
			this.record({ kind: 'callback', interactionId: it.id, body, files, status });
			if (it.responded) return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
			if (late) return json(res, 404, { message: 'Unknown interaction', code: 10062 });
			it.responded = true;
			if (url.searchParams.get('with_response') === 'true') {
				return json(res, 200, { interaction: { id: it.id, type: 2, response_message_id: nextId(), response_message_loading: body.type === 5, response_message_ephemeral: !!((body.data?.flags ?? 0) & 64) }, resource: body.type === 4 ? { type: 4, message: this.message(it.channelId, body.data ?? {}, files) } : undefined });
			}
			res.writeHead(204);
			return void res.end();
		}
		if ((g = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)(\/messages\/(%40original|@original))?$/))) {
			const it = this.byToken(g[2]);
			const { body, files } = req.method === 'GET' ? { body: {}, files: [] } : await readMessage(req);
			const kind = g[3] ? 'edit' : 'followup';
			const expired = !it || Date.now() - it.createdAt > (this.opts.tokenLifetimeMs ?? 15 * 60_000);
			this.record({ kind, interactionId: it?.id, body, files, status: expired ? 401 : 200 });
			if (g[1] !== this.opts.applicationId || expired) return json(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
			return json(res, 200, this.message(it!.channelId, body, files));
		}
		if ((g = m(/^\/api\/v10\/channels\/(\d+)$/)) && req.method === 'GET') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			return json(res, 200, { id: g[1], type: 0, guild_id: '200000000000000001', name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null, last_message_id: null, rate_limit_per_user: 0, topic: null, flags: 0 });
		}
		if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages$/)) && req.method === 'POST') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const { body, files } = await readMessage(req);
			this.record({ kind: 'channel-message', channelId: g[1], body, files, status: 200 });
			return json(res, 200, this.message(g[1], body, files));
		}
		if ((g = m(/^\/api\/v10\/applications\/(\d+)(\/guilds\/(\d+))?\/commands$/)) && req.method === 'PUT') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const body = JSON.parse((await readAll(req)).toString());
			if (g[1] !== this.opts.applicationId) return json(res, 403, { message: 'Missing Access', code: 50001 });
			const saved = (body as any[]).map((c) => ({ id: nextId(), application_id: g![1], version: nextId(), ...c }));
			if (g[3]) this.commands.guild[g[3]] = saved;
			else this.commands.global = saved;
			this.record({ kind: 'commands', body, files: [], status: 200 });
			return json(res, 200, saved);
		}
		json(res, 404, { message: '404: Not Found', code: 0 });
	}
}
