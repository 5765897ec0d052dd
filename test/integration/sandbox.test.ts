/**
 * `npm run sandbox` serves a fake of every vendor in the registry, each with a demo key it accepts, and the
 * environment it prints points the toolkit at them: checked with the toolkit's own client for every vendor.
 */
import { VENDOR_IDS, VENDOR_REGISTRY } from '../../core';
import { clientFromEnv } from '../../runtime';
import { sandboxUsage, startSandbox, type Sandbox } from '../fakes/sandbox';

describe('the sandbox', () => {
	let s: Sandbox;
	beforeAll(async () => {
		s = await startSandbox(Object.fromEntries(VENDOR_IDS.map((id) => [id, 0])));
	});
	afterAll(() => s?.stop());

	it('serves every vendor of the registry; its environment reaches each with a key the fake accepts', async () => {
		expect(Object.keys(s.fakes)).toEqual(VENDOR_IDS);
		for (const id of VENDOR_IDS) {
			const names = VENDOR_REGISTRY[id].env;
			expect(s.env[names.baseUrl]).toBe(s.fakes[id].url);
			await expect(clientFromEnv(id, s.env).verifyCredentials()).resolves.toBeUndefined();
			await expect(clientFromEnv(id, { ...s.env, [names.key]: 'not-the-demo-key' }).verifyCredentials()).rejects.toMatchObject({ code: 'AUTH' });
		}
	});

	it('prints each fake with its key and the exports to copy', async () => {
		const text = await sandboxUsage(s);
		for (const id of VENDOR_IDS) {
			const names = VENDOR_REGISTRY[id].env;
			expect(text).toContain(`export ${names.baseUrl}=${s.fakes[id].url} ${names.key}=${s.fakes[id].key}`);
			expect(text).toContain(`${VENDOR_REGISTRY[id].name}`);
		}
	});
});
