/** Identifiers the API hands out: time-ordered (they sort by creation) and unguessable. */
import { randomBytes } from 'node:crypto';

export function newId(prefix: 'job' | 'msg' | 'run'): string {
	const time = Date.now().toString(36).padStart(9, '0');
	return `${prefix}_${time}${randomBytes(10).toString('hex')}`;
}
