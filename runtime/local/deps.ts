/**
 * The local engine's libraries are optional dependencies of the toolkit (the n8n package never has them); they are looked up only when
 * the local provider runs, and a missing one is a clear message with the install command.
 */
import { UpscaleError } from '../../core';

export const LOCAL_PACKAGES = {
	sharp: '^0.34.5',
	'@tensorflow/tfjs': '4.11.0',
	'@tensorflow/tfjs-backend-wasm': '4.11.0',
	'@upscalerjs/esrgan-slim': '1.0.0',
	/** The best-quality model (--best) only. */
	'@upscalerjs/esrgan-thick': '1.0.0',
} as const;

type Pkg = keyof typeof LOCAL_PACKAGES;

function installed(name: string): boolean {
	try {
		require.resolve(name);
		return true;
	} catch {
		return false;
	}
}

/** What each way of running needs: fast mode only sharp; the AI model TF.js (the fallback engine) and its model package. */
const NEEDED: Record<'fast' | 'slim' | 'thick', Pkg[]> = {
	fast: ['sharp'],
	slim: ['sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@upscalerjs/esrgan-slim'],
	thick: ['sharp', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@upscalerjs/esrgan-thick'],
};

/** Throws a local INVALID_OPTIONS naming what to install when a package the mode needs is missing. */
export function requireLocalPackages(mode: 'fast' | 'slim' | 'thick', isInstalled: (name: string) => boolean = installed): void {
	const needed = NEEDED[mode];
	const missing = needed.filter((n) => !isInstalled(n));
	if (!missing.length) return;
	const cmd = missing.map((n) => `${n}@${LOCAL_PACKAGES[n]}`).join(' ');
	throw new UpscaleError(
		'INVALID_OPTIONS',
		`The local engine needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed (they are optional dependencies of upscale-toolkit: an install with --omit=optional, or where they failed to install, has no local engine). Install with: npm install ${cmd}`,
		{ provider: 'local', local: true },
	);
}
