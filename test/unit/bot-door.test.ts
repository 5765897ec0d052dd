/**
 * The message a finished bot job makes from its stored row (bot/door.ts): the file when it is here, the fitting
 * under an upload limit, and — the result file not on this machine (a fleet worker elsewhere wrote it) — the
 * vendor's link, or a plain account of why there is nothing to post.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcomeOf } from '../../bot/door';
import type { JobRow } from '../../runtime/jobs/job';

const dir = mkdtempSync(join(tmpdir(), 'door-'));

function row(over: Partial<JobRow> = {}): JobRow {
	return {
		status: 'succeeded',
		provider: 'ximilar',
		input_name: 'cat.jpg',
		input_width: 320,
		input_height: 240,
		output_width: 640,
		output_height: 480,
		output_bytes: 5000,
		output_type: 'image/jpeg',
		output_path: join(dir, 'job.jpg'),
		credits_consumed: 1,
		credits_remaining: 99,
		result_url: 'https://results.example/abc.jpg',
		result_expires_at: Date.UTC(2026, 11, 6),
		...over,
	} as JobRow;
}

it('the file when it is here, named after the input; over a limit, the link with its expiry', async () => {
	writeFileSync(join(dir, 'job.jpg'), Buffer.alloc(5000, 1));
	const o = await outcomeOf(row());
	expect(o.content).toBe('✅ Upscaled 320×240 → 640×480 with Ximilar. Credits used: 1 · remaining: 99');
	expect(o.file).toMatchObject({ name: 'cat-upscaled.jpg', contentType: 'image/jpeg' });
	expect(o.file?.data.length).toBe(5000);
	expect(o.oversize?.(4000)).toEqual(expect.stringMatching(/over this server's 0\.0 MB upload limit, so here is a link instead \(it expires <t:\d+:R>\): https:\/\/results\.example\/abc\.jpg$/));
});

it('the result file is not on this machine: the link, or says there is nothing to post', async () => {
	const gone = { output_path: join(dir, 'elsewhere.jpg') };
	expect(await outcomeOf(row(gone))).toEqual({ content: expect.stringMatching(/^✅ Upscaled 320×240 → 640×480 with Ximilar\. .*\nHere is the result \(the link expires <t:\d+:R>\): https:\/\/results\.example\/abc\.jpg$/) });
	expect(await outcomeOf(row({ ...gone, provider: 'clipdrop', result_url: null }))).toEqual({
		content: expect.stringMatching(/\nBut the file is no longer on this bot, and Clipdrop gave no link for it\. Please run \/upscale again\.$/),
	});
});

it('a failure is its message, and takes the Cancel off the message', async () => {
	expect(await outcomeOf(row({ status: 'failed', error_message: 'Ximilar refused the image.' }))).toEqual({ content: '❌ Ximilar refused the image.', components: [] });
});

it('a canceled job says whether the vendor may still charge, in the requester’s language', async () => {
	const canceled = (over: Partial<JobRow>) => outcomeOf(row({ status: 'canceled', cancel_note: 'English note from the engine', ...over }));
	expect(await canceled({ nothing_charged: 1 })).toEqual({ content: '🛑 Canceled before anything was sent: nothing was charged.', components: [] });
	expect(await canceled({ nothing_charged: 1, provider: 'local' })).toEqual({ content: '🛑 Canceled: the local engine stopped. Nothing was charged.', components: [] });
	expect((await canceled({ nothing_charged: 0, door: JSON.stringify({ locale: 'de' }) })).content).toBe('🛑 Abgebrochen. Ximilar hatte den Auftrag schon und berechnet ihn eventuell trotzdem; das Ergebnis wird nicht gepostet.');
});
