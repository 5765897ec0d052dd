/**
 * The node's description, composed from its operation and vendor files: the parameter names and values saved
 * workflows depend on, and the credentials list (a literal, for n8n's scanner) agreeing with the vendor files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INodeProperties } from 'n8n-workflow';
import { ClipdropApi } from '../../credentials/ClipdropApi.credentials';
import { XimilarApi } from '../../credentials/XimilarApi.credentials';
import { Upscaler } from '../../nodes/Upscaler/Upscaler.node';
import { clipdrop } from '../../nodes/Upscaler/vendors/clipdrop';
import { ximilar } from '../../nodes/Upscaler/vendors/ximilar';

const d = new Upscaler().description;

/** name (and option values) of every parameter, collections included. */
function inventory(props: INodeProperties[]): string[] {
	return props.map((p) => {
		const values = (p.options ?? []).map((o) => ('value' in o ? String(o.value) : 'name' in o ? inventory([o as INodeProperties]) : '')).join(',');
		return `${p.name}:${p.type}${values ? `[${values}]` : ''}`;
	});
}

describe('the node description', () => {
	it('keeps every parameter name and value saved workflows use', () => {
		expect(inventory(d.properties).sort()).toEqual(
			[
				'provider:options[clipdrop,ximilar]',
				'clipdropNotice:notice',
				'ximilarNotice:notice',
				'operation:options[getTask,upscale]',
				'inputSource:options[binary,url]',
				'binaryPropertyName:string',
				'imageUrl:string',
				'imageUrl:string',
				'sizeMode:options[exact,scale]',
				'scale:number',
				'width:number',
				'width:number',
				'height:number',
				'strategy:options[detailed,smooth]',
				'ximilarScale:options[2,4,8]',
				'mode:options[artifact_removal,high_fidelity,ironed_out]',
				'model:options[classic,gan]',
				'format:options[jpg,png,keep,webp]',
				'quality:number',
				'tuneColors:boolean',
				'waitForResult:boolean',
				'waitMode:options[poll,returnTask]',
				'waitMode:options[poll,returnTask,webhook]',
				'output:options[raw,simple]',
				'output:options[raw,simple]',
				'options:collection[execution:options[async,auto,sync],execution:options[async,auto,sync],fileName:string,pollInterval:number,outputBinaryPropertyName:string,concurrency:number,timeout:number,webhookUrl:string]',
				'taskId:string',
				'download:boolean',
				'output:options[raw,simple]',
				'output:options[raw,simple]',
				'taskOptions:collection[fileName:string,outputBinaryPropertyName:string]',
			].sort(),
		);
	});

	it("shows each vendor's parameters only for that vendor and the Upscale operation", () => {
		for (const v of [clipdrop, ximilar]) {
			for (const p of v.properties) {
				const shown = d.properties.find((x) => x.name === p.name)!;
				expect(shown.displayOptions?.show).toMatchObject({ provider: [v.id], operation: ['upscale'] });
			}
		}
		const options = d.properties.find((p) => p.name === 'options')!.options as INodeProperties[];
		expect(options.find((o) => o.name === 'webhookUrl')!.displayOptions).toEqual({ show: { '/provider': ['ximilar'] }, hide: { '/waitMode': ['webhook'] } });
		expect(options.map((o) => o.displayName)).toEqual([...options.map((o) => o.displayName)].sort());
	});

	it('the credentials list agrees with the vendor files (each hidden for the other providers); the first is the default provider', () => {
		const vendors = [clipdrop, ximilar];
		expect(d.credentials).toEqual(
			vendors.map((v) => ({
				name: v.credential.name,
				required: true,
				displayOptions: { hide: { provider: vendors.filter((o) => o !== v).map((o) => o.id) } },
			})),
		);
		expect(d.properties.find((p) => p.name === 'provider')!.default).toBe(vendors[0].id);
		expect(d.description).toBe('Upscale images with Clipdrop or Ximilar (super resolution)');
		expect(d.subtitle).toBe('={{ ($parameter["operation"] === "upscale" ? "Upscale Image" : "Get Task") + " · " + ($parameter["provider"] === "clipdrop" ? "Clipdrop" : "Ximilar") }}');
	});

	it('the node and each credential have a light and a dark icon (n8n verification), and every file is there', () => {
		const icons: Array<[string, unknown]> = [
			['nodes/Upscaler', d.icon],
			['credentials', new ClipdropApi().icon],
			['credentials', new XimilarApi().icon],
		];
		for (const [dir, icon] of icons) {
			expect(icon).toEqual({ light: expect.stringMatching(/^file:[\w-]+\.svg$/), dark: expect.stringMatching(/^file:[\w-]+\.dark\.svg$/) });
			const { light, dark } = icon as { light: string; dark: string };
			expect(dark).toBe(light.replace(/\.svg$/, '.dark.svg'));
			for (const f of [light, dark]) expect(existsSync(join(__dirname, '../..', dir, f.slice('file:'.length)))).toBe(true);
		}
	});
});
