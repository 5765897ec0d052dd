/** The nearest of some names to a word typed by hand: the commands' "did you mean …?". */

/** Edits (insert, delete, replace, swap two neighbours) that turn a into b. */
function distance(a: string, b: string): number {
	const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
	for (let j = 1; j <= b.length; j++) d[0][j] = j;
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
		}
	}
	return d[a.length][b.length];
}

/** The candidate nearest to `word` (at most 2 edits, or a prefix of at least 3 letters), if one is. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
	const w = word.toLowerCase();
	let best: { c: string; d: number } | undefined;
	for (const c of candidates) {
		const d = w.length >= 3 && c.startsWith(w) ? 1 : distance(w, c);
		if (d <= Math.min(2, Math.max(1, Math.floor(c.length / 3))) && (!best || d < best.d)) best = { c, d };
	}
	return best?.c;
}
