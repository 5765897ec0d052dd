/**
 * The actions' inputs, derived from the core: the providers from the vendor registry, and for the chosen provider
 * exactly the options its vendor accepts (the registry's `accepts`), with their choices and bounds from the core's
 * OPTION_FIELDS. A vendor that calls a webhook when it is done gets a "Wait" choice: pause the flow until it calls
 * (no worker held) or wait in the step. Nothing here says which vendor takes what; the core checks every value again
 * before anything is sent.
 */
import { Property, type DynamicPropsValue, type InputPropertyMap } from '@activepieces/pieces-framework';
import { OPTION_FIELDS, VENDOR_IDS, VENDOR_REGISTRY, isVendorId, listWords, optionHelp, optionValueChoices, type OptionField, type UpscaleOptionsInput, type VendorId } from '../../core';
import { PieceError } from './errors';

export const providerProp = Property.StaticDropdown<string, true>({
	displayName: 'Provider',
	description: "Which upscaling service does the work. Its options appear once you pick it; the connection needs that service's key.",
	required: true,
	options: { options: VENDOR_IDS.map((id) => ({ label: VENDOR_REGISTRY[id].name, value: id })) },
});

/** The provider a step was given, or the refusal that lists the choices. */
export function providerOf(raw: unknown): VendorId {
	const p = String(raw ?? '').trim();
	if (!isVendorId(p)) throw new PieceError(`Pick a provider: ${listWords(VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].name), 'or')}${p ? ` ("${p.slice(0, 40)}" is not one)` : ''}.`);
	return p;
}

/** A vendor that calls a webhook when a task is done (the registry says so: it accepts `webhook`). */
export const callsBack = (p: VendorId) => VENDOR_REGISTRY[p].accepts.includes('webhook');

/** The Wait choice's values. */
export const WAIT = { pause: 'pause', step: 'step' } as const;

/** The option's key in the step: snake_case, as in the Zapier app and the job service's API (`tune_colors`). */
const propKey = (f: OptionField) => f.chat?.name ?? f.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** The options a provider's vendor accepts that a flow builder sets (the webhook is the piece's own business). */
export function optionFields(provider: VendorId): OptionField[] {
	const accepts = VENDOR_REGISTRY[provider].accepts;
	return OPTION_FIELDS.filter((f) => accepts.includes(f.key) && f.type !== 'url');
}

/**
 * One option as the chosen provider offers it (Activepieces offers text and dropdowns there: numbers are typed as
 * text): its own label, its help in that provider's terms, the values it takes (Ximilar's scale: 2, 4, 8).
 */
function optionProp(f: OptionField, p: VendorId) {
	const vendor = VENDOR_REGISTRY[p];
	const help = optionHelp(f, vendor);
	const choices = optionValueChoices(f, vendor) ?? f.choices;
	const description = !choices && f.min !== undefined && f.max !== undefined && !vendor.optionHelp?.[f.key] ? `${help} (${f.min} to ${f.max})` : help;
	if (choices) return Property.StaticDropdown({ displayName: f.label, description, required: false, options: { options: choices.map((c) => ({ label: c.name, value: c.value })) } });
	if (f.type === 'boolean') return Property.StaticDropdown({ displayName: f.label, description, required: false, options: { options: [{ label: 'Yes', value: true }, { label: 'No', value: false }] } });
	return Property.ShortText({ displayName: f.label, description, required: false });
}

function waitProp(p: VendorId) {
	const name = VENDOR_REGISTRY[p].name;
	return Property.StaticDropdown({
		displayName: 'Wait',
		description: `How the step waits for ${name}. Pause: the flow pauses (no worker is held) and goes on when ${name} calls back, which suits long jobs. In This Step: the step waits for the result, for quick jobs.`,
		required: false,
		defaultValue: WAIT.pause,
		options: { options: [{ label: `Pause until ${name} calls back`, value: WAIT.pause }, { label: 'In this step', value: WAIT.step }] },
	});
}

/** The chosen provider's options, as the editor shows them once a provider is picked. */
export async function optionProps({ provider }: Record<string, unknown>): Promise<InputPropertyMap> {
	const p = String(provider ?? '');
	if (!isVendorId(p)) return {};
	const props: InputPropertyMap = Object.fromEntries(optionFields(p).map((f) => [propKey(f), optionProp(f, p)]));
	if (callsBack(p)) props.wait = waitProp(p);
	return props;
}

export const optionsProp = Property.DynamicProperties({
	displayName: 'Options',
	description: "The provider's options; leave them empty for its defaults.",
	required: false,
	refreshers: ['provider'],
	auth: undefined,
	props: optionProps,
});

/** Values arrive typed (a dropdown) or as text (a typed or mapped value): both are read. */
function valueOf(f: OptionField, raw: unknown): unknown {
	if (raw === undefined || raw === null || raw === '') return undefined;
	if (f.type === 'number' || f.type === 'integer') return typeof raw === 'number' ? raw : Number(String(raw).trim());
	if (f.type === 'boolean') {
		if (typeof raw === 'boolean') return raw;
		const s = String(raw).trim().toLowerCase();
		return ['true', 'yes', '1', 'on'].includes(s) ? true : ['false', 'no', '0', 'off'].includes(s) ? false : raw;
	}
	return String(raw).trim();
}

/** The core's options from the step's Options (only the chosen provider's; the core checks them). */
export function readOptions(provider: VendorId, values: DynamicPropsValue | Record<string, unknown> | undefined): UpscaleOptionsInput {
	const options: Record<string, unknown> = {};
	for (const f of optionFields(provider)) {
		const v = valueOf(f, (values as Record<string, unknown> | undefined)?.[propKey(f)]);
		if (v !== undefined) options[f.key] = v;
	}
	return options as UpscaleOptionsInput;
}

/** Whether the step pauses for the vendor's call (the default for a vendor that calls back). */
export function pauses(provider: VendorId, values: Record<string, unknown> | undefined): boolean {
	if (!callsBack(provider)) return false;
	const wait = String(values?.wait ?? WAIT.pause);
	if (wait !== WAIT.pause && wait !== WAIT.step) throw new PieceError(`Wait is "${wait.slice(0, 40)}": choose "${WAIT.pause}" or "${WAIT.step}".`);
	return wait === WAIT.pause;
}
