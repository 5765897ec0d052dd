/**
 * When the node's options apply. Hidden rules (not shown rules) so one entry serves both node versions: version 1
 * has Wait for Result, version 2 a Wait Mode, and a parameter a version lacks matches no rule.
 */
import type { INodeProperties } from 'n8n-workflow';

/** Hidden unless the node waits for the result itself (Poll), plus any extra hide rules. */
export function onlyWhilePolling(p: INodeProperties, extraHide: Record<string, Array<string | number | boolean>> = {}): INodeProperties {
	const hide = { '/waitForResult': [false], '/waitMode': ['returnTask'], ...extraHide };
	return { ...p, displayOptions: { ...p.displayOptions, hide: { ...p.displayOptions?.hide, ...hide } } };
}
