/**
 * `npm run docs:screenshot`: the README's picture of the node's panel, taken from a real n8n (the version the
 * end-to-end suite installs, with this package staged as a community package) in Debian's headless Chromium
 * (`apt-get install chromium`; driven by playwright-core, never a downloaded browser). It sets up the owner over
 * n8n's REST API, opens a workflow with an Upscaler node and photographs its panel: docs/n8n-panel.png.
 *
 * CHROMIUM overrides the browser's path (default /usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { installN8n, N8n } from '../test/helpers/n8n';

const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';
const OWNER = { email: 'owner@example.com', firstName: 'Docs', lastName: 'Owner', password: 'Screenshot-Passw0rd' };
const XM = { ximilarApi: { id: 'xmcreddocs000001', name: 'Ximilar account' } };

function docsWorkflow() {
	const nodes = [
		{ id: 'd1', name: 'When clicking ‘Execute workflow’', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'd2',
			name: 'Upscaler',
			type: 'n8n-nodes-upscale.upscaler',
			typeVersion: 2,
			position: [260, 0],
			parameters: { provider: 'ximilar', operation: 'upscale', inputSource: 'url', imageUrl: 'https://example.com/photo.jpg', ximilarScale: 4, waitMode: 'webhook', options: {} },
			credentials: XM,
		},
	];
	const connections = { [nodes[0].name]: { main: [[{ node: 'Upscaler', type: 'main', index: 0 }]] } };
	return { id: 'wfDocsPanel00001', name: 'Upscale a photo', active: false, settings: {}, nodes, connections };
}

async function main() {
	if (!existsSync(BROWSER)) throw new Error(`No Chromium at ${BROWSER}: install Debian's (apt-get install chromium) or set CHROMIUM.`);
	const out = resolve(__dirname, '../docs/n8n-panel.png');
	const n8n = new N8n(installN8n());
	await n8n.init();
	await n8n.importCredentials([{ ...XM.ximilarApi, type: 'ximilarApi', data: { apiToken: 'docs-token-not-used' } }]);
	await n8n.importWorkflows([docsWorkflow()]);
	const base = await n8n.start();
	const browser = await chromium.launch({
		executablePath: BROWSER,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		// A fresh profile every run: playwright launches Chromium with its own temporary user data dir.
	});
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 1340 }, deviceScaleFactor: 1 });
		const setup = await context.request.post(`${base}/rest/owner/setup`, { data: OWNER });
		if (!setup.ok()) throw new Error(`owner setup failed: ${setup.status()} ${await setup.text()}`);
		const page = await context.newPage();
		await page.goto(`${base}/workflow/wfDocsPanel00001`, { waitUntil: 'networkidle' });
		const node = page.locator('[data-test-id="canvas-node"]', { hasText: 'Upscaler' }).first();
		await node.waitFor({ timeout: 60_000 });
		await node.dblclick();
		const panel = page.locator('[data-test-id="ndv"]').first();
		await panel.waitFor({ timeout: 30_000 });
		await page.waitForTimeout(1500);
		await page.screenshot({ path: out });
		process.stdout.write(`${out}\n`);
	} finally {
		await browser.close();
		await n8n.stop();
	}
}

main().catch((e) => {
	process.stderr.write(`${(e as Error).stack ?? e}\n`);
	process.exit(1);
});
