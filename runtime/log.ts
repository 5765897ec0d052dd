/**
 * Structured logs for the bot and the service: one JSON object per line on stdout. Secrets are replaced before
 * anything is written, and every URL loses its user info, query and fragment (a client's image URL may carry a
 * signed token there): `https://host/path?…`.
 */
import { redact } from '../core';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type Level = keyof typeof LEVELS;

export interface Logger {
	debug(msg: string, fields?: Record<string, unknown>): void;
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
}

/** A URL in a JSON line ends at a quote, a backslash (an escape) or white space. */
const URL_IN_LINE = /\b(https?:\/\/)(?:[^\s"\\/?#@]*@)?([^\s"\\?#]*)([?#][^\s"\\]*)?/gi;

/** The line with every URL cut to its scheme, host and path. */
export function scrubUrls(line: string): string {
	return line.replace(URL_IN_LINE, (_m, scheme: string, rest: string, tail?: string) => `${scheme}${rest}${tail ? '?…' : ''}`);
}

export function createLogger(level: Level, secrets: string[], write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
	const min = LEVELS[level];
	const emit = (lvl: Level, msg: string, fields: Record<string, unknown> = {}) => {
		if (LEVELS[lvl] < min) return;
		const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields });
		write(`${scrubUrls(redact(line, secrets))}\n`);
	};
	return {
		debug: (m, f) => emit('debug', m, f),
		info: (m, f) => emit('info', m, f),
		warn: (m, f) => emit('warn', m, f),
		error: (m, f) => emit('error', m, f),
	};
}
