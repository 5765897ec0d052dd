/**
 * `npm run install-size`: packs the project, installs it into two fresh folders as a user would — as n8n does
 * (no optional packages) and with the local engine's libraries — and prints what each install weighs.
 */
import { installPacked, packProject } from '../test/helpers/install';

const tarball = packProject();
const rows = [
	['n8n / vendors only (npm install n8n-nodes-upscale)', installPacked(tarball, false)],
	['with the local engine (+ sharp, @tensorflow/tfjs, tfjs-backend-wasm, esrgan-slim)', installPacked(tarball, true)],
] as const;
process.stdout.write('| install | packages | node_modules |\n|---|---:|---:|\n');
for (const [label, i] of rows) process.stdout.write(`| ${label} | ${i.packages.length} | ${(i.bytes / 1e6).toFixed(1)} MB |\n`);
