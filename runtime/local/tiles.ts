/**
 * Splitting an image into tiles for the model and putting the results back together.
 * Each tile is run with `overlap` pixels of real context on every side that has a neighbour; only the tile's own
 * area of the result is kept, so the borders that the model sees differently never reach the output.
 */

export interface Tile {
	/** The tile's own area in the input. */
	x: number;
	y: number;
	w: number;
	h: number;
	/** The area sent to the model: the tile plus its context, clamped to the image. */
	px: number;
	py: number;
	pw: number;
	ph: number;
}

export function tileGrid(width: number, height: number, size: number, overlap: number): Tile[] {
	if (!(size >= 1 && overlap >= 0)) throw new Error(`bad tile size ${size} / overlap ${overlap}`);
	const tiles: Tile[] = [];
	for (let y = 0; y < height; y += size) {
		for (let x = 0; x < width; x += size) {
			const w = Math.min(size, width - x);
			const h = Math.min(size, height - y);
			const px = Math.max(0, x - overlap);
			const py = Math.max(0, y - overlap);
			tiles.push({ x, y, w, h, px, py, pw: Math.min(width, x + w + overlap) - px, ph: Math.min(height, y + h + overlap) - py });
		}
	}
	return tiles;
}

/** Copies a w×h region at (x, y) out of an interleaved image `srcWidth` pixels wide. */
export function copyRegion(src: Uint8Array, srcWidth: number, channels: number, x: number, y: number, w: number, h: number): Uint8Array {
	const out = new Uint8Array(w * h * channels);
	const row = w * channels;
	for (let r = 0; r < h; r++) {
		const from = ((y + r) * srcWidth + x) * channels;
		out.set(src.subarray(from, from + row), r * row);
	}
	return out;
}

/** Writes a w×h region into an interleaved image `dstWidth` pixels wide at (x, y). */
export function pasteRegion(dst: Uint8Array, dstWidth: number, channels: number, x: number, y: number, region: Uint8Array, w: number, h: number): void {
	const row = w * channels;
	for (let r = 0; r < h; r++) dst.set(region.subarray(r * row, (r + 1) * row), ((y + r) * dstWidth + x) * channels);
}
