/** GET /: the page (drop an image, pick provider and options, watch progress, compare, download, copy the link). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { API_FIELDS, apiName } from '../schemas';
import { OPTION_LABELS, PROVIDER_NAMES, providerInfo, type OptionField, type ProviderId } from '../../core';
import type { ServiceContext } from '../context';
import { PUBLIC_ROUTE } from '../perimeter';

const capital = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

/** A field's name for people: the core's label ("best quality"), or its flag's words where the label covers two fields (width/height). */
export const fieldLabel = (f: OptionField) => capital(OPTION_LABELS[f.key].includes('/') ? f.flag.replace(/-/g, ' ') : OPTION_LABELS[f.key]);

/** Its help as the chat command and Zapier give it, without the "Vendor:" prefix (the page shows one provider's fields). */
export const fieldHelp = (f: OptionField) => capital((f.chat?.description ?? f.help).replace(/^[A-Z][A-Za-z]*(, [A-Z][A-Za-z]*)*: /, ''));

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
		providers: ctx.providers.offered.map((id: ProviderId) => ({ id, name: PROVIDER_NAMES[id], fields: API_FIELDS.filter((f) => providerInfo(id).accepts.includes(f.key)).map(apiName) })),
		default_provider: ctx.providers.defaultProvider,
		fields: API_FIELDS.map((f) => ({ name: apiName(f), label: fieldLabel(f), help: fieldHelp(f), type: f.type, min: f.min ?? null, max: f.max ?? null, choices: f.choices ?? null, section: f.section })),
	}));
}
