/**
 * `npm run docs:service-page`: the README's picture of the job service's page (docs/service-page.png), taken in
 * Debian's headless Chromium after a real job through `upscale serve` against the Clipdrop fake.
 */
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { ClipdropFake } from '../test/fakes/clipdrop';
import { tempDir } from '../test/helpers/cli';
import { createKey, startService } from '../test/helpers/service';

const ROOT = resolve(__dirname, '..');
const KEY = 'docs-clipdrop-key-0123456789';

async function main() {
	const cd = new ClipdropFake({ keys: { [KEY]: 100 }, taskDurationMs: 500 });
	await cd.start();
	const dir = tempDir();
	const client = await createKey(dir, 'docs');
	const service = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: KEY, UPSCALE_LOCAL_ENGINE: 'on' }, dir);
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const page = await browser.newPage({ viewport: { width: 960, height: 900 } });
		await page.goto(service.url);
		await page.waitForSelector('#provider option[value="clipdrop"]', { state: 'attached' });
		await page.fill('#key', client.key);
		await page.setInputFiles('#file', resolve(ROOT, 'test/fixtures/chelsea.jpg'));
		await page.fill('#opt-scale', '2');
		await page.click('#go');
		await page.waitForSelector('#download', { state: 'visible', timeout: 30_000 });
		await page.fill('#slider', '50');
		await page.screenshot({ path: resolve(ROOT, 'docs/service-page.png'), fullPage: true });
		process.stdout.write('wrote docs/service-page.png\n');
	} finally {
		await browser.close();
		await service.kill();
		await cd.stop();
	}
}

main().catch((e) => {
	process.stderr.write(`docs:service-page failed: ${(e as Error).message}\n`);
	process.exit(1);
});
