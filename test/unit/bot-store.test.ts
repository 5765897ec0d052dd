/** The bot's job store on disk: what a restart finds, written atomically and privately. */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, type StoredJob } from '../../bot/store';

const job = (id: string, extra: Partial<StoredJob> = {}): StoredJob => ({
	interactionId: id,
	applicationId: '100000000000000001',
	token: `interaction-token-${id}`,
	channelId: '100000000000000002',
	guildId: null,
	userId: '100000000000000003',
	provider: 'clipdrop',
	options: { scale: 2 },
	fileName: 'photo.jpg',
	attachmentSizeLimit: 10 * 1024 * 1024,
	acceptedAt: 1,
	...extra,
});

describe('JobStore', () => {
	const dir = () => mkdtempSync(join(tmpdir(), 'bot-store-'));

	it('a new store in the same folder finds what the last one kept: put, update with the task id, remove', () => {
		const d = dir();
		const s = new JobStore(d);
		s.put(job('1'));
		s.put(job('2'));
		s.update('1', { taskId: 'task-abc' });
		s.remove('2');
		s.update('missing', { taskId: 'x' });
		const again = new JobStore(d);
		expect(again.all()).toEqual([job('1', { taskId: 'task-abc' })]);
	});

	it('the file is private (0600), the folder too (0700), and no temporary file is left behind', () => {
		const d = join(dir(), 'data');
		const s = new JobStore(d);
		s.put(job('1'));
		expect(statSync(join(d, 'jobs.json')).mode & 0o777).toBe(0o600);
		expect(statSync(d).mode & 0o777).toBe(0o700);
		expect(readdirSync(d)).toEqual(['jobs.json']);
		expect(JSON.parse(readFileSync(join(d, 'jobs.json'), 'utf8'))).toHaveLength(1);
	});

	it('an empty folder is an empty store; a damaged file is an error that names it', () => {
		expect(new JobStore(dir()).all()).toEqual([]);
		const d = dir();
		writeFileSync(join(d, 'jobs.json'), '{not json');
		expect(() => new JobStore(d)).toThrow(`Cannot read the job store ${join(d, 'jobs.json')}:`);
	});
});
