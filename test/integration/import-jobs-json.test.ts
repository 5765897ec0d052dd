/**
 * jobs.json of an earlier bot (bot/import-jobs-json.ts) into the engine's SQLite store: entries this version
 * cannot answer for (null, missing fields, an unknown provider) are left out and counted, never allowed to stop
 * the bot; the good ones become running jobs for the engine to take over; the file is renamed.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJobsJson } from '../../bot/import-jobs-json';
import { isPaid, type ProviderId } from '../../core';
import { Db } from '../../runtime/jobs/db';
import { MIGRATIONS } from '../../runtime/jobs/schema';
import { SqliteJobStore } from '../../runtime/jobs/sqlite-store';
import { createLogger } from '../../runtime/log';

it('leaves out what it cannot read, imports the rest, renames the file', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'import-'));
	const good = { interactionId: '1', applicationId: 'a', token: 't', channelId: 'c', guildId: null, userId: 'u', provider: 'clipdrop', options: {}, fileName: 'x.jpg', attachmentSizeLimit: 1, acceptedAt: 1, taskId: 'task-1' };
	writeFileSync(join(dir, 'jobs.json'), JSON.stringify([null, { interactionId: '2' }, { ...good, interactionId: '3', provider: 'bogus' }, good]));
	const jobs = new SqliteJobStore(new Db(join(dir, 'bot.db'), MIGRATIONS));
	const lines: string[] = [];
	expect(await importJobsJson(dir, jobs, createLogger('info', [], (l) => lines.push(l)))).toBe(4);
	expect((await jobs.withStatus('running')).map((r) => [r.id, r.vendor_task_id])).toEqual([['1', 'task-1']]);
	expect(existsSync(join(dir, 'jobs.json'))).toBe(false);
	expect(lines.join('')).toMatch(/"msg":"left out jobs of an earlier version that could not be read","jobs":3/);
});

it('a provider this version does not know counts as paid (the engine never throws on it)', () => {
	expect(isPaid('bogus' as ProviderId)).toBe(true);
	expect(isPaid('local')).toBe(false);
});
