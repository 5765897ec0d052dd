/**
 * What the editor shows, evaluated the way n8n does (n8n-workflow's NodeHelpers on the node's description): the
 * provider stays a visible parameter; each vendor's fields and credential only for it; options only for the wait
 * mode they apply to; Quality only for lossy formats; Exact Size valid from the start in version 2. Node version 1
 * (saved workflows) keeps its parameters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeHelpers, type INodeParameters, type INodeProperties } from 'n8n-workflow';
import { Upscaler } from '../../nodes/Upscaler/Upscaler.node';

const d = new Upscaler().description;

/** The top-level parameters shown for these values (defaults filled in as the editor does), with their values. */
function panel(values: INodeParameters, typeVersion = 2): INodeParameters {
	return NodeHelpers.getNodeParameters(d.properties, values, true, false, { typeVersion }, d)!;
}
const shown = (values: INodeParameters, typeVersion = 2) => Object.keys(panel(values, typeVersion));

/** The Options collection entries offered for these values. */
function optionsOffered(values: INodeParameters, typeVersion = 2, collection = 'options'): string[] {
	const root = panel(values, typeVersion);
	const entries = (d.properties.find((p) => p.name === collection && NodeHelpers.displayParameter(root, p, { typeVersion }, d))?.options ?? []) as INodeProperties[];
	return entries.filter((o) => NodeHelpers.displayParameter({}, o, { typeVersion }, d, root)).map((o) => o.displayName);
}

/** The credentials the node asks for with these values. */
const credentialsFor = (values: INodeParameters) => d.credentials!.filter((c) => NodeHelpers.displayParameter(panel(values), c, { typeVersion: 2 }, d)).map((c) => c.name);

describe('the panel, as n8n evaluates it', () => {
	it('the provider is a plain parameter (no credential is *shown for* it, so the editor keeps it), and picks the credential', () => {
		for (const c of d.credentials!) expect(c.displayOptions?.show).toBeUndefined();
		expect(shown({ provider: 'clipdrop' })).toContain('provider');
		expect(credentialsFor({ provider: 'clipdrop' })).toEqual(['clipdropApi']);
		expect(credentialsFor({ provider: 'ximilar' })).toEqual(['ximilarApi']);
	});

	it("a line under the provider says what it is good at; the picker's actions name both providers", () => {
		expect(shown({ provider: 'clipdrop' })).toContain('clipdropNotice');
		expect(shown({ provider: 'clipdrop' })).not.toContain('ximilarNotice');
		expect(d.properties.find((p) => p.name === 'ximilarNotice')!.displayName).toBe('Ximilar: 2x, 4x or 8x with artifact removal, a generative (GAN) model and a choice of output format');
		const actions = (d.properties.find((p) => p.name === 'operation')!.options as Array<{ action: string }>).map((o) => o.action);
		expect(actions).toEqual(['Get upscale task from Clipdrop or Ximilar', 'Upscale image with Clipdrop or Ximilar']);
	});

	it("each vendor's fields only for that vendor", () => {
		const cd = shown({ provider: 'clipdrop' });
		const xm = shown({ provider: 'ximilar' });
		expect(cd).toEqual(expect.arrayContaining(['sizeMode', 'scale', 'strategy']));
		expect(cd).not.toContain('ximilarScale');
		expect(xm).toEqual(expect.arrayContaining(['ximilarScale', 'mode', 'model', 'format', 'tuneColors']));
		expect(xm).not.toContain('sizeMode');
	});

	it('version 2 has a Wait Mode; version 1 keeps Wait for Result', () => {
		expect(shown({ provider: 'clipdrop' })).toContain('waitMode');
		expect(shown({ provider: 'clipdrop' })).not.toContain('waitForResult');
		expect(shown({ provider: 'clipdrop' }, 1)).toContain('waitForResult');
		expect(shown({ provider: 'clipdrop' }, 1)).not.toContain('waitMode');
		expect(panel({ provider: 'clipdrop' }).waitMode).toBe('poll');
	});

	it('with Return Task, the options about the result, the timeout, polling and the endpoint are not offered', () => {
		expect(optionsOffered({ provider: 'clipdrop' })).toEqual(['Endpoint', 'File Name', 'Minimum Poll Interval (Seconds)', 'Output Binary Field', 'Parallel Jobs', 'Timeout (Seconds)']);
		expect(optionsOffered({ provider: 'clipdrop', waitMode: 'returnTask' })).toEqual(['Parallel Jobs']);
		expect(optionsOffered({ provider: 'ximilar', waitMode: 'returnTask' })).toEqual(['Parallel Jobs', 'Webhook URL']);
		expect(optionsOffered({ provider: 'ximilar', waitForResult: false }, 1)).toEqual(['Parallel Jobs', 'Webhook URL']);
		expect(optionsOffered({ provider: 'ximilar', waitForResult: true }, 1)).toContain('Endpoint');
	});

	it('Resume on Webhook is offered for Ximilar only (it calls back; Clipdrop does not), with the options that still apply', () => {
		const modes = (provider: string) => {
			const p = d.properties.find((x) => x.name === 'waitMode' && NodeHelpers.displayParameter(panel({ provider }), x, { typeVersion: 2 }, d))!;
			return (p.options as Array<{ value: string }>).map((o) => o.value);
		};
		expect(modes('clipdrop')).toEqual(['poll', 'returnTask']);
		expect(modes('ximilar')).toEqual(['poll', 'returnTask', 'webhook']);
		// The node sets the webhook itself, polls nothing and always uses the async endpoint: no Endpoint, Webhook URL,
		// poll interval or timeout; the output image's name and field still apply.
		expect(optionsOffered({ provider: 'ximilar', waitMode: 'webhook' })).toEqual(['File Name', 'Output Binary Field', 'Parallel Jobs']);
	});

	it('Clipdrop Detailed always runs as a task: no Endpoint to choose', () => {
		expect(optionsOffered({ provider: 'clipdrop', strategy: 'detailed' })).not.toContain('Endpoint');
	});

	it("Endpoint's and Image URL's descriptions speak of the chosen provider only", () => {
		const root = (provider: string) => panel({ provider, inputSource: 'url' });
		const urlOf = (provider: string) => d.properties.find((p) => p.name === 'imageUrl' && NodeHelpers.displayParameter(root(provider), p, { typeVersion: 2 }, d))!.description;
		expect(urlOf('clipdrop')).toMatch(/^Public http\(s\) URL .* The node downloads it and sends the bytes to Clipdrop\.$/);
		expect(urlOf('ximilar')).toMatch(/Ximilar fetches it itself/);
		const entries = d.properties.find((p) => p.name === 'options')!.options as INodeProperties[];
		const endpoint = (provider: string) => entries.find((o) => o.name === 'execution' && NodeHelpers.displayParameter({}, o, { typeVersion: 2 }, d, root(provider)))!;
		expect(JSON.stringify(endpoint('clipdrop'))).not.toMatch(/Ximilar/);
		expect(JSON.stringify(endpoint('ximilar'))).not.toMatch(/Clipdrop/);
	});

	it('Quality only for JPEG and WebP', () => {
		expect(shown({ provider: 'ximilar', format: 'jpg' })).toContain('quality');
		expect(shown({ provider: 'ximilar', format: 'webp' })).toContain('quality');
		expect(shown({ provider: 'ximilar', format: 'png' })).not.toContain('quality');
		expect(shown({ provider: 'ximilar', format: 'keep' })).not.toContain('quality');
	});

	it('Exact Size starts valid in version 2 (2048 wide, height following) and as saved in version 1 (0 × 0)', () => {
		expect(panel({ provider: 'clipdrop', sizeMode: 'exact' })).toMatchObject({ width: 2048, height: 0 });
		expect(panel({ provider: 'clipdrop', sizeMode: 'exact' }, 1)).toMatchObject({ width: 0, height: 0 });
	});

	it('Get Task shows its own fields only', () => {
		const p = shown({ provider: 'ximilar', operation: 'getTask' });
		expect(p).toEqual(expect.arrayContaining(['taskId', 'download', 'taskOptions']));
		expect(p).not.toContain('waitMode');
		expect(optionsOffered({ provider: 'ximilar', operation: 'getTask' }, 2, 'taskOptions')).toEqual(['File Name', 'Output Binary Field']);
	});

	it('every parameter and option has a description (notices excepted), and one name for the scale', () => {
		const all = (props: INodeProperties[]): INodeProperties[] => props.flatMap((p) => [p, ...(p.type === 'collection' ? all(p.options as INodeProperties[]) : [])]);
		const missing = all(d.properties).filter((p) => p.type !== 'notice' && p.type !== 'collection' && p.name !== 'operation' && !p.description);
		expect(missing.map((p) => p.name)).toEqual([]);
		expect(new Set(d.properties.filter((p) => /scale/i.test(p.name)).map((p) => p.displayName))).toEqual(new Set(['Scale Factor']));
	});

	it('is an AI Agent tool, and is found by what people search for', () => {
		expect(d.usableAsTool).toBe(true);
		const codex = JSON.parse(readFileSync(join(__dirname, '../../nodes/Upscaler/Upscaler.node.json'), 'utf8'));
		for (const word of ['upscaling', 'enlarge', 'increase resolution', 'upscale image', 'esrgan']) expect(codex.alias).toContain(word);
	});
});
