/**
 * An option as a form that shows one provider's fields presents it (Zapier, Activepieces, the service's page): its
 * label, its help in that provider's own terms (the provider's `optionHelp`, else the shared text without its
 * "Vendor:" prefix) and, for a number the provider takes only at some values, those values as choices.
 */
import type { OptionField } from './option-fields';
import type { ProviderInfo } from './vendors/types';

const capital = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

/** The shared help, as one provider's form shows it: the chat description without its "Clipdrop, Local: " prefix. */
function sharedHelp(f: OptionField): string {
	const text = capital((f.chat?.description ?? f.help).replace(/^[A-Z][A-Za-z]*(, [A-Z][A-Za-z]*)*: /, ''));
	return /[.)]$/.test(text) ? text : `${text}.`;
}

export function optionHelp(f: OptionField, provider?: ProviderInfo): string {
	return provider?.optionHelp?.[f.key] ?? sharedHelp(f);
}

/** The values a provider takes for a number option, as choices ("2×"); undefined when any number in range goes. */
export function optionValueChoices(f: OptionField, provider?: ProviderInfo): Array<{ value: string; name: string }> | undefined {
	const values = provider?.optionValues?.[f.key];
	return values?.map((v) => ({ value: String(v), name: f.key === 'scale' ? `${v}×` : String(v) }));
}
