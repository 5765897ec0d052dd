/** The vendor registry and what is derived from it: ids, names, the one check of options a provider does not take. */
import {
	encodeMultipart,
	listWords,
	memoryState,
	parseOptions,
	pickBoundary,
	PROVIDER_IDS,
	PROVIDER_NAMES,
	PROVIDER_OPTIONS,
	refuseForeignOptions,
	UpscaleClient,
	UpscaleError,
	VENDOR_IDS,
	VENDOR_REGISTRY,
	type Ports,
} from '../../core';

describe('the registry', () => {
	// Written so that a vendor added to the registry passes unchanged: what is derived, not which vendors there are.
	it('lists the vendors, then the local engine, each with a name of its own', () => {
		expect(VENDOR_IDS).toEqual(expect.arrayContaining(['clipdrop', 'ximilar']));
		expect(PROVIDER_IDS).toEqual([...VENDOR_IDS, 'local']);
		expect(PROVIDER_NAMES).toMatchObject({ clipdrop: 'Clipdrop', ximilar: 'Ximilar', local: 'the local engine' });
		expect(Object.keys(PROVIDER_NAMES)).toEqual(PROVIDER_IDS);
		expect(new Set(Object.values(PROVIDER_NAMES)).size).toBe(PROVIDER_IDS.length);
		for (const id of VENDOR_IDS) expect(PROVIDER_NAMES[id]).toBe(VENDOR_REGISTRY[id].name);
	});

	it("each vendor's metadata is complete and its environment names are its own", () => {
		const names = VENDOR_IDS.flatMap((id) => Object.values(VENDOR_REGISTRY[id].env));
		expect(new Set(names).size).toBe(names.length);
		for (const id of VENDOR_IDS) {
			const v = VENDOR_REGISTRY[id];
			expect(v.id).toBe(id);
			expect(v.accepts.every((o) => (PROVIDER_OPTIONS as readonly string[]).includes(o))).toBe(true);
			expect(v.resultLifetime.ms).toBeGreaterThan(0);
			expect(v.defaultBaseUrl).toMatch(/^https:\/\//);
			for (const name of Object.values(v.env)) expect(name).toMatch(new RegExp(`^${id.toUpperCase()}_`));
		}
	});

	it('a vendor that calls a webhook says how its call names the task; only a non-empty string id is taken', () => {
		const callers = VENDOR_IDS.filter((id) => (VENDOR_REGISTRY[id].accepts as readonly string[]).includes('webhook'));
		expect(callers).toContain('ximilar');
		for (const id of callers) expect(typeof VENDOR_REGISTRY[id].webhookTaskId).toBe('function');
		const read = (body: unknown) => VENDOR_REGISTRY.ximilar.webhookTaskId!(body);
		// Ximilar POSTs the request as its status answer shows it.
		expect(read({ id: ' 3f1c-task ', status: 'DONE', records: [] })).toBe('3f1c-task');
		for (const body of [{}, { id: '  ' }, { id: 5 }, { task: 'x' }, null, undefined, 'id', ['x']]) expect(read(body)).toBeUndefined();
	});

	it('listWords', () => {
		expect(listWords(['a'])).toBe('a');
		expect(listWords(['a', 'b'])).toBe('a or b');
		expect(listWords(['a', 'b', 'c'], 'and/or')).toBe('a, b and/or c');
	});
});

describe('options a provider does not take: one check, each provider in its own words', () => {
	const refusal = (options: object, provider: (typeof PROVIDER_IDS)[number]) => {
		try {
			refuseForeignOptions(parseOptions(options), provider);
		} catch (e) {
			expect((e as UpscaleError).code).toBe('INVALID_OPTIONS');
			expect((e as UpscaleError).local).toBe(true);
			return (e as UpscaleError).message;
		}
		return undefined;
	};

	it('each provider takes its own options', () => {
		expect(refusal({ scale: 2, width: 10, strategy: 'smooth' }, 'clipdrop')).toBeUndefined();
		expect(refusal({ scale: 4, mode: 'ironed_out', model: 'gan', format: 'png', quality: 5, tuneColors: false, webhook: { url: 'https://h.example/' } }, 'ximilar')).toBeUndefined();
		expect(refusal({ width: 10, format: 'webp', quality: 80, fast: true }, 'local')).toBeUndefined();
	});

	it('names what was given, in a fixed order, with who takes it', () => {
		expect(refusal({ tuneColors: true, mode: 'ironed_out' }, 'clipdrop')).toMatch(/^mode, tune colors are Ximilar options; Clipdrop takes a scale or a width\/height/);
		expect(refusal({ height: 10, width: 10, strategy: 'smooth' }, 'ximilar')).toBe(
			'width/height and strategy: Ximilar upscales by a factor of 2, 4 or 8 and takes no exact size or strategy (those are Clipdrop options). Use a scale instead.',
		);
		expect(refusal({ tuneColors: false }, 'local')).toBe('The local engine does not take tune colors (a Ximilar option): drop it, or use that vendor.');
	});

	it('an option only the local engine takes has its own sentence, before any other', () => {
		for (const p of VENDOR_IDS) expect(refusal({ fast: true, mode: 'ironed_out', strategy: 'smooth' }, p)).toBe('Fast mode belongs to the local engine; the vendors always run their own models.');
	});
});

describe('shared state is injectable', () => {
	const ports: Ports = { http: { request: async () => ({ status: 200, headers: {}, body: new Uint8Array() }) }, sleep: async () => undefined, clock: { now: () => 0 } };
	const budgetOf = (c: UpscaleClient) => (c.transport as unknown as { cfg: { budget: unknown } }).cfg.budget;

	it('clients on one key share a budget in the default registry; a registry of their own keeps theirs apart', () => {
		const a = new UpscaleClient({ provider: 'clipdrop', apiKey: 'k-registry', ports });
		const b = new UpscaleClient({ provider: 'clipdrop', apiKey: 'k-registry', ports });
		const c = new UpscaleClient({ provider: 'clipdrop', apiKey: 'k-registry', ports, state: memoryState() });
		expect(budgetOf(a)).toBe(budgetOf(b));
		expect(budgetOf(c)).not.toBe(budgetOf(a));
	});

	it('an unknown provider is refused, naming the ones there are', () => {
		expect(() => new UpscaleClient({ provider: 'openai' as never, ports })).toThrow(`Unknown provider "openai": use ${listWords(VENDOR_IDS)}.`);
	});
});

describe('multipart boundaries without a random source', () => {
	const enc = new TextEncoder();
	it('the first boundary absent from every part', () => {
		expect(pickBoundary([{ name: 'a', value: 'x' }])).toBe('----upscale-boundary-0');
		const data = enc.encode('junk ----upscale-boundary-0 ----upscale-boundary-1 junk');
		expect(pickBoundary([{ name: 'f', fileName: 'f.bin', contentType: 'application/octet-stream', data }])).toBe('----upscale-boundary-2');
		expect(pickBoundary([{ name: 'p', value: 'says ----upscale-boundary-0' }])).toBe('----upscale-boundary-1');
	});

	it('encodeMultipart uses it when none is given', () => {
		const body = encodeMultipart([{ name: 'a', value: '1' }]);
		expect(body.contentType).toBe('multipart/form-data; boundary=----upscale-boundary-0');
	});
});
