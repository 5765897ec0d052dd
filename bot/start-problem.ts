/** Why the bot could not connect to Discord at start, in a sentence that says what to change (never the token). */
const NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export function startProblem(e: unknown): string {
	const code = (e as { code?: unknown }).code;
	if (code === 'TokenInvalid') return 'Discord refused DISCORD_TOKEN (An invalid token was provided.): reset the token in the Developer Portal (your app → Bot) and set it again';
	if (typeof code === 'string' && NETWORK.has(code)) return `Discord could not be reached (${code}): check the network, or DISCORD_API_URL`;
	return (e as Error).message;
}
