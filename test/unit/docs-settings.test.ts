/**
 * Every setting the code reads is documented on its door's page: the job service's, the bot's and the CLI's
 * environment, read through an environment that records each name asked for (the configs' own loaders, run as the
 * programs run them), must each have a row in that page's settings table (each vendor's own settings: in the CLI's).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VENDOR_IDS, VENDOR_REGISTRY } from '../../core';
import { loadConfig } from '../../bot/config';
import { vendorEnv } from '../../runtime';
import { chooseBackend } from '../../runtime/local/backend';
import { defaultThreads, defaultTile } from '../../runtime/local/engine';
import { sharedStateFromEnv } from '../../runtime/redis-connection';
import { loadServiceConfig } from '../../service/config';

const ROOT = resolve(__dirname, '../..');

/** The names a loader asks the environment for (it finds none set: the loader may refuse, the names are read). */
function namesRead(load: (env: NodeJS.ProcessEnv) => unknown): string[] {
	const names = new Set<string>();
	const env = new Proxy({} as NodeJS.ProcessEnv, {
		get: (_t, name) => {
			if (typeof name === 'string' && /^[A-Z][A-Z0-9_]+$/.test(name)) names.add(name);
			return undefined;
		},
	});
	try {
		load(env);
	} catch {
		// A refusal (a required setting is missing) comes after every name was read.
	}
	return [...names];
}

/** The names a page's tables document: `NAME` in a table row, or a `*_SUFFIX` / `PREFIX_*` pattern there. */
function documented(page: string): (name: string) => boolean {
	const rows = readFileSync(join(ROOT, 'docs', page), 'utf8')
		.split('\n')
		.filter((l) => l.trimStart().startsWith('|'));
	const names = rows.flatMap((r) => [...r.matchAll(/`([A-Z*][A-Z0-9_*]*)`/g)].map((m) => m[1]));
	const patterns = names.map((n) => new RegExp(`^${n.replace(/\*/g, '[A-Z0-9_]+')}$`));
	return (name) => patterns.some((p) => p.test(name));
}

const undocumented = (page: string, names: string[]) => names.filter((n) => !documented(page)(n));

/**
 * Each vendor's settings (key, base URL, rate limit) are documented once, on the CLI's page; the other doors' pages
 * link there. So a vendor added to the registry is documented in one table, and the test says which.
 */
const VENDOR_SETTINGS = new Set(VENDOR_IDS.flatMap((id) => Object.values(VENDOR_REGISTRY[id].env)));
const doorSettings = (page: string, names: string[]) => {
	expect(readFileSync(join(ROOT, 'docs', page), 'utf8')).toContain('](cli.md#configuration-environment)');
	return undocumented(page, names.filter((n) => !VENDOR_SETTINGS.has(n)));
};

describe('every setting the code reads is documented', () => {
	it("the job service's (docs/service.md)", () => {
		const names = namesRead(loadServiceConfig);
		expect(names).toEqual(expect.arrayContaining(['PORT', 'UPSCALE_WEBHOOK_TIMEOUT', 'UPSCALE_IDLE_TIMEOUT', 'REDIS_URL']));
		expect(doorSettings('service.md', names)).toEqual([]);
	});

	it("the bot's (docs/discord.md)", () => {
		const names = namesRead(loadConfig);
		expect(names).toEqual(expect.arrayContaining(['DISCORD_TOKEN', 'BOT_JOB_TIMEOUT_SECONDS', 'BOT_DATA_DIR']));
		expect(doorSettings('discord.md', names)).toEqual([]);
	});

	it("the CLI's (docs/cli.md), the local engine's (docs/local-engine.md)", () => {
		const cli = namesRead((env) => {
			for (const id of VENDOR_IDS) vendorEnv(id, env);
			sharedStateFromEnv(env);
		});
		const local = namesRead((env) => {
			defaultThreads(env);
			defaultTile(env);
			chooseBackend(env, () => {
				throw new Error('not loaded in this test');
			});
		});
		expect(cli).toEqual(expect.arrayContaining(['REDIS_URL', ...VENDOR_SETTINGS]));
		expect(local).toEqual(expect.arrayContaining(['UPSCALE_LOCAL_THREADS', 'UPSCALE_LOCAL_TILE', 'UPSCALE_LOCAL_BACKEND']));
		expect(undocumented('cli.md', [...cli, ...local])).toEqual([]);
		expect(undocumented('local-engine.md', local)).toEqual([]);
	});

	it('a name missing from a page is found (the check can fail)', () => {
		expect(undocumented('service.md', ['UPSCALE_NO_SUCH_SETTING', 'XIMILAR_BASE_URL'])).toEqual(['UPSCALE_NO_SUCH_SETTING']);
	});
});
