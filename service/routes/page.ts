/** GET /: the page (drop an image, pick provider and options, watch progress, compare, download, copy the link). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { API_FIELDS, apiName } from '../schemas';
import { optionHelp, PROVIDER_NAMES, providerInfo, type OptionField, type ProviderId } from '../../core';
import type { ServiceContext } from '../context';
import { PUBLIC_ROUTE } from '../perimeter';

/** A field's name for people (the core's label: "Width", "Tune Colors"). */
export const fieldLabel = (f: OptionField) => f.label;

/** Its help as Zapier and Activepieces give it, without a "Vendor:" prefix (the page shows one provider's fields). */
export const fieldHelp = (f: OptionField) => optionHelp(f);

export function page(app: FastifyInstance, ctx: ServiceContext): void {
	const html = readFileSync(join(__dirname, '..', 'page', 'index.html'), 'utf8');
	app.get('/', PUBLIC_ROUTE, async (_req, reply) => {
		reply.header('content-type', 'text/html; charset=utf-8');
		reply.header('content-security-policy', "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
		return html;
	});
	// What the page offers: the providers of this server and the core's option fields, from the registry.
	app.get('/page/options.json', PUBLIC_ROUTE, async () => ({
		// Each provider with the fields it takes (the registry's `accepts`), so the page shows only those.
		// Its help for a field where it words it in its own terms (Ximilar's scale: 2, 4 or 8).
		providers: ctx.providers.offered.map((id: ProviderId) => {
			const info = providerInfo(id);
			const fields = API_FIELDS.filter((f) => info.accepts.includes(f.key));
			return { id, name: PROVIDER_NAMES[id], fields: fields.map(apiName), help: Object.fromEntries(fields.filter((f) => info.optionHelp?.[f.key]).map((f) => [apiName(f), optionHelp(f, info)])) };
		}),
		default_provider: ctx.providers.defaultProvider,
		fields: API_FIELDS.map((f) => ({ name: apiName(f), label: fieldLabel(f), help: fieldHelp(f), type: f.type, min: f.min ?? null, max: f.max ?? null, choices: f.choices ?? null, section: f.section })),
	}));
}
