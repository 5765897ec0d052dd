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
			if (p.fraction !== undefined) return `${name}: upscaling ${coarse ? Math.floor(p.fraction * 10) * 10 : Math.floor(p.fraction * 100)}% (${p.vendorStatus === 'fast' ? 'fast mode' : 'AI model'}${coarse ? '' : `, ${elapsed}`})`;
			return `${name}: processing (task ${p.taskId}, ${elapsed})`;
		case 'downloading':
			return `${name}: downloading the result…`;
		case 'done':
			return `${name}: done in ${(p.elapsedMs / 1000).toFixed(1)} s`;
	}
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
