/**
 * A local Discord for the bot's end-to-end tests: REST (/api/v10), the gateway (WebSocket, JSON, v10) and a CDN,
 * all on 127.0.0.1. Enough of each for discord.js 14: HELLO → IDENTIFY → READY, heartbeats, INTERACTION_CREATE,
 * interaction callbacks, webhook edits and follow-ups (multipart with payload_json), channel messages, DMs (open a
 * DM channel, post to it), command registration. Strict where Discord is: bot routes need "Bot <token>",
 * interaction tokens expire (50027), a response must come within 3 s, an interaction can be answered only once,
 * a channel the bot may not post in answers 403 Missing Permissions (50013), a user who does not take DMs from
 * the bot 403 (50007), and a file over the upload limit 413 (40005): the bot's own limit for messages it posts
 * with its token, the interaction's attachment_size_limit for its webhook.
 * Also: message context-menu commands (type 2, data.type 3, the target in data.resolved.messages) and component
 * interactions (type 3: a button click or a select choice on a message the bot sent), each with the user's locale and
 * who installed the app (authorizing_integration_owners, context); the components a message may carry are checked
 * as Discord documents them (50035 Invalid Form Body); the bot can fetch a channel's message (fresh attachment URLs;
 * 10008 Unknown Message, 50001 Missing Access where the bot is not) and delete its own (others' need Manage Messages).
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';

/** Discord's upload limit for a server's boost tier 0-3 (bytes). */
const TIER_LIMITS = [10 * 1024 * 1024, 10 * 1024 * 1024, 50 * 1024 * 1024, 100 * 1024 * 1024];

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
	/**
	 * The bot's own upload limit for messages it posts with its token, in channels and DMs (10 MiB: a server without
	 * boosts). Not the interaction's attachment_size_limit, which counts the user's Nitro. Can be changed between tests.
	 */
	botUploadLimit?: number;
}

export interface RecordedFile {
	name: string;
	contentType: string;
	data: Buffer;
}

export interface Recorded {
	kind: 'callback' | 'edit' | 'followup' | 'channel-message' | 'dm-message' | 'commands' | 'delete';
	at: number;
	interactionId?: string;
	channelId?: string;
	/** A 'dm-message': the DM's recipient. */
	userId?: string;
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
	attachmentSizeLimit: number;
	/** bot-fit: where it was used (null: a DM or private channel), for the bot's own upload limit there. */
	guildId?: string | null;
	/** The message the first response made (a reply, or the deferred reply's placeholder), once there is one. */
	originalMessageId?: string;
	/** A component interaction: the message its component sits on (an UPDATE_MESSAGE response edits it). */
	componentMessageId?: string;
	/** Who made it (a response's interaction_metadata names them). */
	userId?: string;
}

/** An attachment as a test posts it in a user's message (its URL usually from addCdnFile). */
export interface FakeAttachment {
	filename: string;
	contentType?: string;
	size: number;
	width?: number;
	height?: number;
	url: string;
}

/** Who an interaction comes from and where (the parts every interaction shares). */
export interface InteractionWhere {
	userId?: string;
	username?: string;
	/** null: a DM or a private channel (no member, only a user). */
	guildId?: string | null;
	channelId?: string;
	/** The member's permissions in the channel, a bitfield as a string. */
	permissions?: string;
	/** The member's role ids (a server only). */
	roles?: string[];
	attachmentSizeLimit?: number;
	/** The user's client language (Discord's locale: en-US, de, es-ES…). */
	locale?: string;
	guildLocale?: string;
	/** Who installed the app for this interaction: { '0': guild id } for a server install, { '1': user id } for the user's own. */
	owners?: Record<string, string>;
	/** 0 a server, 1 the bot's DM, 2 a private channel (DMs and group DMs of a user-installed app). */
	context?: 0 | 1 | 2;
}

/** The components a message may carry, as Discord checks them (legacy action rows, no Components V2): the problems found. */
export function componentProblems(components: unknown): string[] {
	if (components === undefined || components === null) return [];
	if (!Array.isArray(components)) return ['components: must be an array'];
	const problems: string[] = [];
	if (components.length > 5) problems.push('components: at most 5 action rows');
	const ids = new Set<string>();
	const customId = (where: string, id: unknown) => {
		if (typeof id !== 'string' || id.length < 1 || id.length > 100) return problems.push(`${where}.custom_id: 1 to 100 characters`);
		if (ids.has(id)) problems.push(`${where}.custom_id: "${id}" is not unique in the message`);
		ids.add(id);
	};
	components.forEach((row: any, r: number) => {
		const at = `components[${r}]`;
		if (row?.type !== 1) return void problems.push(`${at}: a top-level component must be an action row (type 1)`);
		const inner: any[] = Array.isArray(row.components) ? row.components : [];
		if (inner.length < 1 || inner.length > 5) problems.push(`${at}.components: 1 to 5 components`);
		const selects = inner.filter((c) => c?.type >= 3 && c?.type <= 8 && c?.type !== 4);
		if (selects.length && inner.length > 1) problems.push(`${at}: a select menu fills its action row alone`);
		inner.forEach((c, n) => {
			const where = `${at}.components[${n}]`;
			if (c?.type === 2) {
				if (c.style === 5) {
					if (typeof c.url !== 'string' || !c.url) problems.push(`${where}.url: a link button needs a url`);
					if (c.custom_id !== undefined) problems.push(`${where}.custom_id: a link button has none`);
				} else if (c.style >= 1 && c.style <= 4) customId(where, c.custom_id);
				else problems.push(`${where}.style: 1 to 5`);
				if (c.label === undefined && c.emoji === undefined) problems.push(`${where}: a button needs a label or an emoji`);
				if (typeof c.label === 'string' && c.label.length > 80) problems.push(`${where}.label: at most 80 characters`);
			} else if (c?.type === 3) {
				customId(where, c.custom_id);
				const options: any[] = Array.isArray(c.options) ? c.options : [];
				if (options.length < 1 || options.length > 25) problems.push(`${where}.options: 1 to 25 options`);
				const values = new Set<string>();
				options.forEach((o, k) => {
					if (typeof o?.label !== 'string' || o.label.length < 1 || o.label.length > 100) problems.push(`${where}.options[${k}].label: 1 to 100 characters`);
					if (typeof o?.value !== 'string' || o.value.length < 1 || o.value.length > 100) problems.push(`${where}.options[${k}].value: 1 to 100 characters`);
					else if (values.has(o.value)) problems.push(`${where}.options[${k}].value: not unique`);
					else values.add(o.value);
				});
				if (typeof c.placeholder === 'string' && c.placeholder.length > 150) problems.push(`${where}.placeholder: at most 150 characters`);
				const min = c.min_values ?? 1;
				const max = c.max_values ?? 1;
				if (min < 0 || min > 25 || max < 1 || max > 25 || min > max) problems.push(`${where}: min_values 0 to 25, max_values 1 to 25, min ≤ max`);
			} else if (c?.type >= 5 && c?.type <= 8) customId(where, c.custom_id);
			else problems.push(`${where}.type: a button (2) or a select menu (3, 5-8) in an action row`);
		});
	});
	return problems;
}

/** Discord's locales (the keys a *_localizations map may have). */
const LOCALES = new Set(['id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR', 'ro', 'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko']);
/** A slash command's or an option's name (lowercase where the script has case). */
const CHAT_NAME = /^[-_\p{Ll}\p{Lm}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** What Discord refuses in a command registration (names, descriptions, localizations, contexts): the problems found. */
export function commandProblems(commands: unknown): string[] {
	if (!Array.isArray(commands)) return ['body: must be an array'];
	const problems: string[] = [];
	const localized = (where: string, map: unknown, check: (v: string) => boolean) => {
		if (map === undefined || map === null) return;
		for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
			if (!LOCALES.has(k)) problems.push(`${where}.${k}: not a Discord locale`);
			else if (typeof v !== 'string' || !check(v)) problems.push(`${where}.${k}: invalid`);
		}
	};
	const chat = (where: string, x: any) => {
		if (typeof x.name !== 'string' || !CHAT_NAME.test(x.name)) problems.push(`${where}.name: 1 to 32 lowercase letters, digits, - or _`);
		if (typeof x.description !== 'string' || x.description.length < 1 || x.description.length > 100) problems.push(`${where}.description: 1 to 100 characters`);
		localized(`${where}.name_localizations`, x.name_localizations, (v) => CHAT_NAME.test(v));
		localized(`${where}.description_localizations`, x.description_localizations, (v) => v.length >= 1 && v.length <= 100);
		for (const [n, c] of (x.choices ?? []).entries()) localized(`${where}.choices[${n}].name_localizations`, c.name_localizations, (v) => v.length >= 1 && v.length <= 100);
	};
	commands.forEach((c: any, n: number) => {
		const where = `[${n}]`;
		const type = c.type ?? 1;
		if (type === 1) {
			chat(where, c);
			(c.options ?? []).forEach((o: any, k: number) => chat(`${where}.options[${k}]`, o));
		} else if (type === 2 || type === 3) {
			if (typeof c.name !== 'string' || c.name.length < 1 || c.name.length > 32) problems.push(`${where}.name: 1 to 32 characters`);
			if (c.description !== undefined && c.description !== '') problems.push(`${where}.description: a context-menu command has none`);
			if (c.options?.length) problems.push(`${where}.options: a context-menu command has none`);
			localized(`${where}.name_localizations`, c.name_localizations, (v) => v.length >= 1 && v.length <= 32);
		} else problems.push(`${where}.type: 1, 2 or 3`);
		for (const x of c.integration_types ?? []) if (x !== 0 && x !== 1) problems.push(`${where}.integration_types: 0 or 1`);
		for (const x of c.contexts ?? []) if (x !== 0 && x !== 1 && x !== 2) problems.push(`${where}.contexts: 0, 1 or 2`);
	});
	const names = commands.map((c: any) => `${c.type ?? 1}:${c.name}`);
	if (new Set(names).size !== names.length) problems.push('body: two commands of one type with one name');
	return problems;
}

/** The answer to a body with components Discord would refuse. */
const invalidForm = (problems: string[]) => ({ message: 'Invalid Form Body', code: 50035, errors: { components: { _errors: problems.map((message) => ({ code: 'COMPONENT_INVALID', message })) } } });

/** A stored message: what GET returns, and where a component interaction's `message` comes from. */
interface StoredMessage {
	json: any;
	/** Only the user who made the interaction sees it. */
	ephemeral: boolean;
}

interface FakeUser {
	id: string;
	username: string;
	discriminator: string;
	global_name: string | null;
	avatar: string | null;
}

let snowflake = BigInt(Date.now()) << 22n;
const nextId = () => String(++snowflake);

const MIB = 1024 * 1024;
const filesBytes = (files: RecordedFile[]) => files.reduce((n, f) => n + f.data.length, 0);

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
	/** Users the fake has seen (in interactions), for DM channels' recipients. */
	private readonly users = new Map<string, FakeUser>();
	/** user id → their DM channel's id (one per user, as on Discord), and back. */
	private readonly dmOf = new Map<string, string>();
	private readonly dmUser = new Map<string, string>();
	private readonly deniedChannels = new Set<string>();
	private readonly dmRefused = new Set<string>();
	private readonly initialBotUploadLimit: number | undefined;
	/** Every message the fake knows: users' (postMessage) and the bot's (replies, follow-ups, channel messages, DMs). */
	readonly messages = new Map<string, StoredMessage>();
	/** Channels the bot is not in (a server that only has the app installed by a user): reading them is 50001. */
	private readonly hiddenChannels = new Set<string>();
	/** bot-fit: servers' boost tiers (premium_tier), sent in GUILD_CREATE; a channel's bot upload limit follows its server's. */
	private readonly boosts = new Map<string, number>();

	constructor(readonly opts: DiscordFakeOptions) {
		this.initialBotUploadLimit = opts.botUploadLimit;
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
			if (Date.now() > deadline) throw new Error(`DiscordFake.waitFor timed out; recorded: ${JSON.stringify(this.recorded.map((r) => ({ kind: r.kind, i: r.interactionId, ch: r.channelId, c: r.body?.content ?? r.body?.data?.content, f: r.files.length || undefined, s: r.status })))}`);
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

	/** The bot may not post in this channel: its messages there answer 403 Missing Permissions (50013). */
	denyChannel(channelId: string): void {
		this.deniedChannels.add(channelId);
	}

	/** Undoes denyChannel. */
	allowChannel(channelId: string): void {
		this.deniedChannels.delete(channelId);
	}

	/** This user does not take DMs from the bot (privacy settings, blocked it, no shared server): 403 (50007). */
	refuseDms(userId: string): void {
		this.dmRefused.add(userId);
	}

	/** Undoes refuseDms. */
	acceptDms(userId: string): void {
		this.dmRefused.delete(userId);
	}

	/** The user's DM channel id (the same every time), made on first use. */
	dmChannelOf(userId: string): string {
		let id = this.dmOf.get(userId);
		if (!id) {
			id = nextId();
			this.dmOf.set(userId, id);
			this.dmUser.set(id, userId);
		}
		return id;
	}

	/** The bot is not in this channel (only a user installed the app there): reading its messages is 403 Missing Access. */
	hideChannel(channelId: string): void {
		this.hiddenChannels.add(channelId);
	}

	/** A message a user posts (e.g. with images to right-click); returns its id. */
	postMessage(o: { channelId?: string; guildId?: string | null; authorId?: string; content?: string; attachments?: FakeAttachment[] }): string {
		const id = nextId();
		const authorId = o.authorId ?? '400000000000000009';
		const guildId = o.guildId === undefined ? '200000000000000001' : o.guildId;
		const json = {
			...this.message(o.channelId ?? '300000000000000001', { content: o.content ?? '' }, []),
			id,
			author: { ...this.user(authorId), bot: false },
			attachments: (o.attachments ?? []).map((a) => ({ id: nextId(), filename: a.filename, size: a.size, url: a.url, proxy_url: a.url, content_type: a.contentType, width: a.width, height: a.height })),
			...(guildId ? { guild_id: guildId } : {}),
		};
		this.messages.set(id, { json, ephemeral: false });
		return id;
	}

	/** A message the fake knows (the bot's or a user's), as Discord would return it. */
	messageOf(id: string): any {
		return this.messages.get(id)?.json;
	}

	/** The message an interaction's first response made (its reply, edited since), once there is one. */
	replyOf(interactionId: string): any {
		const m = this.interactions.get(interactionId)?.originalMessageId;
		return m ? this.messageOf(m) : undefined;
	}

	/** Every channel allowed and every user's DMs open again, botUploadLimit back to the constructor's. */
	resetPolicies(): void {
		this.hiddenChannels.clear();
		this.deniedChannels.clear();
		this.dmRefused.clear();
		this.opts.botUploadLimit = this.initialBotUploadLimit;
		this.boosts.clear();
	}

	/** bot-fit: a server's boost tier (0-3), told to connected bots by GUILD_CREATE and to later ones after READY. */
	boostGuild(guildId: string, tier: number): void {
		this.boosts.set(guildId, tier);
		this.dispatch('GUILD_CREATE', this.guildPayload(guildId));
	}

	private guildPayload(id: string): Record<string, unknown> {
		const tier = this.boosts.get(id) ?? 0;
		return { id, name: 'server', icon: null, owner_id: '400000000000000099', afk_timeout: 300, verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0, roles: [], emojis: [], stickers: [], features: [], mfa_level: 0, premium_tier: tier, premium_subscription_count: [0, 2, 7, 14][tier] ?? 0, preferred_locale: 'en-US', nsfw_level: 0, joined_at: new Date(0).toISOString(), large: false, unavailable: false, member_count: 2, channels: [], threads: [], members: [], voice_states: [], presences: [], stage_instances: [], guild_scheduled_events: [] };
	}

	private user(userId: string): FakeUser {
		return this.users.get(userId) ?? { id: userId, username: `user${userId.slice(-3)}`, discriminator: '0', global_name: null, avatar: null };
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
						guilds: [...this.boosts.keys()].map((id) => ({ id, unavailable: true })),
						session_id: randomUUID(),
						resume_gateway_url: `ws://127.0.0.1:${new URL(this.url).port}/gateway`,
						application: { id: this.opts.applicationId, flags: 0 },
						shard: [0, 1],
					},
				});
				for (const id of this.boosts.keys()) this.send(ws, { op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guildPayload(id) });
			}
		});
	}

	/** Sends an INTERACTION_CREATE for a slash command, as Discord builds it. Returns the interaction id. */
	slash(o: InteractionWhere & {
		command: string;
		options?: Array<{ name: string; type: number; value: unknown }>;
		attachment?: FakeAttachment;
	}): string {
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
		return this.interact(o, { type: 2, data: { id: nextId(), name: o.command, type: 1, options, resolved } });
	}

	/** Right-click → Apps → `command` on a message the fake knows (postMessage): a message command (data.type 3). */
	messageCommand(o: InteractionWhere & { command: string; targetId: string }): string {
		const target = this.messages.get(o.targetId);
		if (!target) throw new Error(`DiscordFake.messageCommand: no message ${o.targetId}`);
		return this.interact(o, { type: 2, data: { id: nextId(), name: o.command, type: 3, target_id: o.targetId, resolved: { messages: { [o.targetId]: target.json } } } });
	}

	/**
	 * Clicks a button (or picks `values` in a select menu) on a message: the component must be on it, as in a client
	 * (a test cannot click what the bot did not send). Returns the interaction id.
	 */
	click(o: InteractionWhere & { messageId: string; customId: string; values?: string[] }): string {
		const m = this.messages.get(o.messageId);
		if (!m) throw new Error(`DiscordFake.click: no message ${o.messageId}`);
		const c = (m.json.components ?? []).flatMap((row: any) => row.components ?? []).find((x: any) => x.custom_id === o.customId);
		if (!c) throw new Error(`DiscordFake.click: message ${o.messageId} has no component ${o.customId}`);
		if (c.disabled) throw new Error(`DiscordFake.click: ${o.customId} is disabled`);
		if (c.type === 3) {
			const allowed = new Set((c.options ?? []).map((x: any) => x.value));
			const n = o.values?.length ?? 0;
			if (n < (c.min_values ?? 1) || n > (c.max_values ?? 1) || !o.values!.every((v) => allowed.has(v))) throw new Error(`DiscordFake.click: ${JSON.stringify(o.values)} is not a choice of ${o.customId}`);
		}
		const data = c.type === 2 ? { custom_id: o.customId, component_type: 2 } : { custom_id: o.customId, component_type: c.type, values: o.values };
		return this.interact({ channelId: m.json.channel_id, ...o }, { type: 3, data, message: m.json }, o.messageId);
	}

	/** Sends an INTERACTION_CREATE as Discord builds it (who, where, locale, installs) around `body`. */
	private interact(o: InteractionWhere, body: { type: number; data: unknown; message?: unknown }, componentMessageId?: string): string {
		const id = nextId();
		const token = `itoken-${randomUUID()}`;
		const guildId = o.guildId === undefined ? '200000000000000001' : o.guildId;
		const channelId = o.channelId ?? '300000000000000001';
		const userId = o.userId ?? '400000000000000001';
		const attachmentSizeLimit = o.attachmentSizeLimit ?? this.opts.attachmentSizeLimit ?? 10 * MIB;
		this.interactions.set(id, { id, token, createdAt: Date.now(), responded: false, channelId, attachmentSizeLimit, guildId, componentMessageId, userId });
		const user: FakeUser = { id: userId, username: o.username ?? `user${userId.slice(-3)}`, discriminator: '0', global_name: null, avatar: null };
		this.users.set(userId, user);
		const where = guildId
			? {
					guild_id: guildId,
					channel: { id: channelId, type: 0, guild_id: guildId, name: 'general' },
					member: { user, roles: o.roles ?? [], permissions: o.permissions ?? '0', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
					guild_locale: o.guildLocale ?? 'en-US',
				}
			: { channel: { id: channelId, type: o.context === 2 ? 3 : 1, recipients: [user] }, user };
		this.dispatch('INTERACTION_CREATE', {
			id,
			application_id: this.opts.applicationId,
			...body,
			...where,
			channel_id: channelId,
			token,
			version: 1,
			app_permissions: '2147483647',
			locale: o.locale ?? 'en-US',
			entitlements: [],
			authorizing_integration_owners: o.owners ?? (guildId ? { '0': guildId } : { '1': userId }),
			context: o.context ?? (guildId ? 0 : 1),
			attachment_size_limit: attachmentSizeLimit,
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

	/** The users a message's text mentions (<@id>), as Discord lists them in `mentions`. */
	private mentionsOf(content: string | undefined): FakeUser[] {
		return [...new Set([...(content ?? '').matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1]))].map((id) => this.user(id));
	}

	/** A message as Discord stores it; `it`: the interaction it answers (its interaction_metadata, set by Discord). */
	private message(channelId: string, body: any, files: RecordedFile[], it?: InteractionState) {
		return {
			...(it ? { interaction_metadata: { id: it.id, type: it.componentMessageId ? 3 : 2, user: this.user(it.userId ?? '0'), authorizing_integration_owners: {} } } : {}),
			id: nextId(),
			channel_id: channelId,
			type: 0,
			content: body.content ?? '',
			author: { id: this.botUserId, username: 'upscaler', discriminator: '0', bot: true, avatar: null },
			attachments: files.map((f, i) => ({ id: nextId(), filename: f.name, size: f.data.length, url: `${this.url}/attachments/out/${i}/${f.name}`, proxy_url: '', content_type: f.contentType })),
			embeds: body.embeds ?? [],
			mentions: this.mentionsOf(body.content),
			mention_roles: [],
			pinned: false,
			mention_everyone: false,
			tts: false,
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			flags: body.flags ?? 0,
			components: body.components ?? [],
		};
	}

	/** What an edit changes in a stored message (the fields it sends; new files replace the attachments). */
	private edited(body: any, files: RecordedFile[]): Record<string, unknown> {
		const next: Record<string, unknown> = {};
		for (const k of ['content', 'embeds', 'components', 'flags']) if (body[k] !== undefined) next[k] = body[k];
		if (body.content !== undefined) next.mentions = this.mentionsOf(body.content);
		if (files.length || body.attachments !== undefined) next.attachments = this.message('0', {}, files).attachments;
		return next;
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
			// UPDATE_MESSAGE (7) and DEFERRED_UPDATE_MESSAGE (6) answer a component only.
			const wrongType = (body.type === 6 || body.type === 7) && !it.componentMessageId;
			const problems = componentProblems(body.data?.components);
			const status = it.responded ? 400 : late ? 404 : wrongType || problems.length ? 400 : 204;
			this.record({ kind: 'callback', interactionId: it.id, body, files, status });
			if (it.responded) return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
			if (late) return json(res, 404, { message: 'Unknown interaction', code: 10062 });
			if (wrongType) return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 4, 5, 8, 9, 10, 12}.' }] } } });
			if (problems.length) return json(res, 400, invalidForm(problems));
			it.responded = true;
			const ephemeral = !!((body.data?.flags ?? 0) & 64);
			let message: any;
			if (body.type === 4 || body.type === 5) {
				message = this.message(it.channelId, body.type === 5 ? { ...body.data, content: '' } : (body.data ?? {}), files, it);
				this.messages.set(message.id, { json: message, ephemeral });
				it.originalMessageId = message.id;
			} else if (body.type === 7) {
				const stored = this.messages.get(it.componentMessageId!)!;
				stored.json = { ...stored.json, ...this.edited(body.data ?? {}, files), edited_timestamp: new Date().toISOString() };
				message = stored.json;
			}
			if (url.searchParams.get('with_response') === 'true') {
				return json(res, 200, { interaction: { id: it.id, type: it.componentMessageId ? 3 : 2, response_message_id: message?.id, response_message_loading: body.type === 5, response_message_ephemeral: ephemeral }, resource: body.type === 4 || body.type === 7 ? { type: body.type, message } : undefined });
			}
			res.writeHead(204);
			return void res.end();
		}
		if ((g = m(/^\/api\/v10\/webhooks\/(\d+)\/([^/]+)(\/messages\/(%40original|@original|\d+))?$/))) {
			const it = this.byToken(g[2]);
			const { body, files } = req.method === 'GET' || req.method === 'DELETE' ? { body: {}, files: [] } : await readMessage(req);
			const kind = req.method === 'DELETE' ? 'delete' : g[3] ? 'edit' : 'followup';
			const expired = !it || Date.now() - it.createdAt > (this.opts.tokenLifetimeMs ?? 15 * 60_000);
			const target = g[3] ? (/^\d+$/.test(g[4]) ? g[4] : (it?.originalMessageId ?? it?.componentMessageId)) : undefined;
			const unknown = !expired && !!g[3] && (!target || !this.messages.has(target));
			// Files a response carries stay under the interaction's limit and the bot's own there (its server's boost tier;
			// 10 MiB in DMs): the user's Nitro raises the first, never the bot's.
			const tooLarge = !expired && filesBytes(files) > Math.min(it!.attachmentSizeLimit, TIER_LIMITS[(it!.guildId && this.boosts.get(it!.guildId)) || 0]);
			const problems = componentProblems(body.components);
			const status = expired ? 401 : unknown ? 404 : tooLarge ? 413 : problems.length ? 400 : req.method === 'DELETE' ? 204 : 200;
			this.record({ kind, interactionId: it?.id, body, files, status });
			if (g[1] !== this.opts.applicationId || expired) return json(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
			if (unknown) return json(res, 404, { message: 'Unknown Message', code: 10008 });
			if (tooLarge) return json(res, 413, { message: 'Request entity too large', code: 40005 });
			if (problems.length) return json(res, 400, invalidForm(problems));
			if (req.method === 'DELETE') {
				this.messages.delete(target!);
				res.writeHead(204);
				return void res.end();
			}
			if (kind === 'edit' && req.method !== 'GET') {
				const stored = this.messages.get(target!)!;
				stored.json = { ...stored.json, ...this.edited(body, files), edited_timestamp: new Date().toISOString() };
				return json(res, 200, stored.json);
			}
			if (kind === 'edit') return json(res, 200, this.messages.get(target!)!.json);
			const message = this.message(it!.channelId, body, files, it);
			this.messages.set(message.id, { json: message, ephemeral: !!((body.flags ?? 0) & 64) });
			return json(res, 200, message);
		}
		if (p === '/api/v10/users/@me/channels' && req.method === 'POST') {
			// Opening a DM always works (whether the user takes the message is known only when it is posted).
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const raw = await readAll(req);
			let recipient: unknown;
			try {
				recipient = JSON.parse(raw.toString()).recipient_id;
			} catch {
				return json(res, 400, { message: '400: Bad Request', code: 0 });
			}
			if (typeof recipient !== 'string' || !/^\d{17,20}$/.test(recipient)) return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { recipient_id: { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }] } } });
			return json(res, 200, { id: this.dmChannelOf(recipient), type: 1, recipients: [this.user(recipient)], last_message_id: null, flags: 0 });
		}
		if ((g = m(/^\/api\/v10\/channels\/(\d+)$/)) && req.method === 'GET') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const dmUser = this.dmUser.get(g[1]);
			if (dmUser) return json(res, 200, { id: g[1], type: 1, recipients: [this.user(dmUser)], last_message_id: null, flags: 0 });
			return json(res, 200, { id: g[1], type: 0, guild_id: '200000000000000001', name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null, last_message_id: null, rate_limit_per_user: 0, topic: null, flags: 0 });
		}
		if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages$/)) && req.method === 'POST') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const { body, files } = await readMessage(req);
			const userId = this.dmUser.get(g[1]);
			const base = userId ? { kind: 'dm-message' as const, channelId: g[1], userId, body, files } : { kind: 'channel-message' as const, channelId: g[1], body, files };
			if (userId ? this.dmRefused.has(userId) : this.deniedChannels.has(g[1])) {
				this.record({ ...base, status: 403 });
				return json(res, 403, userId ? { message: 'Cannot send messages to this user', code: 50007 } : { message: 'Missing Permissions', code: 50013 });
			}
			// The bot's own limit: its server's boost tier in a channel (the fake's channels are all in its one server), 10 MiB in a DM.
			if (filesBytes(files) > (this.opts.botUploadLimit ?? (userId ? 10 * MIB : TIER_LIMITS[this.boosts.get('200000000000000001') ?? 0]))) {
				this.record({ ...base, status: 413 });
				return json(res, 413, { message: 'Request entity too large', code: 40005 });
			}
			const problems = componentProblems(body.components);
			if (problems.length) {
				this.record({ ...base, status: 400 });
				return json(res, 400, invalidForm(problems));
			}
			this.record({ ...base, status: 200 });
			const message = this.message(g[1], body, files);
			this.messages.set(message.id, { json: message, ephemeral: false });
			return json(res, 200, message);
		}
		if ((g = m(/^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/)) && (req.method === 'GET' || req.method === 'DELETE')) {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			if (this.hiddenChannels.has(g[1])) return json(res, 403, { message: 'Missing Access', code: 50001 });
			const stored = this.messages.get(g[2]);
			// Ephemeral messages cannot be fetched or deleted with the bot's token.
			if (!stored || stored.ephemeral || stored.json.channel_id !== g[1]) return json(res, 404, { message: 'Unknown Message', code: 10008 });
			if (req.method === 'GET') return json(res, 200, stored.json);
			if (stored.json.author?.id !== this.botUserId) {
				this.record({ kind: 'delete', channelId: g[1], body: { id: g[2] }, files: [], status: 403 });
				return json(res, 403, { message: 'Missing Permissions', code: 50013 });
			}
			this.messages.delete(g[2]);
			this.record({ kind: 'delete', channelId: g[1], body: { id: g[2] }, files: [], status: 204 });
			res.writeHead(204);
			return void res.end();
		}
		if ((g = m(/^\/api\/v10\/applications\/(\d+)(\/guilds\/(\d+))?\/commands$/)) && req.method === 'PUT') {
			if (!this.botAuthorized(req)) return json(res, 401, { message: '401: Unauthorized', code: 0 });
			const body = JSON.parse((await readAll(req)).toString());
			if (g[1] !== this.opts.applicationId) return json(res, 403, { message: 'Missing Access', code: 50001 });
			const problems = commandProblems(body);
			if (problems.length) {
				this.record({ kind: 'commands', body, files: [], status: 400 });
				return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { _errors: problems.map((message) => ({ code: 'INVALID', message })) } });
			}
			const saved = (body as any[]).map((c) => ({ id: nextId(), application_id: g![1], version: nextId(), ...c }));
			if (g[3]) this.commands.guild[g[3]] = saved;
			else this.commands.global = saved;
			this.record({ kind: 'commands', body, files: [], status: 200 });
			return json(res, 200, saved);
		}
		json(res, 404, { message: '404: Not Found', code: 0 });
	}
}
