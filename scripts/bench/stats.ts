/** The benchmark's one statistic beyond a mean: the p-th percentile of a sample (nearest rank). */
export const pct = (xs: number[], p: number): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
