/** Runs `work` for 0..n-1, at most `limit` at a time, in order of start (the node's items, a few at once). */
export async function eachLimited(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
	let next = 0;
	const lane = async () => {
		while (next < n) await work(next++);
	};
	await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}
