import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../runtime/make-dirs';

describe('makeDirs', () => {
	const root = mkdtempSync(join(tmpdir(), 'make-dirs-'));

	it('creates the missing folders with the mode, and again is a no-op', () => {
		const deep = join(root, 'a', 'b', 'c');
		makeDirs(deep, 0o700);
		makeDirs(deep, 0o700);
		for (const d of [join(root, 'a'), join(root, 'a', 'b'), deep]) expect(statSync(d).mode & 0o777).toBe(0o700);
	});

	it('fails with the system error where a folder cannot be made, instead of looping (Node\'s recursive mkdir spins under /proc)', () => {
		expect(() => makeDirs('/proc/upscale-make-dirs/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
		writeFileSync(join(root, 'file'), '');
		expect(() => makeDirs(join(root, 'file', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
	});
});
