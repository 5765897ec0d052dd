/** The core client for an execution (or its resume on a webhook): the credential's base URL and request budget. */
import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { UpscaleClient } from '../../../core';
import { executionPorts } from '../transport';
import type { NodeVendor } from '../vendors/types';

/** The key itself is added by n8n's credential auth; it is only named here to keep it out of errors. */
export async function clientFor(ctx: IExecuteFunctions | IWebhookFunctions, { id: provider, credential }: NodeVendor): Promise<UpscaleClient> {
	const creds = (await ctx.getCredentials(credential.name)) as IDataObject;
	const secret = String(creds[credential.secretField] ?? '');
	const perMinute = Number(creds.requestsPerMinute ?? 0);
	return new UpscaleClient({
		provider,
		baseUrl: baseUrlOf(creds),
		budgetKey: ctx.getNode().credentials?.[credential.name]?.id ?? secret,
		rateLimit: perMinute > 0 ? { requests: perMinute, windowMs: 60_000 } : undefined,
		secrets: secret ? [secret] : [],
		wording: { key: credential.keyField, rateLimit: credential.rateLimitField },
		ports: executionPorts(ctx, credential.name),
	});
}

/** The credential's Base URL, when it sets one (else the vendor's own). */
export const baseUrlOf = (creds: IDataObject): string | undefined => String(creds.baseUrl || '') || undefined;
