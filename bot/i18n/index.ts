/**
 * The bot's texts by locale: `t(locale, key, args)` picks the table of the interaction's locale (Discord's `de`,
 * `es-ES`, `es-419`, `en-US`…), fills its {placeholders} and falls back to English for a locale or a key it lacks.
 * Adding a locale is one file here and one line in TABLES (the unit test then checks it has every key).
 */
import { de } from './de';
import { en, type MessageKey, type Table } from './en';
import { es } from './es';

export type { MessageKey } from './en';
export type Args = Record<string, string | number>;

/** The tables by language (the part of a Discord locale before '-'), and the Discord locales each one serves. */
export const TABLES: Record<string, { table: Partial<Table>; discordLocales: string[] }> = {
	en: { table: en, discordLocales: [] },
	de: { table: de, discordLocales: ['de'] },
	es: { table: es, discordLocales: ['es-ES', 'es-419'] },
};

const languageOf = (locale: string | null | undefined) => (locale ?? 'en').split('-')[0].toLowerCase();

/** The placeholders a text names ({name} → name), in order. */
export const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

/** The text for `key` in `locale` (English when the locale or the key is missing), with its {placeholders} filled. */
export function t(locale: string | null | undefined, key: MessageKey, args: Args = {}): string {
	const s = TABLES[languageOf(locale)]?.table[key] || en[key];
	return s.replace(/\{(\w+)\}/g, (whole, name: string) => (name in args ? String(args[name]) : whole));
}

/** A text that depends on a count: `key.one` or `key.other` as the locale's plural rules say. */
export function tp(locale: string | null | undefined, key: 'dailyCap', count: number, args: Args = {}): string {
	const form = new Intl.PluralRules(languageOf(locale)).select(count) === 'one' ? 'one' : 'other';
	return t(locale, `${key}.${form}`, { ...args, count });
}

/** A number with a fixed count of decimals, written the locale's way (1.5 in English, 1,5 in German). */
export function decimal(locale: string | null | undefined, n: number, digits = 1): string {
	return new Intl.NumberFormat(languageOf(locale), { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(n);
}

/** Discord's `*_localizations` for a key: every locale the tables serve, from their own table (none when a table lacks it). */
export function localizations(key: MessageKey): Record<string, string> {
	const out: Record<string, string> = {};
	for (const { table, discordLocales } of Object.values(TABLES)) {
		const s = table[key];
		if (s) for (const l of discordLocales) out[l] = s;
	}
	return out;
}
