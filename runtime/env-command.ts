/**
 * The commands a service manager starts (`upscale serve`, `upscale worker`, `upscale-bot`, `upscale-bot worker`,
 * `upscale-bot-deploy`) take their settings from the environment only. `--help` (or `-h`) prints the command's
 * usage; any other argument is refused before the configuration is read, so `upscale serve --port 9000` says what to
 * do instead of starting on 8080 or failing on a missing key. An argument is named only when it is an option's name
 * (`--port`), never a value: a key pasted on the command line is not printed back.
 */
import { nearest } from './nearest';

/** The exit status of a command line refused before anything ran (the CLI's "input or options rejected"). */
export const EXIT_USAGE = 2;

export interface EnvCommand {
	/** As typed: "upscale serve". */
	name: string;
	usage: string;
	/** How a setting is given instead, e.g. "PORT=9000 upscale serve". */
	example: string;
	/** Its sub-commands (`upscale-bot worker`), for a "did you mean" when one is mistyped. */
	commands?: readonly string[];
}

const HELP = new Set(['--help', '-h', 'help']);
const OPTION_NAME = /^--?[a-z][a-z0-9-]*$/i;

/** The exit status when the arguments were the whole job (help printed, or refused); undefined: go on and start. */
export function envCommandArgs(command: EnvCommand, args: readonly string[]): number | undefined {
	if (args.length === 0) return undefined;
	if (args.some((a) => HELP.has(a))) {
		process.stdout.write(`${command.usage}\n`);
		return 0;
	}
	const meant = command.commands && /^[a-z-]{1,20}$/i.test(args[0]) ? nearest(args[0], command.commands) : undefined;
	if (meant) {
		process.stderr.write(`${command.name}: unknown command ${args[0]}: did you mean ${command.name} ${meant}?\n`);
		return EXIT_USAGE;
	}
	const named = OPTION_NAME.test(args[0]) ? ` (got ${args[0]})` : '';
	process.stderr.write(`${command.name}: takes no options or arguments${named}: its settings are environment variables, e.g. ${command.example}. See: ${command.name} --help\n`);
	return EXIT_USAGE;
}

/** Rows of "  NAME   what it is", the names padded to one column. */
export function variableRows(rows: ReadonlyArray<readonly [string, string]>): string {
	const width = Math.max(...rows.map(([name]) => name.length)) + 2;
	return rows.map(([name, help]) => `  ${name.padEnd(width)}${help}`).join('\n');
}
