/** Why a server (the job service, the bot's link server) could not listen, in words that name the setting to change. */
export function listenProblem(e: unknown, settings: { host: string; port: string }): string {
	const code = (e as { code?: string }).code;
	switch (code) {
		case 'EADDRINUSE':
			return `the port is in use (another server?): choose another ${settings.port}`;
		case 'EACCES':
			return `permission denied (ports below 1024 need privileges): choose another ${settings.port}`;
		case 'EADDRNOTAVAIL':
			return `this machine has no such address: check ${settings.host}`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return `${settings.host} is neither an address of this machine nor a name it can resolve`;
		default:
			return code ?? (e as Error).message;
	}
}
