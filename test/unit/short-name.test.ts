import { shortName } from '../../cli/output';

describe('shortName (the rescue copy of a result whose own name was refused)', () => {
	it('keeps short names and the extension; cuts long ones to 100 UTF-8 bytes, never inside a character', () => {
		expect(shortName('photo-upscaled.jpg')).toBe('photo-upscaled.jpg');
		expect(shortName(`${'z'.repeat(300)}.jpg`)).toBe(`${'z'.repeat(96)}.jpg`);
		const cyrillic = shortName(`${'я'.repeat(130)}.png`);
		expect(cyrillic).toBe(`${'я'.repeat(48)}.png`);
		expect(shortName(`${'😀'.repeat(60)}.webp`)).toBe(`${'😀'.repeat(23)}.webp`);
	});
});
