/**
 * The command line's answers to a slip of the keyboard: an unknown option with the nearest real one, an option whose
 * value is missing. Node's parseArgs messages (three sentences about positionals and
 * '--') are replaced; a name is repeated only when it is short and looks like one (never a pasted key).
 */
import { nearest } from '../runtime/nearest';

const NAME_LIKE = /^-{1,2}[a-z][a-z0-9-]{0,24}$/i;

/** parseArgs' error as one sentence, with the nearest option when one was mistyped. */
export function argsProblem(e: { code?: string; message: string }, flags: readonly string[]): string {
	// "Unknown option '--scal'", "Option '--scale' argument is ambiguous", "Option '-o, --output <value>' argument missing"
	const option = /Unknown option '([^']+)'/.exec(e.message)?.[1] ?? /Option '(?:-\w, )?(-{1,2}[\w-]+)/.exec(e.message)?.[1];
	if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
		const guess = nearest(option.replace(/^-+/, ''), flags);
		const named = NAME_LIKE.test(option) ? ` ${option}` : '';
		return `Unknown option${named}${guess ? `: did you mean --${guess}?` : '.'}`;
	}
	if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
		if (/ambiguous/.test(e.message)) return `${option} needs a value, and what follows it starts with "-": write a value like that as ${option}=VALUE.`;
		return `${option} needs a value.`;
	}
	return e.message.split('\n')[0];
}
