/** Progress lines on stderr: one updating line on a terminal, one line per change otherwise. */
import { PROVIDER_NAMES, type Progress } from '../core';

/** `coarse`: percentages in steps of 10 (a log gets ten lines, not one per tile). */
export function describeProgress(p: Progress, now: number, coarse = false): string {
	const name = PROVIDER_NAMES[p.provider].replace(/^the l/, 'L');
	const elapsed = `${Math.round(p.elapsedMs / 1000)} s`;
	switch (p.stage) {
		case 'uploading':
			return `${name}: sending the image…`;
		case 'queued': {
			const parts = [`${name}: queued`];
			if (p.position !== undefined) parts.push(p.position === 0 ? 'at the front of the queue' : `position ${p.position}`);
			if (p.etaMs !== undefined) parts.push(`eta ~${Math.max(0, Math.round((p.etaMs - now) / 1000))} s`);
			return `${parts.join(', ')} (task ${p.taskId}, ${elapsed})`;
		}
		case 'processing':
			if (p.fraction !== undefined) {
				const how = p.vendorStatus === 'fast' ? 'fast mode' : p.vendorStatus === 'best' ? 'best-quality model' : 'AI model';
				// A log gets the estimate once, on the 0% line (its lines repeat only when the percentage moves).
				const left = p.etaMs !== undefined && (!coarse || p.fraction === 0) ? `, about ${duration(p.etaMs - now)} ${p.fraction === 0 ? 'in all' : 'left'}` : '';
				return `${name}: upscaling ${coarse ? Math.floor(p.fraction * 10) * 10 : Math.floor(p.fraction * 100)}% (${how}${coarse ? '' : `, ${elapsed}`}${left})`;
			}
			return `${name}: processing (task ${p.taskId}, ${elapsed})`;
		case 'downloading':
			return `${name}: downloading the result…`;
		case 'done':
			return `${name}: done in ${(p.elapsedMs / 1000).toFixed(1)} s`;
	}
}

/** "40 s", "3 min", "1 h 5 min": an estimate, rounded as one. */
export function duration(ms: number): string {
	const s = Math.max(1, Math.round(ms / 1000));
	if (s < 90) return `${s} s`;
	const min = Math.round(s / 60);
	return min < 90 ? `${min} min` : `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

export function progressReporter(stream: NodeJS.WriteStream, enabled: boolean): { report(p: Progress): void; end(): void } {
	const tty = !!stream.isTTY;
	let last = '';
	return {
		report(p) {
			if (!enabled) return;
			const line = describeProgress(p, Date.now(), !tty);
			if (line === last) return;
			last = line;
			if (tty) stream.write(`\r\x1b[2K${line}`);
			else stream.write(`${line}\n`);
		},
		/** Ends the updating line (once: callers may end on success and again in a finally). */
		end() {
			if (enabled && tty && last) stream.write('\n');
			last = '';
		},
	};
}
