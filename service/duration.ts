/** "90s", "30m", "24h", "500ms", "2d" or plain seconds → milliseconds; undefined when it is not a duration. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
	const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?$/i.exec(text.trim());
	if (!m) return undefined;
	return Math.round(Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]);
}
