/** Structured logs for the bot and the service: one JSON object per line on stdout. Secrets are replaced before anything is written. */
import { redact } from '../core';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type Level = keyof typeof LEVELS;

export interface Logger {
	debug(msg: string, fields?: Record<string, unknown>): void;
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: Level, secrets: string[], write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
	const min = LEVELS[level];
	const emit = (lvl: Level, msg: string, fields: Record<string, unknown> = {}) => {
		if (LEVELS[lvl] < min) return;
		const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields });
		write(`${redact(line, secrets)}\n`);
	};
	return {
		debug: (m, f) => emit('debug', m, f),
		info: (m, f) => emit('info', m, f),
		warn: (m, f) => emit('warn', m, f),
		error: (m, f) => emit('error', m, f),
	};
}
