/**
 * Installs the packed package the way users do (`npm install n8n-nodes-upscale`, as n8n does for community nodes),
 * into a fresh folder, with or without the local engine's optional libraries. Used by the install test and by
 * `npm run install-size`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOCAL_PACKAGES } from '../../runtime/local/deps';

const ROOT = resolve(__dirname, '../..');

/** `npm pack` of the built project; returns the tarball's path. */
export function packProject(dest = mkdtempSync(join(tmpdir(), 'upscale-pack-'))): string {
	if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build first.');
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
	return join(dest, name);
}

export interface Installed {
	dir: string;
	/** The installed CLI. */
	bin: string;
	bytes: number;
	packages: string[];
}

/** A fresh project folder with the tarball installed (plus the local engine's packages when asked). */
export function installPacked(tarball: string, withLocalEngine: boolean): Installed {
	const dir = mkdtempSync(join(tmpdir(), withLocalEngine ? 'upscale-full-' : 'upscale-lean-'));
	writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'install-probe', private: true }));
	const extra = withLocalEngine ? Object.entries(LOCAL_PACKAGES).map(([n, v]) => `${n}@${v}`) : [];
	execFileSync('npm', ['install', tarball, ...extra, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
	const nm = join(dir, 'node_modules');
	return { dir, bin: join(nm, 'n8n-nodes-upscale/dist/cli/main.js'), bytes: dirBytes(nm), packages: installedPackages(nm) };
}

function dirBytes(p: string): number {
	const s = statSync(p, { throwIfNoEntry: false });
	if (!s) return 0;
	if (!s.isDirectory()) return s.size;
	return readdirSync(p).reduce((n, f) => n + dirBytes(join(p, f)), 0);
}

/** Every installed package name (scoped ones as @scope/name), nested ones included. */
function installedPackages(nm: string): string[] {
	const out: string[] = [];
	const walk = (dir: string) => {
		for (const f of readdirSync(dir)) {
			if (f.startsWith('.')) continue;
			if (f.startsWith('@')) {
				for (const g of readdirSync(join(dir, f))) visit(join(dir, f, g), `${f}/${g}`);
			} else visit(join(dir, f), f);
		}
	};
	const visit = (p: string, name: string) => {
		if (!existsSync(join(p, 'package.json'))) return;
		out.push(name);
		if (existsSync(join(p, 'node_modules'))) walk(join(p, 'node_modules'));
	};
	walk(nm);
	return out.sort();
}
