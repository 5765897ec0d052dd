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

/**
 * Cuts the image into equal tiles of at most `maxTile` px a side (no thin leftover strips, which cost as much
 * context as a full tile), and at least `minTiles` of them so every worker has work.
 */
export function tileGrid(width: number, height: number, maxTile: number, overlap: number, minTiles = 1): Tile[] {
	if (!(maxTile >= 1 && overlap >= 0)) throw new Error(`bad tile size ${maxTile} / overlap ${overlap}`);
	let cols = Math.ceil(width / maxTile);
	let rows = Math.ceil(height / maxTile);
	while (cols * rows < minTiles && (cols < width || rows < height)) {
		if ((width / cols >= height / rows && cols < width) || rows >= height) cols++;
		else rows++;
	}
	const tw = Math.ceil(width / cols);
	const th = Math.ceil(height / rows);
	const tiles: Tile[] = [];
	for (let y = 0; y < height; y += th) {
		for (let x = 0; x < width; x += tw) {
			const w = Math.min(tw, width - x);
			const h = Math.min(th, height - y);
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
