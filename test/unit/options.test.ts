import { parseOptions, parseRateLimit, targetSize, UpscaleError } from '../../core';

const rejects = (input: unknown) => {
	try {
		parseOptions(input);
	} catch (e) {
		expect((e as UpscaleError).code).toBe('INVALID_OPTIONS');
		expect((e as UpscaleError).local).toBe(true);
		return (e as UpscaleError).message;
	}
	throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
};

describe('parseOptions', () => {
	it('fills defaults', () => {
		expect(parseOptions({})).toEqual({ execution: 'auto', timeoutMs: 600_000 });
		expect(parseOptions(undefined)).toEqual({ execution: 'auto', timeoutMs: 600_000 });
	});

	it.each([
		[{ scale: 1.5 }],
		[{ scale: 16 }],
		[{ width: 1, height: 16384 }],
		[{ execution: 'sync' }],
		[{ execution: 'async' }],
		[{ strategy: 'smooth' }],
		[{ strategy: 'detailed' }],
		[{ mode: 'artifact_removal' }],
		[{ mode: 'ironed_out' }],
		[{ mode: 'high_fidelity' }],
		[{ model: 'classic' }],
		[{ model: 'gan' }],
		[{ format: 'png' }],
		[{ format: 'jpg', quality: 1 }],
		[{ format: 'webp', quality: 100 }],
		[{ tuneColors: false }],
		[{ webhook: { url: 'https://example.com/hook', headers: { 'x-secret': 's' } } }],
		[{ timeoutMs: 1000 }],
		[{ pollMinMs: 100, pollMaxMs: 200 }],
	])('accepts %j', (o) => {
		expect(() => parseOptions(o)).not.toThrow();
	});

	it.each([
		[{ scale: 1 }, 'scale must be greater than 1'],
		[{ scale: 17 }, 'scale must be at most 16'],
		[{ scale: 'two' }, 'scale must be a number'],
		[{ width: 0 }, 'width must be at least 1'],
		[{ width: 12.5 }, 'width must be a whole number'],
		[{ height: 20000 }, 'height must be at most 16384'],
		[{ execution: 'later' }, 'execution must be one of auto, sync, async'],
		[{ strategy: 'sharp' }, 'strategy must be one of smooth, detailed'],
		[{ mode: 'fast' }, 'mode must be one of artifact_removal, ironed_out, high_fidelity'],
		[{ model: 'esrgan' }, 'model must be one of classic, gan'],
		[{ format: 'gif' }, 'format must be one of png, jpg, webp'],
		[{ quality: 0 }, 'quality must be at least 1'],
		[{ quality: 101 }, 'quality must be at most 100'],
		[{ tuneColors: 'yes' }, 'tuneColors must be true or false'],
		[{ webhook: { url: 'not a url' } }, 'webhook url must be a valid URL'],
		[{ webhook: { url: 'ftp://x.y/z' } }, 'webhook url must start with http:// or https://'],
		[{ webhook: 'https://x.y' }, 'webhook must be an object with a url'],
		[{ timeoutMs: 10 }, 'timeout must be at least 1 second'],
		[{ pollMinMs: 5000, pollMaxMs: 1000 }, 'poll minimum interval is larger than the maximum'],
		[{ colour: 'red' }, 'unknown option: colour'],
		[{ a: 1, b: 2 }, 'unknown options: a, b'],
	])('rejects %j with "%s"', (o, text) => {
		expect(rejects(o)).toContain(text);
	});
});

describe('targetSize', () => {
	const base = parseOptions({});
	it('scales both sides, default 2', () => {
		expect(targetSize(base, { width: 300, height: 200 })).toEqual({ width: 600, height: 400 });
		expect(targetSize({ ...base, scale: 1.5 }, { width: 333, height: 101 })).toEqual({ width: 500, height: 152 });
	});
	it('keeps the aspect ratio when only one side is given', () => {
		expect(targetSize({ ...base, width: 1000 }, { width: 400, height: 300 })).toEqual({ width: 1000, height: 750 });
		expect(targetSize({ ...base, height: 900 }, { width: 400, height: 300 })).toEqual({ width: 1200, height: 900 });
		expect(targetSize({ ...base, width: 10, height: 20 }, { width: 400, height: 300 })).toEqual({ width: 10, height: 20 });
	});
});

describe('parseRateLimit', () => {
	it.each([
		['60', 60, 60_000],
		['60/min', 60, 60_000],
		['60/m', 60, 60_000],
		['120/60s', 120, 60_000],
		['60/6s', 60, 6_000],
		['10/500ms', 10, 500],
		['5/s', 5, 1000],
		['30/2m', 30, 120_000],
	])('%s → %d per %d ms', (text, requests, windowMs) => {
		expect(parseRateLimit(text)).toEqual({ requests, windowMs });
	});
	it.each(['', 'lots', '0', '-5', '60/', '60/fortnight', '1.5'])('rejects %j', (text) => {
		expect(parseRateLimit(text)).toBeUndefined();
	});
});
