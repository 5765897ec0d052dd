/**
 * The input fields of the Zapier steps, derived from the core: the providers from the vendor registry, and for the
 * chosen provider exactly the options its vendor accepts (the registry's `accepts`), with their types, choices and
 * bounds from core's OPTION_FIELDS. Nothing here says which vendor takes what; a new option or vendor shows up by
 * itself. The core validates every value again before anything is sent.
 */
import type { Bundle, ZObject } from 'zapier-platform-core';
import { OPTION_FIELDS, VENDOR_IDS, VENDOR_REGISTRY, isVendorId, listWords, optionHelp, optionValueChoices, type OptionField, type UpscaleOptionsInput, type VendorId } from '../../core';

export interface ZapField {
	key: string;
	label: string;
	type?: 'string' | 'integer' | 'number' | 'boolean' | 'file' | 'text';
	required?: boolean;
	helpText?: string;
	choices?: Array<{ value: string; label: string; sample: string }>;
	altersDynamicFields?: boolean;
	default?: string;
}

export const providerField: ZapField = {
	key: 'provider',
	label: 'Provider',
	required: true,
	choices: VENDOR_IDS.map((id) => ({ value: id, label: VENDOR_REGISTRY[id].name, sample: id })),
	altersDynamicFields: true,
	helpText: 'Which upscaling service does the work. Its options appear once you pick it; the connection needs that service\'s key.',
};

/** The provider a step was given, or the refusal that lists the choices (every step reads it this way). */
export function providerOf(z: ZObject, raw: unknown): VendorId {
	const p = String(raw ?? '').trim();
	if (!isVendorId(p)) throw new z.errors.Error(`Pick a provider: ${listWords(providerField.choices!.map((c) => c.label), 'or')}${p ? ` ("${p.slice(0, 40)}" is not one)` : ''}.`, 'INVALID_OPTIONS', 400);
	return p;
}

/** The field's key in Zapier: snake_case, as in the job service's API (`tune_colors`). */
const zapKey = (f: OptionField) => f.chat?.name ?? f.key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** The options a provider's vendor accepts that a Zap user sets (the webhook is the app's own business). */
export function optionFields(provider: VendorId): OptionField[] {
	const accepts = VENDOR_REGISTRY[provider].accepts;
	return OPTION_FIELDS.filter((f) => accepts.includes(f.key) && f.type !== 'url');
}

/** One option as the chosen provider offers it: its own label, its help in that provider's terms, its values. */
function zapField(f: OptionField, provider: VendorId): ZapField {
	const vendor = VENDOR_REGISTRY[provider];
	const z: ZapField = { key: zapKey(f), label: f.label, required: false, helpText: optionHelp(f, vendor) };
	const values = optionValueChoices(f, vendor);
	if (values) z.type = 'string';
	else if (f.type === 'integer') z.type = 'integer';
	else if (f.type === 'number') z.type = 'number';
	else if (f.type === 'boolean') z.type = 'boolean';
	else z.type = 'string';
	const choices = values ?? f.choices;
	if (choices) z.choices = choices.map((c) => ({ value: c.value, label: c.name, sample: c.value }));
	else if (f.min !== undefined && f.max !== undefined && !vendor.optionHelp?.[f.key]) z.helpText += ` (${f.min} to ${f.max})`;
	return z;
}

/** The dynamic part of the Upscale Image form: the chosen provider's options. */
export function optionInputFields(_z: unknown, bundle: Bundle): ZapField[] {
	const provider = String(bundle.inputData?.provider ?? '');
	return isVendorId(provider) ? optionFields(provider).map((f) => zapField(f, provider)) : [];
}

/** Zapier hands numbers and switches as typed values, or as text from a mapped field: both are read. */
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

/** The core's options from the step's input (only the chosen provider's; the core checks them). */
export function readOptions(provider: VendorId, input: Record<string, unknown>): UpscaleOptionsInput {
	const options: Record<string, unknown> = {};
	for (const f of optionFields(provider)) {
		const v = valueOf(f, input[zapKey(f)]);
		if (v !== undefined) options[f.key] = v;
	}
	return options as UpscaleOptionsInput;
}
