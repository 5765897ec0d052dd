/**
 * The two packages as users install them: `npm pack` of the repository root (n8n-nodes-upscale, what n8n installs)
 * and of toolkit/ (upscale-toolkit), and `npm install -g` of the toolkit's tarball into a fresh prefix, with or
 * without its optional local-engine libraries (lean: a local install with --omit=optional). Used by the package tests and by `npm run install-size`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const TOOLKIT = join(ROOT, 'toolkit');

/** `npm pack` of a built package folder (the root or toolkit/); returns the tarball's path. */
export function pack(folder: string, dest = mkdtempSync(join(tmpdir(), 'upscale-pack-'))): string {
	if (!existsSync(join(ROOT, 'dist/nodes')) || !existsSync(join(TOOLKIT, 'dist/cli/main.js'))) throw new Error('The build is missing: run npm run build first.');
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], { cwd: folder, encoding: 'utf8' }).trim().split('\n').pop()!;
	return join(dest, name);
}

/** The tarball unpacked into a fresh folder (its package/ folder), as n8n's scanner and community install see it. */
export function unpack(tarball: string): string {
	const dir = mkdtempSync(join(tmpdir(), 'upscale-unpacked-'));
	execFileSync('tar', ['-xzf', tarball, '-C', dir]);
	return join(dir, 'package');
}

export interface GlobalInstall {
	prefix: string;
	/** The installed commands: upscale, upscale-bot, upscale-bot-deploy. */
	bin: (name: string) => string;
	bytes: number;
	packages: string[];
}

/**
 * `npm install -g <tarball>` into a fresh prefix, as a user would: the optional local engine comes along (npm 11
 * ignores --omit=optional for global installs). Lean: `npm install <tarball> --omit=optional` into a fresh folder.
 */
export function installToolkit(tarball: string, how: 'global' | 'lean'): GlobalInstall {
	const prefix = mkdtempSync(join(tmpdir(), `upscale-${how}-`));
	const common = ['--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
	if (how === 'global') execFileSync('npm', ['install', '-g', '--prefix', prefix, tarball, ...common], { stdio: ['ignore', 'ignore', 'inherit'] });
	else {
		writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'lean-install', private: true }));
		execFileSync('npm', ['install', tarball, '--omit=optional', ...common], { cwd: prefix, stdio: ['ignore', 'ignore', 'inherit'] });
	}
	const nm = how === 'global' ? join(prefix, 'lib/node_modules') : join(prefix, 'node_modules');
	const bin = how === 'global' ? join(prefix, 'bin') : join(nm, '.bin');
	return { prefix, bin: (name) => join(bin, name), bytes: dirBytes(nm), packages: installedPackages(nm) };
}

export function dirBytes(p: string): number {
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
