/**
 * Options as a user gave them → validated options: zod's shapes and ranges (core/options.ts), then the provider's
 * registry entry (which options it takes), then the rules between options. One readable sentence per problem.
 */
import type { z } from 'zod';
import { invalidOptions } from './errors';
import type { UpscaleOptions } from './options';
import { upscaleOptionsSchema } from './options-schema';
import { refuseForeignOptions, type ProviderId } from './vendors';

/** Turns zod's issues into one readable sentence per problem. */
export function formatIssues(error: z.ZodError): string {
	return error.issues
		.map((i) => {
			if (i.code === 'unrecognized_keys') return `unknown option${i.keys.length > 1 ? 's' : ''}: ${i.keys.join(', ')}`;
			const path = i.path.join('.');
			return i.message.startsWith(path.split('.')[0]) || !path ? i.message : `${path}: ${i.message}`;
		})
		.join('; ');
}

export function parseOptions(input: unknown, provider?: ProviderId): UpscaleOptions {
	const r = upscaleOptionsSchema.safeParse(input ?? {});
	if (!r.success) throw invalidOptions(`Invalid options: ${formatIssues(r.error)}.`, provider);
	const o = r.data;
	if (provider !== undefined) refuseForeignOptions(o, provider);
	if (o.pollMinMs !== undefined && o.pollMaxMs !== undefined && o.pollMinMs > o.pollMaxMs) {
		throw invalidOptions('Invalid options: the poll minimum interval is larger than the maximum.', provider);
	}
	return o;
}
