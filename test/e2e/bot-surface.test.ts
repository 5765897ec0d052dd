/**
 * The bot's surface through the real discord.js client against the local Discord (test/fakes/discord.ts):
 *   a. every message in the user's language (German, Spanish; English for any other locale);
 *   b. Right-click → Apps → Upscale on a message: its one image at once, a menu for several (the choice works after
 *      a restart: the message is fetched again), a message without an image refused;
 *   c. user install: in a server that only the user installed the app in, public only where the member may use
 *      external apps; in the bot's DM;
 *   d. the local Discord's own strictness about components (what the bot's buttons and menus are held to).
 */
import { REST, Routes } from 'discord.js';
import { BOOLEAN, botWorld, cd, discord, env, finalOf, image, last, opt, TOKEN, withBot, withBotEnv } from '../helpers/bot';

botWorld();

const USE_EXTERNAL_APPS = String(1n << 50n);

const deferred = (id: string) => discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));
const first = (id: string) => discord.of(id).find((x) => x.kind === 'callback')!;

/** Refused at once: an ephemeral message (type 4), no deferral; its text. */
async function refusal(id: string): Promise<string> {
	await deferred(id);
	const c = first(id);
	expect({ type: c.body.type, ephemeral: (c.body.data?.flags ?? 0) & 64 }).toEqual({ type: 4, ephemeral: 64 });
	return c.body.data.content;
}

describe("a. the user's language", () => {
	it('German: a refusal, the progress and the result in German; the vendor name as it is', async () => {
		await withBot({}, async () => {
			const gif = image('a.gif', undefined, 320, 240, 'image/gif');
			expect(await refusal(discord.slash({ command: 'upscale', attachment: gif, locale: 'de' }))).toBe('Diese Datei ist `image/gif`. Schicke ein PNG-, JPEG- oder WebP-Bild.');
			cd.opts.taskDurationMs = 1500;
			const id = discord.slash({ command: 'upscale', attachment: image(), locale: 'de', options: [opt('strategy', 3, 'detailed')] });
			await finalOf(id);
			const texts: string[] = discord.of(id).map((c) => c.body.content).filter(Boolean);
			expect(texts.filter((t) => t.startsWith('⏳')).every((t) => /^⏳ (Warte auf einen freien Platz|Clipdrop: in der Warteschlange|Dein Bild wird|Das Ergebnis wird|Wird abgeschlossen|Hochskalieren mit)/.test(t))).toBe(true);
			expect(texts.some((t) => /^⏳ Clipdrop: in der Warteschlange, fertig <t:\d+:R> · vergangen \d+ s$/.test(t))).toBe(true);
			expect(texts.join('\n')).not.toMatch(/queued|elapsed|Waiting|Upscaled|Credits/);
			expect(last(id, 'edit').body.content).toBe('✅ Hochskaliert 320×240 → 640×480 mit Clipdrop. Verbrauchte Guthaben: 1 · verbleibend: 999');
		});
	});

	it('Spanish for es-ES and es-419; English for en-GB and a locale the bot has no table for', async () => {
		await withBot({}, async () => {
			const busy = (locale: string) => refusal(discord.slash({ command: 'upscale', attachment: image('x.txt', undefined, 1, 1, 'text/plain'), locale }));
			expect(await busy('es-ES')).toBe('Ese archivo es `text/plain`. Envía una imagen PNG, JPEG o WebP.');
			expect(await busy('es-419')).toBe('Ese archivo es `text/plain`. Envía una imagen PNG, JPEG o WebP.');
			expect(await busy('en-GB')).toBe('That file is `text/plain`. Send a PNG, JPEG or WebP image.');
			expect(await busy('ja')).toBe('That file is `text/plain`. Send a PNG, JPEG or WebP image.');
		});
		expect(cd.count()).toBe(0);
	});
});

describe('b. Right-click → Apps → Upscale', () => {
	it("one image, posted by someone else: upscaled at once with the bot's defaults", async () => {
		await withBot({}, async () => {
			const target = discord.postMessage({ authorId: '409000000000000001', attachments: [image('cat.jpg')] });
			const id = discord.messageCommand({ command: 'Upscale', targetId: target });
			await finalOf(id);
			expect(first(id).body).toMatchObject({ type: 5 });
			expect(last(id, 'edit').body.content).toBe('✅ Upscaled 320×240 → 640×480 with Clipdrop. Credits used: 1 · remaining: 999');
			expect(last(id, 'edit').files[0].name).toBe('cat-upscaled.jpg');
		});
	});

	it('no image (text only, or only a PDF): refused in the user\'s language, nothing sent', async () => {
		await withBot({}, async () => {
			const text = discord.postMessage({ content: 'hello' });
			expect(await refusal(discord.messageCommand({ command: 'Upscale', targetId: text }))).toBe('That message has no image to upscale. Use it on a message with a PNG, JPEG or WebP image.');
			const pdf = discord.postMessage({ attachments: [{ filename: 'a.pdf', contentType: 'application/pdf', size: 10, url: discord.addCdnFile('a.pdf', Buffer.from('%PDF'), 'application/pdf') }] });
			expect(await refusal(discord.messageCommand({ command: 'Upscale', targetId: pdf, locale: 'de' }))).toBe('Diese Nachricht enthält kein Bild zum Hochskalieren. Nutze es bei einer Nachricht mit einem PNG-, JPEG- oder WebP-Bild.');
		});
		expect(cd.count()).toBe(0);
	});

	it('several images: a menu only the user sees; the chosen one is upscaled, also after a restart (the message fetched again)', async () => {
		const e = env();
		const target = discord.postMessage({ attachments: [image('one.jpg'), image('two.jpg'), { filename: 'notes.txt', contentType: 'text/plain', size: 3, url: discord.addCdnFile('notes.txt', Buffer.from('abc'), 'text/plain') }, image('three.jpg')] });
		let menu: any;
		await withBotEnv(e, async () => {
			const id = discord.messageCommand({ command: 'Upscale', targetId: target, locale: 'es-ES' });
			await deferred(id);
			const c = first(id);
			expect(c.body).toMatchObject({ type: 4, data: { flags: 64, content: 'Ese mensaje tiene 3 imágenes. ¿Cuál amplío?' } });
			menu = discord.replyOf(id);
			const select = menu.components[0].components[0];
			expect(select).toMatchObject({ type: 3, placeholder: 'Elige una imagen' });
			expect(select.options.map((o: any) => o.label)).toEqual(['1. one.jpg', '2. two.jpg', '3. three.jpg']);
			const pick = discord.click({ messageId: menu.id, customId: select.custom_id, values: [select.options[1].value], locale: 'es-ES' });
			await finalOf(pick);
			expect(last(pick, 'edit').body.content).toBe('✅ Ampliada 320×240 → 640×480 con Clipdrop. Créditos usados: 1 · restantes: 999');
			expect(last(pick, 'edit').files[0].name).toBe('two-upscaled.jpg');
		});
		// A new process: it never saw the message; it reads it again from Discord.
		await withBotEnv(e, async () => {
			const select = menu.components[0].components[0];
			const pick = discord.click({ messageId: menu.id, customId: select.custom_id, values: [select.options[2].value] });
			await finalOf(pick);
			expect(last(pick, 'edit').files[0].name).toBe('three-upscaled.jpg');
		});
	});

	it('after a restart, a message the bot cannot read any more: the user is told to start over', async () => {
		const e = env();
		const channelId = '300000000000000077';
		const target = discord.postMessage({ channelId, attachments: [image('one.jpg'), image('two.jpg')] });
		let menu: any;
		await withBotEnv(e, async () => {
			const id = discord.messageCommand({ command: 'Upscale', targetId: target, channelId });
			await deferred(id);
			menu = discord.replyOf(id);
		});
		discord.hideChannel(channelId);
		await withBotEnv(e, async () => {
			const select = menu.components[0].components[0];
			const pick = discord.click({ messageId: menu.id, customId: select.custom_id, values: [select.options[0].value], locale: 'de' });
			expect(await refusal(pick)).toBe('Diese Auswahl ist abgelaufen. Nutze „Hochskalieren“ erneut auf der Nachricht.');
		});
		expect(cd.count()).toBe(0);
	});
});

describe('c. installed to a user', () => {
	const user = '470000000000000001';
	const userOnly = { owners: { '1': user }, userId: user };

	it('in a server without the bot, where external apps may not answer publicly: the answer is private whatever was asked', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), ...userOnly, permissions: '0', options: [opt('private', BOOLEAN, false)] });
			await finalOf(id);
			expect(first(id).body).toMatchObject({ type: 5, data: { flags: 64 } });
		});
	});

	it('where the member may use external apps: public, as asked', async () => {
		await withBot({}, async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), ...userOnly, permissions: USE_EXTERNAL_APPS });
			await finalOf(id);
			expect(first(id).body.data?.flags ?? 0).toBe(0);
		});
	});

	it("in the bot's DM (no server): works, also from the message menu", async () => {
		await withBot({}, async () => {
			const dm = { guildId: null, channelId: discord.dmChannelOf(user), context: 1 as const, userId: user, owners: { '1': user } };
			const id = discord.slash({ command: 'upscale', attachment: image(), ...dm });
			await finalOf(id);
			expect(last(id, 'edit').body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
			const target = discord.postMessage({ channelId: dm.channelId, guildId: null, attachments: [image('dm.jpg')] });
			const menuId = discord.messageCommand({ command: 'Upscale', targetId: target, ...dm });
			await finalOf(menuId);
			expect(last(menuId, 'edit').files[0].name).toBe('dm-upscaled.jpg');
		});
	});
});

describe("d. the local Discord refuses the components Discord refuses (50035), so the bot's buttons are checked as on Discord", () => {
	const button = (n: number, more: Record<string, unknown> = {}) => ({ type: 2, style: 1, label: `B${n}`, custom_id: `b:${n}`, ...more });
	const row = (...components: unknown[]) => ({ type: 1, components });
	const post = async (components: unknown[]) => {
		const rest = new REST({ api: discord.api }).setToken(TOKEN);
		return rest.post(Routes.channelMessages('300000000000000001'), { body: { content: 'x', components } }).then(
			() => 'ok',
			(e: { code?: number; rawError?: { errors?: { components?: { _errors?: Array<{ message: string }> } } } }) => `${e.code}: ${e.rawError?.errors?.components?._errors?.map((x) => x.message).join('; ')}`,
		);
	};

	it.each([
		['six action rows', [1, 2, 3, 4, 5, 6].map((n) => row(button(n))), 'at most 5 action rows'],
		['six buttons in a row', [row(...[1, 2, 3, 4, 5, 6].map((n) => button(n)))], '1 to 5 components'],
		['a custom_id of 101 characters', [row(button(1, { custom_id: 'x'.repeat(101) }))], 'custom_id: 1 to 100 characters'],
		['no custom_id', [row(button(1, { custom_id: undefined }))], 'custom_id: 1 to 100 characters'],
		['one custom_id twice', [row(button(1), button(2, { custom_id: 'b:1' }))], 'is not unique in the message'],
		['a label of 81 characters', [row(button(1, { label: 'l'.repeat(81) }))], 'label: at most 80 characters'],
		['a select menu with 26 options', [row({ type: 3, custom_id: 's', options: Array.from({ length: 26 }, (_, n) => ({ label: `o${n}`, value: `v${n}` })) })], 'options: 1 to 25 options'],
		['a select menu beside a button', [row({ type: 3, custom_id: 's', options: [{ label: 'a', value: 'a' }] }, button(1))], 'a select menu fills its action row alone'],
		['a button outside an action row', [button(1)], 'must be an action row'],
	])('%s', async (_label, components, problem) => {
		expect(await post(components)).toMatch(new RegExp(`^50035: .*${problem.replace(/[()]/g, '\\$&')}`));
	});

	it('five rows of five buttons and a 100-character custom_id are fine', async () => {
		const rows = [0, 1, 2, 3, 4].map((r) => row(...[0, 1, 2, 3, 4].map((n) => button(r * 5 + n, r === 4 && n === 4 ? { custom_id: 'y'.repeat(100) } : {}))));
		expect(await post(rows)).toBe('ok');
	});
});
