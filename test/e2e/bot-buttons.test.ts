/**
 * The buttons on a result, through the real discord.js client against the local Discord (test/fakes/discord.ts):
 * again at 2×/4× (from the image's message read again: attachment links expire), another provider, Compare
 * (ephemeral before/after), Delete (the requester or Manage Messages). Their state is the job's row in the job
 * store: they work after a restart, and one whose job the store no longer has says it expired.
 */
import { botWorld, cd, discord, env, finalOf, image, last, startedBot, withBotEnv } from '../helpers/bot';

botWorld();

const REQUESTER = '400000000000000001';
const STRANGER = '400000000000000222';
const MANAGE_MESSAGES = String(1n << 13n);

const first = (id: string) => discord.of(id).find((x) => x.kind === 'callback')!;
const answered = (id: string) => discord.waitFor((r) => r.some((x) => x.interactionId === id && x.kind === 'callback'));

/** An ephemeral answer (type 4, flag 64) to a click: its text. */
async function refusal(id: string): Promise<string> {
	await answered(id);
	const c = first(id);
	expect({ type: c.body.type, ephemeral: (c.body.data?.flags ?? 0) & 64 }).toEqual({ type: 4, ephemeral: 64 });
	return c.body.data.content;
}

/** The components of a message as (custom_id prefix → label or placeholder). */
const labels = (m: any) => m.components.flatMap((row: any) => row.components).map((c: any) => [c.custom_id.split(':')[0], c.label ?? c.placeholder]);
const idOf = (m: any, prefix: string) => m.components.flatMap((row: any) => row.components).find((c: any) => c.custom_id.startsWith(`${prefix}:`)).custom_id;

/** A user's message with one image, upscaled with Right-click → Apps → Upscale; the result message. */
async function resultOfMessage(): Promise<{ target: string; job: string; result: any }> {
	const target = discord.postMessage({ attachments: [image('cat.jpg')] });
	const job = discord.messageCommand({ command: 'Upscale', targetId: target });
	await finalOf(job);
	return { target, job, result: discord.replyOf(job) };
}

/** What Discord does to an old signed link: the file moves to a new link, the old one stops working. */
function expireLinks(messageId: string): string {
	const a = discord.messageOf(messageId).attachments[0];
	const old = new URL(a.url).pathname;
	const file = discord.cdnFiles.get(old)!;
	discord.cdnFiles.delete(old);
	a.url = discord.addCdnFile(a.filename, file.data, file.contentType);
	return new URL(a.url).pathname;
}

describe('a result', () => {
	it('carries again 2× and 4×, Compare, Delete and a menu of the other providers; the progress carried Cancel', async () => {
		await withBotEnv(env({ BOT_LOCAL_ENGINE: 'on' }), async () => {
			cd.opts.taskDurationMs = 2500;
			const id = discord.slash({ command: 'upscale', attachment: image() });
			await finalOf(id);
			const progress = discord.of(id).filter((r) => r.kind === 'edit' && r.body.content?.startsWith('⏳'));
			expect(progress.length).toBeGreaterThan(0);
			for (const p of progress) expect(labels(p.body)).toEqual([['cancel', 'Cancel']]);
			const result = discord.replyOf(id);
			expect(labels(result)).toEqual([
				['again', 'Again at 2×'],
				['again', 'Again at 4×'],
				['compare', 'Compare'],
				['delete', 'Delete'],
				['provider', 'Try another service'],
			]);
			const select = result.components[1].components[0];
			expect(select.options.map((o: any) => [o.label, o.value])).toEqual([
				['Ximilar', 'ximilar'],
				['Local (free, runs on this bot)', 'local'],
			]);
		});
	});

	it("speaks the requester's language", async () => {
		await withBotEnv(env(), async () => {
			const id = discord.slash({ command: 'upscale', attachment: image(), locale: 'de' });
			await finalOf(id);
			expect(labels(discord.replyOf(id)).map((l: string[]) => l[1])).toEqual(['Nochmal mit 2×', 'Nochmal mit 4×', 'Vergleichen', 'Löschen', 'Anderen Dienst probieren']);
		});
	});

	it('a failed job has no buttons (and no Cancel any more)', async () => {
		await withBotEnv(env(), async () => {
			const gone = { ...image(), url: `${discord.url}/attachments/1/2/gone.jpg` };
			const id = discord.slash({ command: 'upscale', attachment: gone });
			await finalOf(id);
			const reply = discord.replyOf(id);
			expect(reply.content).toMatch(/^❌/);
			expect(reply.components).toEqual([]);
		});
	});
});

describe('again at 4×, after a restart, with the image link expired meanwhile', () => {
	it('reads the message again and upscales the image at 4× for whoever clicked', async () => {
		const e = env();
		let r!: Awaited<ReturnType<typeof resultOfMessage>>;
		await withBotEnv(e, async () => {
			r = await resultOfMessage();
		});
		const fresh = expireLinks(r.target);
		await withBotEnv(e, async () => {
			const click = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'again').replace(/:2$/, ':4'), userId: STRANGER });
			await finalOf(click);
			expect(last(click, 'edit').body.content).toBe('✅ Upscaled 320×240 → 1280×960 with Clipdrop. Credits used: 1 · remaining: 998');
			expect(last(click, 'edit').files[0].name).toBe('cat-upscaled.jpg');
			expect(discord.cdnRequests.at(-1)).toBe(fresh);
			// The new result has its own buttons.
			expect(labels(discord.replyOf(click))[0]).toEqual(['again', 'Again at 2×']);
		});
	});

	it('the image deleted: says so, nothing sent', async () => {
		const e = env();
		await withBotEnv(e, async () => {
			const r = await resultOfMessage();
			discord.messages.delete(r.target);
			const sent = cd.count();
			const click = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'again') });
			expect(await refusal(click)).toBe('The original image is no longer available (its message was deleted, or Discord’s link to it expired). Upscale it again from the message, or with /upscale.');
			expect(cd.count()).toBe(sent);
		});
	});
});

describe('another provider', () => {
	it('runs the same image on the chosen one', async () => {
		await withBotEnv(env(), async () => {
			const r = await resultOfMessage();
			const pick = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'provider'), values: ['ximilar'] });
			await finalOf(pick);
			expect(last(pick, 'edit').body.content).toMatch(/^✅ Upscaled 320×240 → 640×480 with Ximilar\./);
		});
	});
});

describe('Compare', () => {
	it('shows before and after to the clicker only', async () => {
		await withBotEnv(env(), async () => {
			const r = await resultOfMessage();
			const click = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'compare'), userId: STRANGER });
			await answered(click);
			const c = first(click);
			expect(c.body.type).toBe(4);
			expect(c.body.data.flags & 64).toBe(64);
			expect(c.body.data.embeds.map((x: any) => [x.title, x.image.url])).toEqual([
				['Before · 320×240', discord.messageOf(r.target).attachments[0].url],
				['After · 640×480', r.result.attachments[0].url],
			]);
		});
	});
});

describe('Delete', () => {
	it('refuses a stranger, and deletes for the requester', async () => {
		await withBotEnv(env(), async () => {
			const r = await resultOfMessage();
			const no = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'delete'), userId: STRANGER, locale: 'es-ES' });
			expect(await refusal(no)).toBe(`Solo <@${REQUESTER}> (quien lo pidió) o un miembro con Gestionar mensajes puede eliminar este resultado.`);
			expect(discord.messageOf(r.result.id)).toBeDefined();
			const yes = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'delete'), userId: REQUESTER });
			await discord.waitFor((x) => x.some((y) => y.interactionId === yes && y.kind === 'delete' && y.status === 204));
			expect(discord.messageOf(r.result.id)).toBeUndefined();
		});
	});

	it('a member with Manage Messages may delete anyone’s result', async () => {
		await withBotEnv(env(), async () => {
			const r = await resultOfMessage();
			const mod = discord.click({ messageId: r.result.id, customId: idOf(r.result, 'delete'), userId: STRANGER, permissions: MANAGE_MESSAGES });
			await discord.waitFor((x) => x.some((y) => y.interactionId === mod && y.kind === 'delete' && y.status === 204));
			expect(discord.messageOf(r.result.id)).toBeUndefined();
		});
	});
});

describe('an expired button', () => {
	it('says so in the clicker’s language when the store no longer has its job', async () => {
		let r!: Awaited<ReturnType<typeof resultOfMessage>>;
		await withBotEnv(env(), async () => {
			r = await resultOfMessage();
		});
		// Another data directory: as after the week the store keeps a job.
		await withBotEnv(env(), async () => {
			for (const prefix of ['again', 'compare', 'delete']) {
				const click = discord.click({ messageId: r.result.id, customId: idOf(r.result, prefix), locale: 'de' });
				expect(await refusal(click)).toBe('Dieser Button ist abgelaufen: Die Buttons an einem Ergebnis funktionieren 7 Tage lang. Verwende /upscale erneut.');
			}
		});
	});
});

describe('clicks the bot cannot take', () => {
	it('a button of an older version (no handler knows its prefix): answered, not ignored', async () => {
		await withBotEnv(env(), async () => {
			const { result } = await resultOfMessage();
			discord.messages.get(result.id)!.json.components = [{ type: 1, components: [{ type: 2, style: 2, label: 'Old', custom_id: 'upscale-v1:123' }] }];
			const click = discord.click({ messageId: result.id, customId: 'upscale-v1:123' });
			expect(await refusal(click)).toBe('That button or menu no longer works. Run /upscale again.');
		});
	});

	it('again while the bot is stopping: refused (it takes no new jobs); a job it is finishing still ends', async () => {
		const bot = startedBot(env());
		await bot.start();
		const { result } = await resultOfMessage();
		cd.opts.taskDurationMs = 3000;
		const running = discord.slash({ command: 'upscale', attachment: image(), userId: STRANGER });
		await discord.waitFor(() => /Clipdrop/.test(discord.replyOf(running)?.content ?? ''));
		const stopped = bot.stop();
		const click = discord.click({ messageId: result.id, customId: idOf(result, 'again') });
		expect(await refusal(click)).toBe('The bot is restarting. Try again in a minute.');
		await stopped;
		expect(discord.replyOf(running).content).toMatch(/^✅/);
	});
});
