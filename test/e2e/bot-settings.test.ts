/**
 * /upscale-settings through the real discord.js client against the local Discord (test/fakes/discord.ts): a
 * server's defaults, allow-lists and daily credits, set by Manage Server, enforced at admission for /upscale and the
 * message menu, kept over a restart (SQLite, and Redis for a fleet), with the operator's environment as the ceiling;
 * and a user install's own daily credits.
 */
import { Redis } from 'ioredis';
import { answer, BOOLEAN, botWorld, cd, CHANNEL_TYPE, discord, env, finalOf, image, INTEGER, last, MANAGE_GUILD, NUMBER, opt, ROLE_TYPE, settings, STRING, withBot, withBotEnv } from '../helpers/bot';
import { startRedis } from '../helpers/redis';

botWorld();

const CHANNEL = '300000000000000001';
const OTHER_CHANNEL = '300000000000000002';
const ROLE = '600000000000000001';

const upscale = (where: Record<string, unknown> = {}, options: Array<{ name: string; type: number; value: unknown }> = []) => discord.slash({ command: 'upscale', attachment: image(), options, ...where });
const user = (n: number) => `4100000000000000${String(n).padStart(2, '0')}`;
const done = async (id: string) => (await finalOf(id), last(id, 'edit').body.content as string);

describe('/upscale-settings: set, view, a restart', () => {
	it("a Manage Server member sets the defaults; view shows them and the operator's ceiling; they survive a restart and apply to /upscale", async () => {
		const e = env({ BOT_GUILD_DAILY_CREDITS: '500', BOT_USER_DAILY_CREDITS: '200' });
		await withBotEnv(e, async () => {
			const set = await answer(settings('set', [opt('provider', STRING, 'ximilar'), opt('scale', NUMBER, 4), opt('private', BOOLEAN, true), opt('server_credits', INTEGER, 300), opt('member_credits', INTEGER, 100)]));
			expect(set).toBe(
				[
					'✅ Saved.',
					'**Upscale settings for this server**',
					'Default provider: Ximilar',
					'Default scale: 4',
					'Private answers by default: yes',
					'Daily credits for the server: 300 (used today: 0)',
					'Daily credits per member: 100',
					'Channels: all',
					'Roles: everyone',
					'',
					"**Set by the bot's operator**",
					'Providers: Clipdrop, Ximilar',
					'Most a server may use a day: 500',
					'Most a member may use a day: 200',
				].join('\n'),
			);
			await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, CHANNEL)]));
			await answer(settings('roles add', [opt('role', ROLE_TYPE, ROLE)]));
		});
		await withBotEnv(e, async () => {
			const view = await answer(settings('view'));
			expect(view).toContain('Default provider: Ximilar\nDefault scale: 4\nPrivate answers by default: yes\nDaily credits for the server: 300 (used today: 0)\nDaily credits per member: 100');
			expect(view).toContain(`Channels: <#${CHANNEL}>\nRoles: <@&${ROLE}>`);
			// No provider, scale or privacy given: the server's (Ximilar at 4×, only the member sees it).
			const id = upscale({ roles: [ROLE] });
			expect(await done(id)).toMatch(/^✅ Upscaled 320×240 → 1280×960 with Ximilar\./);
			expect(discord.of(id).find((x) => x.kind === 'callback')!.body).toMatchObject({ type: 5, data: { flags: 64 } });
			// The message menu too: the server's provider and scale, privately.
			const post = discord.postMessage({ attachments: [image('cat.jpg')] });
			const menu = discord.messageCommand({ command: 'Upscale', targetId: post, roles: [ROLE], userId: user(3) });
			expect(await done(menu)).toMatch(/^✅ Upscaled 320×240 → 1280×960 with Ximilar\./);
			expect(discord.of(menu).find((x) => x.kind === 'callback')!.body).toMatchObject({ type: 5, data: { flags: 64 } });
			// What a member asks for wins: Clipdrop, public.
			const own = upscale({ roles: [ROLE], userId: user(2) }, [opt('provider', STRING, 'clipdrop'), opt('private', BOOLEAN, false)]);
			expect(await done(own)).toMatch(/^✅ Upscaled 320×240 → 1280×960 with Clipdrop\./);
			expect(discord.of(own).find((x) => x.kind === 'callback')!.body.data?.flags ?? 0).toBe(0);
			// Ximilar's 4× cost 50 credits (twice), Clipdrop's 1: all counted for the server.
			expect(await answer(settings('view'))).toContain('Daily credits for the server: 300 (used today: 101)');
			// reset: back to the bot's defaults (the lists stay).
			expect(await answer(settings('reset', [], { locale: 'de' }))).toContain('Standard-Anbieter: Clipdrop (Standard des Bots)\nStandard-Skalierung: 2 (Standard des Bots)\nStandardmäßig private Antworten: nein (Standard des Bots)');
		});
	});

	it('a member without Manage Server is refused in words even when Discord lets the command through; outside a server too', async () => {
		await withBot({}, async () => {
			expect(await answer(settings('set', [opt('provider', STRING, 'ximilar')], { permissions: '0' }))).toBe("Only members with the Manage Server permission can change the bot's settings.");
			expect(await answer(settings('view', [], { permissions: '0', locale: 'es-ES' }))).toBe('Solo los miembros con el permiso Gestionar servidor pueden cambiar los ajustes del bot.');
			expect(await answer(settings('view', [], { guildId: null, channelId: discord.dmChannelOf(user(1)), context: 1, userId: user(1) }))).toBe('Server settings are made in a server that added the bot.');
			// Nothing was changed: Clipdrop stays the default.
			expect(await done(upscale())).toMatch(/with Clipdrop\./);
		});
	});
});

describe('enforced at admission', () => {
	it('a channel or role not on the list: refused, naming where it is allowed (/upscale and the message menu); allowed ones work', async () => {
		await withBot({}, async () => {
			await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, CHANNEL)]));
			expect(await answer(upscale({ channelId: OTHER_CHANNEL }))).toBe(`On this server the bot works only in <#${CHANNEL}>.`);
			const post = discord.postMessage({ channelId: OTHER_CHANNEL, attachments: [image('cat.jpg')] });
			expect(await answer(discord.messageCommand({ command: 'Upscale', targetId: post, channelId: OTHER_CHANNEL, locale: 'de' }))).toBe(`Auf diesem Server arbeitet der Bot nur in <#${CHANNEL}>.`);
			await answer(settings('roles add', [opt('role', ROLE_TYPE, ROLE)]));
			expect(await answer(upscale({ channelId: CHANNEL }))).toBe(`On this server the bot is for members with one of these roles: <@&${ROLE}>.`);
			expect(await done(upscale({ channelId: CHANNEL, roles: ['600000000000000009', ROLE] }))).toMatch(/^✅/);
			// Removed and cleared: everywhere again.
			expect(await answer(settings('channels remove', [opt('channel', CHANNEL_TYPE, OTHER_CHANNEL)]))).toBe(`<#${OTHER_CHANNEL}> was not on the list.`);
			await answer(settings('channels clear'));
			await answer(settings('roles remove', [opt('role', ROLE_TYPE, ROLE)]));
			expect(await done(upscale({ channelId: OTHER_CHANNEL, userId: user(3) }))).toMatch(/^✅/);
		});
		expect(cd.count('async')).toBe(2);
	});

	it("a member's daily credits on the server: used up, that member is refused; another member is not", async () => {
		await withBot({}, async () => {
			await answer(settings('set', [opt('member_credits', INTEGER, 1)]));
			expect(await done(upscale({ userId: user(1) }))).toMatch(/^✅/);
			expect(await answer(upscale({ userId: user(1) }))).toMatch(/^You have used your daily upscaling credits on this server \(1\)\. They renew <t:\d+:R>\.$/);
			expect(await answer(upscale({ userId: user(1), locale: 'de' }))).toMatch(/^Du hast dein Tagesguthaben fürs Hochskalieren auf diesem Server \(1\) aufgebraucht\./);
			expect(await done(upscale({ userId: user(2) }))).toMatch(/^✅/);
		});
	});

	it("the server's daily credits: used up by its members together, everyone there is refused", async () => {
		await withBot({}, async () => {
			await answer(settings('set', [opt('server_credits', INTEGER, 2)]));
			expect(await done(upscale({ userId: user(1) }))).toMatch(/^✅/);
			expect(await done(upscale({ userId: user(2) }))).toMatch(/^✅/);
			expect(await answer(upscale({ userId: user(3) }))).toMatch(/^This server has used its daily upscaling credits \(2\)\. They renew <t:\d+:R>\.$/);
			const post = discord.postMessage({ attachments: [image('cat.jpg')] });
			expect(await answer(discord.messageCommand({ command: 'Upscale', targetId: post, userId: user(4) }))).toMatch(/^This server has used its daily upscaling credits/);
			// Another server is not affected.
			expect(await done(upscale({ userId: user(3), guildId: '200000000000000002', owners: { '0': '200000000000000002' } }))).toMatch(/^✅/);
		});
	});

	it("members starting at once cannot all pass the server's last credits: each running job holds one until it ends", async () => {
		cd.opts.taskDurationMs = 1500;
		await withBot({}, async () => {
			await answer(settings('set', [opt('server_credits', INTEGER, 2)]));
			const ids = [1, 2, 3].map((n) => upscale({ userId: user(n) }));
			await discord.waitFor((r) => ids.every((id) => r.some((x) => x.interactionId === id && x.kind === 'callback')));
			const kinds = ids.map((id) => discord.of(id).find((x) => x.kind === 'callback')!.body.type);
			expect(kinds).toEqual([5, 5, 4]);
			expect(await answer(ids[2])).toMatch(/^This server has used its daily upscaling credits \(2\)/);
			for (const id of ids.slice(0, 2)) expect(await done(id)).toMatch(/^✅/);
		});
		expect(cd.count('async')).toBe(2);
	});

	it("the operator's environment is the ceiling: a provider not configured, a scale the provider refuses, credits above the env caps", async () => {
		await withBot({ BOT_GUILD_DAILY_CREDITS: '5', BOT_USER_DAILY_CREDITS: '3' }, async () => {
			expect(await answer(settings('set', [opt('server_credits', INTEGER, 6)]))).toBe("The bot's operator allows a server at most 5 credits a day. Choose 5 or less (0: the operator's limit).");
			expect(await answer(settings('set', [opt('member_credits', INTEGER, 4)]))).toBe("The bot's operator allows a member at most 3 credits a day. Choose 3 or less (0: the operator's limit).");
			// A value Discord's choices would not offer (a hostile client): refused all the same.
			expect(await answer(settings('set', [opt('provider', STRING, 'local')]))).toBe('This bot does not offer the local engine; it offers Clipdrop, Ximilar.');
			expect(await answer(settings('set', [opt('provider', STRING, 'ximilar'), opt('scale', NUMBER, 3)]))).toMatch(/^That scale does not work with Ximilar: .*2, 4 or 8/);
			expect(await answer(settings('set'))).toBe('Give at least one setting to change.');
			expect(await answer(settings('set', [opt('member_credits', INTEGER, -1)]))).toBe('Daily credits are a whole number, 0 or more.');
			expect(await answer(settings('set', [opt('server_credits', INTEGER, 2.5)], { locale: 'de' }))).toBe('Tagesguthaben sind eine ganze Zahl ab 0.');
			expect(await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, '<#1> @everyone')]))).toBe('That is not a channel or role of this server.');
			// Nothing of it was stored; what is under the ceiling is.
			const view = await answer(settings('set', [opt('server_credits', INTEGER, 5), opt('member_credits', INTEGER, 0)]));
			expect(view).toContain('Default provider: Clipdrop (the bot\'s default)\nDefault scale: 2 (the bot\'s default)');
			expect(view).toContain('Daily credits for the server: 5 (used today: 0)\nDaily credits per member: no limit\nChannels: all');
		});
	});
});

describe('user install', () => {
	it("its own per-user daily credits (BOT_USER_INSTALL_DAILY_CREDITS) in a server that did not add the bot and in DMs; the server's settings do not apply", async () => {
		const u = user(7);
		await withBot({ BOT_USER_INSTALL_DAILY_CREDITS: '1' }, async () => {
			await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, CHANNEL)]));
			await answer(settings('set', [opt('member_credits', INTEGER, 5)]));
			const userOnly = { owners: { '1': u }, userId: u, channelId: OTHER_CHANNEL, permissions: String(1n << 50n) };
			expect(await done(upscale(userOnly))).toMatch(/^✅/);
			expect(await answer(upscale(userOnly))).toMatch(/^You have used your daily upscaling credits for the bot installed to your account \(1\)\. They renew <t:\d+:R>\.$/);
			const dm = { guildId: null, channelId: discord.dmChannelOf(u), context: 1, userId: u, owners: { '1': u } };
			expect(await answer(upscale(dm, []))).toMatch(/^You have used your daily upscaling credits for the bot installed to your account/);
			// In the server that added the bot, the same user counts against the server's buckets instead.
			expect(await done(upscale({ userId: u, channelId: CHANNEL }))).toMatch(/^✅/);
		});
	});
});

describe('with REDIS_URL (a bot fleet)', () => {
	it('the settings live in Redis: every bot process reads them, a restart keeps them, admission applies them', async () => {
		const redis = await startRedis();
		const other = new Redis(redis.url);
		try {
			await withBotEnv(env({ REDIS_URL: redis.url }), async () => {
				await answer(settings('set', [opt('scale', NUMBER, 4), opt('server_credits', INTEGER, 9)]));
				await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, CHANNEL)]));
			});
			expect(await other.hgetall('upscale:bot:guild:200000000000000001')).toEqual({ scale: '4', serverDailyCredits: '9' });
			// Another bot process (its own BOT_DATA_DIR): the same settings.
			await withBotEnv(env({ REDIS_URL: redis.url }), async () => {
				expect(await answer(settings('view'))).toContain(`Default scale: 4\nPrivate answers by default: no (the bot's default)\nDaily credits for the server: 9 (used today: 0)\nDaily credits per member: no limit\nChannels: <#${CHANNEL}>`);
				expect(await answer(upscale({ channelId: OTHER_CHANNEL }))).toBe(`On this server the bot works only in <#${CHANNEL}>.`);
				// 8 used; a job waiting for a worker (none runs here) holds one more: the server's 9 are taken.
				const used = `upscale:bot:used:${new Date().toISOString().slice(0, 10)}:server:200000000000000001`;
				await other.set(used, '8');
				const waiting = upscale({ channelId: CHANNEL, userId: user(1) });
				await discord.waitFor((r) => r.some((x) => x.interactionId === waiting && x.kind === 'callback'));
				expect(discord.of(waiting).find((x) => x.kind === 'callback')!.body.type).toBe(5);
				expect(await other.zcard('upscale:bot:held:server:200000000000000001')).toBe(1);
				expect(await answer(upscale({ channelId: CHANNEL, userId: user(2) }))).toMatch(/^This server has used its daily upscaling credits \(9\)/);
				// Redis hung (every client paused, not down): refused in time, in words, nothing sent.
				await other.call('CLIENT', 'PAUSE', '4000', 'ALL');
				const id = upscale({ channelId: CHANNEL, userId: user(5) });
				expect(await answer(id)).toBe('The bot cannot take jobs right now (its job store is not answering). Nothing was charged; try again in a minute.');
				expect(discord.of(id).find((x) => x.kind === 'callback')!.status).toBe(204);
				expect(cd.count()).toBe(0);
				await other.call('CLIENT', 'UNPAUSE');
			});
		} finally {
			other.disconnect();
			await redis.stop();
		}
	}, 60_000);
});

describe('the registration', () => {
	it('/upscale-settings as Discord takes it: Manage Server by default, server installs and servers only, localized, subcommands and groups', async () => {
		const { commandsJson } = await import('../../bot/commands');
		const { commandProblems } = await import('../fakes/discord');
		const all = commandsJson(['clipdrop', 'ximilar']) as any[];
		expect(commandProblems(all)).toEqual([]);
		const c = all.find((x) => x.name === 'upscale-settings');
		expect(c).toMatchObject({ default_member_permissions: MANAGE_GUILD, integration_types: [0], contexts: [0], description_localizations: { de: 'Die Einstellungen dieses Servers für den Upscale-Bot' } });
		expect(c.options.map((o: any) => `${o.type}:${o.name}`)).toEqual(['1:view', '1:set', '1:reset', '2:channels', '2:roles']);
		const set = c.options[1];
		expect(set.options.map((o: any) => `${o.type}:${o.name}:${o.name_localizations.de}`)).toEqual(['3:provider:anbieter', '10:scale:skalierung', '5:private:privat', '4:server_credits:server_guthaben', '4:member_credits:mitglied_guthaben']);
		expect(set.options[0].choices.map((x: any) => x.value)).toEqual(['clipdrop', 'ximilar']);
		expect(set.options[1]).toMatchObject({ min_value: 1.1, max_value: 16 });
		// Each level as Discord checks a command's options (names, descriptions, localizations).
		for (const group of c.options.slice(3)) {
			expect(group.options.map((o: any) => o.name)).toEqual(['add', 'remove', 'clear']);
			expect(commandProblems([{ ...group, type: 1 }, ...group.options.map((o: any) => ({ ...o, type: 1 }))])).toEqual([]);
		}
		expect(commandProblems(c.options.map((o: any) => ({ ...o, type: 1 })))).toEqual([]);
		expect(commandProblems([{ ...set, type: 1 }])).toEqual([]);
	});
});
