/**
 * `upscale keys create [--name NAME] | list | revoke ID`: the client keys of a server's data directory
 * (UPSCALE_DATA_DIR, default ./data, or --data-dir). A key and its webhook secret are printed once, at creation.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureDataDir } from '../../runtime/jobs/lock';
import { settingPath } from '../../runtime/make-dirs';
import { KeyStore } from './store';

const USAGE = `usage: upscale keys create [--name NAME] [--json]
       upscale keys list [--json]
       upscale keys revoke KEY_ID
options: --data-dir DIR (default: UPSCALE_DATA_DIR, else ./data)`;

/** C0 and C1 control characters (a line break, ESC of a terminal escape). */
const isControl = (c: string) => {
	const n = c.codePointAt(0)!;
	return n < 0x20 || (n >= 0x7f && n < 0xa0);
};

/**
 * The data directory made ready for `action`, or the exit status when the command ends here: listing or revoking
 * where no folder is creates nothing; a folder that cannot be used is one sentence.
 */
function prepareFolder(a: { action: string; id?: string; dataDir: string; json: boolean; setting: string }, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number | undefined {
	if (a.action === 'list' && !existsSync(a.dataDir)) {
		out.write(a.json ? '[]\n' : `No client keys in ${a.dataDir} (it does not exist): create one with \`upscale keys create\`.\n`);
		return 0;
	}
	if (a.action === 'revoke' && a.id && !a.id.startsWith('usk_') && !existsSync(a.dataDir)) {
		err.write(`upscale keys: no active key ${a.id.slice(0, 40)} in ${a.dataDir} (it does not exist; see upscale keys list).\n`);
		return 1;
	}
	try {
		ensureDataDir(a.dataDir, a.setting);
	} catch (e) {
		err.write(`upscale keys: ${(e as Error).message}\n`);
		return 2;
	}
	return undefined;
}

export function keysCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out = process.stdout, err = process.stderr): number {
	let parsed;
	try {
		parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { name: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
	} catch (e) {
		err.write(`upscale keys: ${(e as Error).message.split('\n')[0]}\n${USAGE}\n`);
		return 2;
	}
	const [action, id, ...rest] = parsed.positionals;
	if (parsed.values.help || !action) {
		(parsed.values.help ? out : err).write(`${USAGE}\n`);
		return parsed.values.help ? 0 : 2;
	}
	if (parsed.values['data-dir']?.trim() === '') {
		err.write(`upscale keys: --data-dir needs a folder.\n${USAGE}\n`);
		return 2;
	}
	const dataDir = settingPath(parsed.values['data-dir'] ?? (env.UPSCALE_DATA_DIR?.trim() || './data'));
	const json = !!parsed.values.json;
	if (rest.length || (action !== 'revoke' && id)) {
		err.write(`upscale keys: unexpected argument "${rest[0] ?? id}".\n${USAGE}\n`);
		return 2;
	}
	const early = prepareFolder({ action, id, dataDir, json, setting: parsed.values['data-dir'] ? '--data-dir' : 'UPSCALE_DATA_DIR' }, out, err);
	if (early !== undefined) return early;
	const store = KeyStore.open(dataDir);
	try {
		switch (action) {
			case 'create': {
				// Control characters (a line break, a terminal escape) would rewrite `keys list`'s lines: spaces instead.
				const name = [...(parsed.values.name ?? '')].map((c) => (isControl(c) ? ' ' : c)).join('').replace(/ {2,}/g, ' ').trim() || 'client';
				const { key, client } = store.create(name.slice(0, 100));
				if (json) out.write(`${JSON.stringify({ id: client.id, name: client.name, key, webhook_secret: client.webhookSecret })}\n`);
				else out.write(`Created ${client.id} (${client.name}) in ${dataDir}. Shown once; store them now:\n  key:            ${key}\n  webhook secret: ${client.webhookSecret}\nSend the key as "Authorization: Bearer <key>"; verify webhooks with the secret (Standard Webhooks).\n`);
				return 0;
			}
			case 'list': {
				const keys = store.list().map((k) => ({ id: k.id, name: k.name, created_at: new Date(k.createdAt).toISOString(), revoked_at: k.revokedAt ? new Date(k.revokedAt).toISOString() : null }));
				if (json) out.write(`${JSON.stringify(keys)}\n`);
				else out.write(keys.length ? `${keys.map((k) => `${k.id}  ${k.name}  created ${k.created_at}${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}`).join('\n')}\n` : `No client keys in ${dataDir}: create one with \`upscale keys create\`.\n`);
				return 0;
			}
			case 'revoke': {
				if (!id) {
					err.write(`upscale keys: revoke needs a key id (see upscale keys list).\n`);
					return 2;
				}
				if (id.startsWith('usk_')) {
					err.write(`upscale keys: that is a client key, not its id (it is not printed here): revoke takes the id (key_…) that upscale keys list shows.\n`);
					return 2;
				}
				if (!store.revoke(id)) {
					err.write(`upscale keys: no active key ${id.slice(0, 40)} in ${dataDir} (see upscale keys list).\n`);
					return 1;
				}
				out.write(`Revoked ${id}: it can no longer call the server, and its pending webhooks stop.\n`);
				return 0;
			}
			default:
				err.write(`upscale keys: unknown action "${action.slice(0, 40)}".\n${USAGE}\n`);
				return 2;
		}
	} finally {
		store.close();
	}
}
