/**
 * The service's page at GET /, in a real headless Chromium (Debian's `chromium`, driven by playwright-core; never a
 * downloaded browser): choose an image, a provider and options from the registry (their labels, help and choices as
 * people read them), watch progress, see the before/after comparison, download, copy the result's link (which needs
 * no key); and a wrong key shown as the server's words.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ClipdropFake } from '../fakes/clipdrop';
import { XimilarFake } from '../fakes/ximilar';
import { tempDir } from '../helpers/cli';
import { createKey, startService, type Service } from '../helpers/service';

jest.setTimeout(120_000);

// What the functions run inside the page use of the DOM (this project compiles without the DOM library).
declare const document: { getElementById(id: string): { textContent: string | null } | null };
declare const localStorage: { getItem(key: string): string | null };
declare const navigator: { clipboard: { readText(): Promise<string> } };
type Img = { naturalWidth: number };

const CHROMIUM = '/usr/bin/chromium';
const SAMPLE = resolve(__dirname, '../fixtures/sample.jpg');
const CD_KEY = 'cd-page-key-0123456789';
const XM_TOKEN = 'xm-page-token-0123456789';

let cd: ClipdropFake;
let xm: XimilarFake;
let service: Service;
let browser: Browser;
let key: string;

beforeAll(async () => {
	if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as the README says.`);
	cd = new ClipdropFake({ keys: { [CD_KEY]: 100 }, taskDurationMs: 1500 });
	xm = new XimilarFake({ tokens: { [XM_TOKEN]: { limit: 1000 } }, taskDurationMs: 300 });
	await Promise.all([cd.start(), xm.start()]);
	const dir = tempDir();
	key = (await createKey(dir, 'browser')).key;
	service = await startService({ CLIPDROP_BASE_URL: cd.url, CLIPDROP_API_KEY: CD_KEY, XIMILAR_BASE_URL: xm.url, XIMILAR_API_TOKEN: XM_TOKEN, UPSCALE_LOCAL_ENGINE: 'on' }, dir);
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		// This machine's network is closed: no background connections, no first-run or sync calls.
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
});

afterAll(async () => {
	await browser?.close();
	await service?.kill();
	await Promise.all([cd?.stop(), xm?.stop()]);
});

test('drop an image, pick Clipdrop at x2, watch it progress, compare before/after and download', async () => {
	const page = await browser.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(service.url);
	// The providers and options come from the server's registry.
	await page.waitForSelector('#provider option[value="clipdrop"]', { state: 'attached' });
	expect(await page.$$eval('#provider option', (o) => o.map((x) => (x as unknown as { value: string }).value))).toEqual(['clipdrop', 'ximilar', 'local']);
	await page.selectOption('#provider', 'ximilar');
	expect(await page.isVisible('#opt-mode')).toBe(true);
	expect(await page.isVisible('#opt-strategy')).toBe(false);
	await page.selectOption('#provider', 'clipdrop');
	expect(await page.isVisible('#opt-strategy')).toBe(true);
	expect(await page.isVisible('#opt-mode')).toBe(false);
	// Each option as people read it: its label, its help under it, its choices by name; no API names, no "(default)".
	expect(await page.textContent('label[for="opt-scale"]')).toBe('Scale');
	// In the chosen provider's own terms.
	expect(await page.textContent('#help-scale')).toBe('Multiply both sides by this (default 2). Or give Width and/or Height instead.');
	expect(await page.getAttribute('#opt-scale', 'placeholder')).toBe('1.1 to 16');
	expect(await page.textContent('label[for="opt-strategy"]')).toBe('Strategy');
	expect(await page.$$eval('#opt-strategy option', (o) => o.map((x) => (x as unknown as { textContent: string }).textContent))).toEqual(['Automatic', 'Smooth', 'Detailed']);
	expect(await page.textContent('#help-strategy')).toBe('Smooth (1 credit) or detailed (1 credit per output megapixel)');
	await page.selectOption('#provider', 'ximilar');
	expect(await page.textContent('label[for="opt-tune_colors"]')).toBe('Tune Colors');
	expect(await page.textContent('#help-scale')).toBe('Multiply both sides by 2, 4 or 8 (default 2).');
	expect(await page.textContent('#help-tune_colors')).toBe("Match the input's colours (default on)");
	expect(await page.$$eval('#opt-mode option', (o) => o.map((x) => (x as unknown as { textContent: string }).textContent))).toEqual(['Automatic', 'Artifact removal', 'Ironed out', 'High fidelity']);
	await page.selectOption('#provider', 'local');
	expect(await page.textContent('label[for="opt-best"]')).toBe('Best Quality');
	const shown = await page.evaluate(() => (document as unknown as { body: { innerText: string } }).body.innerText);
	expect(shown).not.toMatch(/\(default\)|tune_colors|_/);
	await page.selectOption('#provider', 'clipdrop');

	await page.fill('#key', key);
	await page.dispatchEvent('#key', 'change');
	await page.setInputFiles('#file', SAMPLE);
	expect(await page.textContent('#chosen')).toMatch(/^sample\.jpg/);
	await page.fill('#opt-scale', '2');
	await page.click('#go');
	// Progress on the way (the fake's task takes 1.5 s), then the result.
	await page.waitForFunction(() => /Upscaling|provider's queue|Sending|Preparing|Waiting/.test(document.getElementById('status')!.textContent ?? ''), undefined, { timeout: 15_000 });
	await page.waitForSelector('#download', { state: 'visible', timeout: 30_000 });
	expect(await page.textContent('#status')).toBe('Done: 640×480 JPEG, 1 credit(s)');
	expect(await page.$eval('#after', (i) => (i as unknown as Img).naturalWidth)).toBe(640);
	expect(await page.$eval('#before', (i) => (i as unknown as Img).naturalWidth)).toBe(320);
	await page.fill('#slider', '20');
	expect(await page.$eval('#after-wrap', (d) => (d as unknown as { style: { clipPath: string } }).style.clipPath)).toBe('inset(0px 0px 0px 20%)');
	const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
	expect(download.suggestedFilename()).toBe('sample-upscaled.jpg');
	const saved = readFileSync((await download.path())!);
	expect(saved.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
	// The link to share: the job's download_url, which needs no key; the button copies it.
	const link = await page.inputValue('#link');
	expect(link).toMatch(new RegExp(`^${service.url}/v1/jobs/job_[0-9a-z]+/download\\?expires=\\d+&signature=[\\w-]+$`));
	const bare = await fetch(link);
	expect([bare.status, bare.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
	expect(Buffer.from(await bare.arrayBuffer()).equals(saved)).toBe(true);
	await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
	await page.click('#copy');
	await page.waitForFunction(() => document.getElementById('copy')!.textContent === 'Copied');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
	expect(errors).toEqual([]);
	// The key is remembered by this browser.
	expect(await page.evaluate(() => localStorage.getItem('upscale-key'))).toBe(key);
	await page.close();
});

test('a wrong key and a refused option show the server’s own words', async () => {
	const page = await browser.newPage();
	await page.goto(service.url);
	await page.waitForSelector('#provider option[value="clipdrop"]', { state: 'attached' });
	await page.fill('#key', 'usk_wrong-key');
	await page.setInputFiles('#file', SAMPLE);
	await page.click('#go');
	await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
	expect(await page.textContent('#error')).toBe('This client key is not known to the server (or was revoked).');
	await page.fill('#key', key);
	await page.selectOption('#provider', 'ximilar');
	await page.fill('#opt-scale', '3');
	await page.click('#go');
	await page.waitForFunction(() => /2, 4 or 8/.test(document.getElementById('error')!.textContent ?? ''));
	expect(await page.textContent('#status')).toBe('Failed');
	await page.close();
});
