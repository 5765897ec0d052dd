/** The bot's text tables: every locale complete and consistent with English; the lookup's fallbacks. */
import { en } from '../../bot/i18n/en';
import { localizations, placeholders, t, TABLES, tp } from '../../bot/i18n';
import { messages } from '../../bot/messages';

const keys = Object.keys(en) as Array<keyof typeof en>;

describe('the locale tables', () => {
	it('offers English, German and Spanish', () => {
		expect(Object.keys(TABLES).sort()).toEqual(['de', 'en', 'es']);
	});

	for (const [lang, { table }] of Object.entries(TABLES)) {
		it(`${lang}: every English key, no other key, each with the same placeholders and not left in English by mistake`, () => {
			expect(Object.keys(table).sort()).toEqual([...keys].sort());
			for (const k of keys) {
				const s = table[k]!;
				expect(typeof s).toBe('string');
				expect(s.trim()).not.toBe('');
				expect({ key: k, placeholders: [...new Set(placeholders(s))].sort() }).toEqual({ key: k, placeholders: [...new Set(placeholders(en[k]))].sort() });
			}
		});
	}

	it('command and option names are what Discord accepts (lowercase, no spaces, 1 to 32 characters); descriptions at most 100', () => {
		for (const { table } of Object.values(TABLES)) {
			for (const k of keys.filter((k) => /^cmd\..*\.name$/.test(k) && k !== 'cmd.context.name')) expect(table[k]).toMatch(/^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u);
			for (const k of keys.filter((k) => k.endsWith('.description'))) expect(table[k]!.length).toBeLessThanOrEqual(100);
			expect(table['cmd.context.name']!.length).toBeLessThanOrEqual(32);
		}
	});
});

describe('t', () => {
	it("picks the table by the locale's language: de, es-ES and es-419; en-GB, an unknown locale and none are English", () => {
		expect(t('de', 'busy')).toMatch(/^Du hast bereits/);
		expect(t('es-ES', 'busy')).toMatch(/^Ya tienes/);
		expect(t('es-419', 'busy')).toBe(t('es-ES', 'busy'));
		for (const l of ['en-GB', 'en-US', 'ja', '', null, undefined]) expect(t(l, 'busy')).toBe(en.busy);
	});

	it('a key missing from a locale falls back to English', () => {
		const saved = TABLES.de.table.busy;
		delete TABLES.de.table.busy;
		try {
			expect(t('de', 'busy')).toBe(en.busy);
			expect(t('de', 'closed')).not.toBe(en.closed);
		} finally {
			TABLES.de.table.busy = saved;
		}
	});

	it('fills placeholders once: a value that itself looks like {a placeholder} stays as it is', () => {
		expect(t('en', 'invalid', { message: 'width {provider} is odd' })).toBe('❌ width {provider} is odd');
		expect(t('de', 'notConfigured', { provider: 'Clipdrop' })).toBe('Clipdrop ist auf diesem Bot nicht eingerichtet.');
	});

	it("plural forms follow the locale's rules", () => {
		expect(tp('en', 'dailyCap', 1, { cap: 1, when: 'soon' })).toBe('You have used your 1 credit for today. The limit resets soon.');
		expect(tp('en', 'dailyCap', 5, { cap: 5, when: 'soon' })).toBe('You have used your 5 credits for today. The limit resets soon.');
		expect(tp('es-ES', 'dailyCap', 1, { cap: 1, when: 'pronto' })).toMatch(/1 crédito\./);
		expect(tp('es-ES', 'dailyCap', 2, { cap: 2, when: 'pronto' })).toMatch(/2 créditos\./);
	});

	it("localizations() names Discord's locales for each table (German: de; Spanish: es-ES and es-419), never English", () => {
		expect(localizations('cmd.upscale.description')).toEqual({ de: expect.stringMatching(/hochskalieren/), 'es-ES': expect.stringMatching(/Amplía/), 'es-419': expect.stringMatching(/Amplía/) });
	});
});

describe('messages(locale)', () => {
	const facts = { provider: 'local' as const, input: { width: 10, height: 10 }, width: 40, height: 40, credits: { consumed: null, remaining: null }, size: 3 * 1048576 + 400_000, resultUrl: 'https://x.test/r.png' };

	it('English is word for word what the bot said before the tables', () => {
		const m = messages('en-US');
		expect(m.tooBigLink(facts, 10 * 1048576)).toBe("✅ Upscaled 10×10 → 40×40 with the local engine. Free: no credits used.\nThe file is 3.4 MB, over this server's 10.0 MB upload limit, so here is a link instead: https://x.test/r.png");
		expect(m.progress({ provider: 'local', stage: 'processing', fraction: 0.5, elapsedMs: 3000, vendorStatus: 'best' } as never, 0)).toBe('⏳ Upscaling with the local engine (best-quality model): 50% · elapsed 3 s');
		expect(m.notAnImage('text/plain')).toBe('That file is `text/plain`. Send a PNG, JPEG or WebP image.');
		expect(m.notConfigured('clipdrop')).toBe('Clipdrop is not set up on this bot.');
	});

	it('German writes numbers the German way and keeps the vendor names from the registry', () => {
		const m = messages('de');
		expect(m.tooBigLink(facts, 10 * 1048576)).toContain('Die Datei ist 3,4 MB groß und liegt über dem Upload-Limit dieses Servers von 10,0 MB');
		expect(m.localTooBig(5000, 5000, 16)).toBe('❌ Das wären 5000×5000 (25,0 MP); die lokale Engine dieses Bots erzeugt Bilder bis 16 MP. Nutze einen kleineren Faktor.');
		expect(m.progress({ provider: 'local', stage: 'queued', position: 2, elapsedMs: 1000 } as never, 0)).toBe('⏳ Lokal-Engine: in der Warteschlange, Position 2 · vergangen 1 s');
	});
});
