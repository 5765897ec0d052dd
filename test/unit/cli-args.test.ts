/** The CLI's argument parser: flags as core options, the CLI's own checks, and the help derived from core's fields. */
import { parseCli, USAGE } from '../../cli/args';
import { OPTION_FIELDS, UpscaleError, VENDOR_IDS, VENDOR_REGISTRY } from '../../core';

const reject = (argv: string[]) => {
	try {
		parseCli(argv);
	} catch (e) {
		expect(e).toBeInstanceOf(UpscaleError);
		expect((e as UpscaleError).local).toBe(true);
		return (e as UpscaleError).message;
	}
	throw new Error('expected a rejection');
};

describe('parseCli', () => {
	it('every provider option as core takes it: numbers, choices, the jpeg alias, --no-tune-colors, a webhook URL', () => {
		const a = parseCli(['in.png', '-s', '4', '--width', '800', '--height', '600', '--strategy', 'detailed', '--mode', 'ironed_out', '--model', 'gan', '--format', 'jpeg', '--quality', '70', '--no-tune-colors', '--fast', '--webhook', 'https://h.example/x']);
		expect(a.source).toBe('in.png');
		expect(a.options).toEqual({ scale: 4, width: 800, height: 600, strategy: 'detailed', mode: 'ironed_out', model: 'gan', format: 'jpg', quality: 70, tuneColors: false, fast: true, webhook: { url: 'https://h.example/x' } });
	});

	it('nothing given is nothing set: the core applies its defaults', () => {
		expect(parseCli(['in.png'])).toEqual({ source: 'in.png', task: undefined, provider: undefined, options: {}, output: undefined, force: false, json: false, quiet: false, help: false, version: false });
	});

	it('execution, timeout, task, output and the switches', () => {
		const a = parseCli(['--task', 'abc', '-p', 'ximilar', '--async', '--timeout', '1.5', '-o', 'out/', '-f', '--json', '-q']);
		expect(a).toMatchObject({ task: 'abc', provider: 'ximilar', output: 'out/', force: true, json: true, quiet: true, options: { execution: 'async', timeoutMs: 1500 } });
		expect(parseCli(['x.png', '--sync']).options.execution).toBe('sync');
		expect(parseCli(['-h']).help).toBe(true);
		expect(parseCli(['-v']).version).toBe(true);
	});

	it.each([
		[['a.png', 'b.png'], 'Give one image at a time (got 2: a.png b.png).'],
		[['a.png', '--sync', '--async'], '--sync and --async exclude each other.'],
		[['a.png', '--timeout', '0'], '--timeout must be a positive number of seconds.'],
		[['a.png', '--timeout', '0.5'], '--timeout must be at least 1 second (got "0.5").'],
		[['a.png', '--timeout', '90000'], '--timeout must be at most 86400 seconds (24 hours; got "90000").'],
		[['a.png', '--scale', 'big'], '--scale needs a number (got "big").'],
		[['a.png', '--width', '10.5'], '--width needs a whole number (got "10.5").'],
		[['a.png', '--quality', ''], '--quality needs a number (got "").'],
	])('%j → %s', (argv, message) => {
		expect(reject(argv)).toBe(message);
	});

	it.each([
		[['a.png', '--colour', 'red'], 'Unknown option --colour. (See upscale --help.)'],
		[['a.png', '--scal', '2'], 'Unknown option --scal: did you mean --scale? (See upscale --help.)'],
		[['a.png', '--fats'], 'Unknown option --fats: did you mean --fast? (See upscale --help.)'],
		[['a.png', '--outptu', 'x.png'], 'Unknown option --outptu: did you mean --output? (See upscale --help.)'],
		[['a.png', '--form', 'png'], 'Unknown option --form: did you mean --format? (See upscale --help.)'],
		[['a.png', '--sk-0123456789abcdef0123456789abcdef'], 'Unknown option. (See upscale --help.)'],
		[['a.png', '--scale', '-2'], '--scale needs a value, and what follows it starts with "-": write a value like that as --scale=VALUE. (See upscale --help.)'],
		[['a.png', '--output'], '--output needs a value. (See upscale --help.)'],
	])('a slip of the keyboard: %j → %s', (argv, message) => {
		expect(reject(argv)).toBe(message);
	});
});

describe('USAGE', () => {
	it("lists every option field, the providers and each vendor's variables", () => {
		for (const f of OPTION_FIELDS) expect(USAGE).toContain(f.negatable ? `--no-${f.flag}` : `--${f.flag}`);
		expect(USAGE).toMatch(/--provider NAME +clipdrop \| ximilar \| local \(/);
		for (const id of VENDOR_IDS) for (const name of Object.values(VENDOR_REGISTRY[id].env)) expect(USAGE).toContain(name);
	});
});
