/**
 * Cancel on a job's progress message, through the real discord.js client against the local Discord and vendors:
 * a queued job leaves the line with nothing charged; a local job stops; a job the vendor already has is canceled
 * with "may still charge" and its result is never posted. Only the requester or a moderator may cancel.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { botWorkers, botWorld, cd, discord, env, finalOf, image, logs, opt, STRING, NUMBER, stopWorkers, withBotEnv, xm } from '../helpers/bot';
import { startRedis } from '../helpers/redis';

botWorld();

const REQUESTER = '400000000000000001';
const OTHER = '400000000000000333';
const PHOTO = readFileSync(resolve(__dirname, '../fixtures/chelsea.jpg'));

/** Waits until the job's reply shows a progress text matching `re`; its message (with the Cancel). */
async function showing(id: string, re: RegExp): Promise<any> {
	await discord.waitFor(() => re.test(discord.replyOf(id)?.content ?? ''), 30_000);
	return discord.replyOf(id);
}

const cancelId = (m: any) => m.components[0].components[0].custom_id as string;
/** The text the job's message ends with once a click changed it. */
const endsWith = async (id: string, text: string) => discord.waitFor(() => discord.replyOf(id)?.content === text, 20_000);

describe('Cancel', () => {
	it('a queued job: removed from the line, nothing sent, nothing charged; the job ahead goes on', async () => {
		await withBotEnv(env({ BOT_MAX_CONCURRENT_JOBS: '1' }), async () => {
			cd.opts.taskDurationMs = 4000;
			const ahead = discord.slash({ command: 'upscale', attachment: image(), userId: OTHER });
			await showing(ahead, /Clipdrop/);
			const id = discord.slash({ command: 'upscale', attachment: image('second.jpg'), locale: 'de' });
			const m = await showing(id, /^⏳ Warte auf einen freien Platz/);
			expect(m.components[0].components[0]).toMatchObject({ type: 2, label: 'Abbrechen' });
			const click = discord.click({ messageId: m.id, customId: cancelId(m), userId: REQUESTER, locale: 'de' });
			await endsWith(id, '🛑 Abgebrochen, bevor etwas gesendet wurde: Es wurde nichts berechnet.');
			expect(discord.replyOf(id).components).toEqual([]);
			// The click was answered by editing its message (no new message).
			expect(discord.of(click).find((r) => r.kind === 'callback')!.body.type).toBe(6);
			await finalOf(ahead);
			expect(discord.replyOf(ahead).content).toMatch(/^✅ .* remaining: 999$/);
			// The user may start another job at once (the slot was given back); the canceled job cost nothing.
			cd.opts.taskDurationMs = 300;
			const next = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(next);
			expect(discord.replyOf(next).content).toMatch(/^✅ .* remaining: 998$/);
		});
	});

	it('a local job: the engine stops; nothing charged; no result is posted', async () => {
		process.env.UPSCALE_LOCAL_BACKEND = 'tfjs';
		try {
			await withBotEnv(env({ BOT_LOCAL_ENGINE: 'on' }), async () => {
				const id = discord.slash({ command: 'upscale', attachment: image('cat.jpg', PHOTO, 451, 300), options: [opt('provider', STRING, 'local'), opt('scale', NUMBER, 4)] });
				const m = await showing(id, /^⏳ Upscaling with the local engine: \d+%/);
				discord.click({ messageId: m.id, customId: cancelId(m), userId: REQUESTER });
				await endsWith(id, '🛑 Canceled: the local engine stopped. Nothing was charged.');
				// The engine is free again: the next local job (one at a time) runs and is delivered.
				const next = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'local')], userId: OTHER });
				await finalOf(next);
				expect(discord.replyOf(next).content).toBe('✅ Upscaled 320×240 → 640×480 with the local engine. Free: no credits used.');
				expect(discord.replyOf(id).content).toBe('🛑 Canceled: the local engine stopped. Nothing was charged.');
				expect(discord.of(id).some((r) => /^✅/.test(r.body?.content ?? ''))).toBe(false);
			});
		} finally {
			delete process.env.UPSCALE_LOCAL_BACKEND;
		}
		expect(logs.some((l) => l.includes('"msg":"job canceled"') && l.includes('"provider":"local"'))).toBe(true);
	});

	it('a job the vendor has: "may still charge", and its result is not posted when the vendor finishes', async () => {
		await withBotEnv(env(), async () => {
			xm.opts.taskDurationMs = 3000;
			const id = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'ximilar')], locale: 'es-ES' });
			const m = await showing(id, /Ximilar/);
			discord.click({ messageId: m.id, customId: cancelId(m), userId: REQUESTER, locale: 'es-ES' });
			await endsWith(id, '🛑 Cancelado. Ximilar ya tenía el trabajo y puede cobrarlo igualmente; el resultado no se publicará.');
			// The vendor's task ends meanwhile; the bot has stopped waiting for it: nothing more is posted.
			await new Promise((r) => setTimeout(r, 4000));
			expect(discord.of(id).some((r) => /^✅/.test(r.body?.content ?? ''))).toBe(false);
			expect(discord.recorded.filter((r) => r.kind === 'channel-message' || r.kind === 'dm-message')).toEqual([]);
		});
	});

	it('by someone else: refused in their language; the job goes on. A moderator may cancel', async () => {
		await withBotEnv(env(), async () => {
			cd.opts.taskDurationMs = 3000;
			const id = discord.slash({ command: 'upscale', attachment: image() });
			const m = await showing(id, /Clipdrop/);
			const no = discord.click({ messageId: m.id, customId: cancelId(m), userId: OTHER, locale: 'es-419' });
			await discord.waitFor((r) => r.some((x) => x.interactionId === no && x.kind === 'callback'));
			const c = discord.of(no).find((r) => r.kind === 'callback')!;
			expect(c.body).toMatchObject({ type: 4, data: { flags: 64, content: `Solo <@${REQUESTER}> (quien lo pidió) o un miembro con Gestionar mensajes puede cancelar este trabajo.` } });
			const mod = discord.click({ messageId: m.id, customId: cancelId(m), userId: OTHER, permissions: String(1n << 13n) });
			await endsWith(id, '🛑 Canceled. Clipdrop already had the job and may still charge for it; the result will not be posted.');
			expect(discord.of(mod).find((r) => r.kind === 'callback')!.body.type).toBe(6);
		});
	});
});

describe('with workers (REDIS_URL)', () => {
	it('the place in line comes from the queue; Cancel removes a waiting job from it and stops one a worker is running', async () => {
		const redis = await startRedis();
		const e = env({ REDIS_URL: redis.url, BOT_MAX_CONCURRENT_JOBS: '1' });
		const workers = await botWorkers(1, e);
		try {
			await withBotEnv(e, async () => {
				xm.opts.taskDurationMs = 6000;
				const running = discord.slash({ command: 'upscale', attachment: image(), options: [opt('provider', STRING, 'ximilar')], userId: OTHER });
				const r = await showing(running, /Ximilar/);
				const waiting = discord.slash({ command: 'upscale', attachment: image('second.jpg') });
				const w = await showing(waiting, /^⏳ Waiting for a free slot: you are #1 in line\./);
				discord.click({ messageId: w.id, customId: cancelId(w), userId: REQUESTER });
				await endsWith(waiting, '🛑 Canceled before anything was sent: nothing was charged.');
				discord.click({ messageId: r.id, customId: cancelId(r), userId: OTHER });
				await endsWith(running, '🛑 Canceled. Ximilar already had the job and may still charge for it; the result will not be posted.');
				// The worker stopped the job: it takes the next one at once, and never posts the canceled one's result.
				const next = discord.slash({ command: 'upscale', attachment: image('third.jpg'), userId: '400000000000000444' });
				cd.opts.taskDurationMs = 300;
				await finalOf(next);
				expect(discord.replyOf(next).content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Clipdrop\./);
				expect(discord.replyOf(running).content).toMatch(/^🛑/);
				expect(discord.replyOf(waiting).content).toMatch(/^🛑/);
				// The worker finished only the third job (its outcome is logged before it is delivered).
				const ended = workers[0].output().split('\n').filter((l) => /"msg":"job (succeeded|failed)"/.test(l));
				expect(ended.map((l) => JSON.parse(l).job)).toEqual([next]);
			});
		} finally {
			await stopWorkers(workers);
			await redis.stop();
		}
	}, 90_000);
});
