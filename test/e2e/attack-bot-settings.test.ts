/**
 * Security review: /upscale-settings crafted as a hostile client could (permission bits, ids that are not
 * snowflakes, values past the operator's ceiling or of the wrong type). The member's permissions are Discord's to
 * compute (a client cannot forge them), so only real bitfields are tried. All of it held.
 */
import { answer, BOOLEAN, botWorld, CHANNEL_TYPE, INTEGER, NUMBER, opt, ROLE_TYPE, settings, STRING, withBot } from '../helpers/bot';

botWorld();

const refusedPermission = "Only members with the Manage Server permission can change the bot's settings.";

describe('/upscale-settings under attack', () => {
	it('held: permission bits other than Manage Server (Manage Messages, Manage Channels, Manage Roles, all but 32 and 8) are refused; Administrator passes; a user install or a DM is refused', async () => {
		await withBot({}, async () => {
			const allBut = String(((1n << 51n) - 1n) & ~32n & ~8n);
			for (const p of [String(1n << 13n), String(1n << 4n), String(1n << 28n), allBut]) {
				expect([p, await answer(settings('set', [opt('private', BOOLEAN, true)], { permissions: p }))]).toEqual([p, refusedPermission]);
			}
			expect(await answer(settings('view', [], { permissions: '8' }))).toMatch(/^\*\*|Settings|settings/);
			expect(await answer(settings('set', [opt('private', BOOLEAN, true)], { owners: { '1': '400000000000000001' } }))).not.toMatch(/saved/i);
			expect(await answer(settings('set', [opt('private', BOOLEAN, true)], { guildId: null }))).not.toMatch(/saved/i);
		});
	});

	it('held: ids that are not snowflakes, values past the ceiling or of the wrong type are not stored', async () => {
		await withBot({ BOT_GUILD_DAILY_CREDITS: '5', BOT_USER_DAILY_CREDITS: '3' }, async () => {
			const notAnId = 'That is not a channel or role of this server.';
			for (const v of ['abc', '1', '1'.repeat(21), '-100000000000000001', '100000000000000001 ', '1e20', '１００００００００００００００００１']) {
				expect([v, await answer(settings('channels add', [opt('channel', CHANNEL_TYPE, v)]))]).toEqual([v, notAnId]);
				expect([v, await answer(settings('roles add', [opt('role', ROLE_TYPE, v)]))]).toEqual([v, notAnId]);
			}
			for (const o of [opt('server_credits', INTEGER, 6), opt('server_credits', INTEGER, 1e300), opt('member_credits', INTEGER, 4), opt('member_credits', INTEGER, '2'), opt('server_credits', INTEGER, -0.5), opt('provider', STRING, '__proto__'), opt('provider', STRING, 'constructor'), opt('scale', NUMBER, 1e308), opt('scale', NUMBER, -2), opt('scale', NUMBER, 0), opt('scale', NUMBER, '4')]) {
				expect([o, await answer(settings('set', [o]))]).not.toEqual([o, expect.stringMatching(/saved/i)]);
			}
			const view = await answer(settings('view'));
			expect(view).toContain("Default scale: 2 (the bot's default)");
			expect(view).toContain('Daily credits for the server: no limit');
			expect(view).toContain('Channels: all');
		});
	});
});
