/**
 * `npm run install-size`: packs both packages and installs each as its users do — n8n-nodes-upscale as n8n installs
 * a community package, upscale-toolkit with `npm install -g` without and with its optional local engine — and
 * prints what each install weighs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirBytes, installToolkit, pack, ROOT, TOOLKIT } from '../test/helpers/install';

const n8nDir = mkdtempSync(join(tmpdir(), 'upscale-n8n-'));
writeFileSync(join(n8nDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
execFileSync('npm', ['install', pack(ROOT), '--omit=peer', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: n8nDir, stdio: ['ignore', 'ignore', 'inherit'] });
const toolkit = pack(TOOLKIT);
const lean = installToolkit(toolkit, 'lean');
const full = installToolkit(toolkit, 'global');
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
process.stdout.write('| install | packages | on disk |\n|---|---:|---:|\n');
process.stdout.write(`| n8n-nodes-upscale (what n8n installs; n8n-workflow and zod come from n8n) | 1 | ${mb(dirBytes(join(n8nDir, 'node_modules')))} |\n`);
process.stdout.write(`| npm install upscale-toolkit --omit=optional (vendors only) | ${lean.packages.length} | ${mb(lean.bytes)} |\n`);
process.stdout.write(`| npm install -g upscale-toolkit (with the local engine) | ${full.packages.length} | ${mb(full.bytes)} |\n`);
