// The few web-platform globals core/ relies on. They exist in Node >= 18 and in n8n's runtime;
// declaring them here (instead of pulling in DOM or Node types) keeps core/ free of platform APIs.
declare class TextEncoder {
	encode(input?: string): Uint8Array;
}
declare class TextDecoder {
	constructor(label?: string, options?: { fatal?: boolean });
	decode(input?: Uint8Array): string;
}
interface AbortSignal {
	readonly aborted: boolean;
	readonly reason: unknown;
	addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
	removeEventListener(type: 'abort', listener: () => void): void;
}
declare class URL {
	constructor(url: string, base?: string);
	readonly protocol: string;
	readonly hostname: string;
	readonly pathname: string;
	readonly search: string;
	readonly hash: string;
	readonly username: string;
	readonly password: string;
	readonly href: string;
}
