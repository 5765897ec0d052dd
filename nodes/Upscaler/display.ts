/**
 * When the node's options apply. Hidden rules (not shown rules) so one entry serves both node versions: version 1
 * has Wait for Result, version 2 a Wait Mode, and a parameter a version lacks matches no rule.
 *
 * Wait modes: Poll (the node waits, checking the task), Return Task (it outputs the task ID at once) and, for a
 * vendor that calls a webhook when a task is done, Resume on Webhook (the execution waits, holding no worker, until
 * the vendor calls n8n's resume URL).
 */
import type { INodeProperties } from 'n8n-workflow';

export const WAIT_MODES = ['poll', 'returnTask', 'webhook'] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

type Hide = Record<string, Array<string | number | boolean>>;

function hidden(p: INodeProperties, hide: Hide): INodeProperties {
	return { ...p, displayOptions: { ...p.displayOptions, hide: { ...p.displayOptions?.hide, ...hide } } };
}

/** Hidden unless the node itself polls for the result (Poll), plus any extra hide rules. */
export const onlyWhilePolling = (p: INodeProperties, extraHide: Hide = {}): INodeProperties =>
	hidden(p, { '/waitForResult': [false], '/waitMode': ['returnTask', 'webhook'], ...extraHide });

/** Hidden when the node outputs only a task ID (Return Task): options about the output image. */
export const onlyWithImage = (p: INodeProperties): INodeProperties => hidden(p, { '/waitForResult': [false], '/waitMode': ['returnTask'] });

/** Hidden when the node resumes on the vendor's webhook (the node sets the webhook itself then). */
export const notWhileResuming = (p: INodeProperties): INodeProperties => hidden(p, { '/waitMode': ['webhook'] });
