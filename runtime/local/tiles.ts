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
 * Cuts the image into equal tiles of at most `maxTile`² pixels each (the model's memory follows the tile's area),
 * choosing the grid that finishes soonest on `workers` workers: every tile costs its area plus its context, and the
 * tiles run in rounds of `workers`. So a small image becomes one strip per worker (one inner edge each, the least
 * context), and a large one as few, as large tiles as the area allows.
 */
export function tileGrid(width: number, height: number, maxTile: number, overlap: number, workers = 1): Tile[] {
	if (!(maxTile >= 1 && overlap >= 0 && workers >= 1)) throw new Error(`bad tile size ${maxTile} / overlap ${overlap}`);
	const maxArea = maxTile * maxTile;
	let best = { cols: Math.ceil(width / maxTile), rows: Math.ceil(height / maxTile), cost: Infinity };
	const colsFrom = Math.max(1, Math.ceil(width / maxArea));
	for (let cols = colsFrom; cols <= Math.min(width, colsFrom + 256); cols++) {
		const tw = Math.ceil(width / cols);
		// The fewest rows that keep a tile within the area (more rows only add tiles and context).
		let rows = Math.max(1, Math.ceil((height * tw) / maxArea));
		while (rows < height && tw * Math.ceil(height / rows) > maxArea) rows++;
		const th = Math.ceil(height / rows);
		if (tw * th > maxArea) continue;
		const pw = tw + overlap * Math.min(2, cols - 1);
		const ph = th + overlap * Math.min(2, rows - 1);
		const cost = Math.ceil((cols * rows) / workers) * pw * ph;
		if (cost < best.cost) best = { cols, rows, cost };
	}
	const tw = Math.ceil(width / best.cols);
	const th = Math.ceil(height / best.rows);
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
