/** What the engine and a model worker say to each other (worker.ts). */
import type { LocalBackend } from './backend';
import type { ModelName } from './models';

export interface TileRequest {
	id: number;
	/** slim, or thick (the best-quality mode, ×4 only). */
	model: ModelName;
	scale: 2 | 3 | 4;
	width: number;
	height: number;
	/** RGB, interleaved, width×height×3. */
	pixels: Uint8Array;
	/** The part of the result to send back, in output pixels. */
	crop: { x: number; y: number; w: number; h: number };
	/** Which engine runs the model (backend.ts). */
	backend: LocalBackend;
	/** The graph as shipped, without our rewrites (measurements only: `npm run bench`, and a test that they change no pixel). */
	asShipped?: boolean;
}

export type TileReply = { id: number; pixels: Uint8Array } | { id: number; error: string };

/** Starts a model's session before its first tile (no reply): the tile that follows finds it ready. */
export interface WarmRequest {
	warm: true;
	model: ModelName;
	scale: 2 | 3 | 4;
}
