/**
 * Counts per key of what is in flight (sending slots per client key in the runner, webhook attempts per endpoint
 * and per client in the sender): a key whose count falls to zero is dropped, so the map holds only what is busy.
 */
export class Tally {
	private readonly counts = new Map<string, number>();

	of(key: string): number {
		return this.counts.get(key) ?? 0;
	}

	add(key: string, by = 1): void {
		const n = this.of(key) + by;
		if (n > 0) this.counts.set(key, n);
		else this.counts.delete(key);
	}

	/** The busy keys and their counts, as a plain object (a store's claim takes it). */
	toObject(): Record<string, number> {
		return Object.fromEntries(this.counts);
	}
}
