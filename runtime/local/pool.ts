/**
 * A small pool of model workers (worker_threads). Tiles are queued and each goes to the next free worker.
 * Workers start on first use, keep their loaded models while busy, and are stopped after `idleMs` without work
 * (their WebAssembly memory never shrinks otherwise). An idle pool does not keep the process alive.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TileReply, TileRequest, WarmRequest } from './worker-messages';

type Job = Omit<TileRequest, 'id'>;

interface Slot {
	worker: Worker;
	busy?: {
		id: number;
		backend: TileRequest['backend'];
		resolve(p: Uint8Array): void;
		reject(e: Error): void;
		/** Settles when the worker has answered (or is gone), whether or not anyone still waits. */
		answered: Promise<void>;
		answer(): void;
	};
}

/** The compiled worker next to this file (dist/), also when this file runs from source under tsx or jest. */
function workerFile(): string {
	const here = join(__dirname, 'worker.js');
	if (existsSync(here)) return here;
	const built = join(__dirname, '..', '..', 'dist', 'runtime', 'local', 'worker.js');
	if (existsSync(built)) return built;
	throw new Error('The local engine worker is not built: run npm run build.');
}

export class TilePool {
	private readonly slots: Slot[] = [];
	private readonly queue: Array<{ job: Job; resolve(p: Uint8Array): void; reject(e: Error): void }> = [];
	private nextId = 1;
	private idleTimer?: NodeJS.Timeout;

	constructor(
		readonly size: number,
		private readonly idleMs = 60_000,
	) {}

	/** Workers running now (started, not yet stopped). */
	get started(): number {
		return this.slots.length;
	}

	/**
	 * Starts a worker (when none runs) and its ONNX Runtime session for a model ahead of the first tile, so that
	 * both start while this thread is still reading and decoding the image.
	 */
	warm(model: WarmRequest['model'], scale: WarmRequest['scale']): void {
		if (this.slots.length) return;
		const slot = this.spawn();
		slot.worker.postMessage({ warm: true, model, scale } satisfies WarmRequest);
		slot.worker.unref();
		this.armIdle();
	}

	run(job: Job): Promise<Uint8Array> {
		clearTimeout(this.idleTimer);
		return new Promise((resolve, reject) => {
			this.queue.push({ job, resolve, reject });
			this.dispatch();
		});
	}

	/**
	 * Stops the workers that are idle now, when nothing waits: a worker's WebAssembly memory never shrinks, so after a
	 * ×4 pass its ~0.4 GB would otherwise stay next to the ×2 pass's larger image (measured: ×8 of a 2047² photo
	 * peaked at 2.3+ GB without this). Busy workers (another job's) are left alone.
	 */
	async releaseIdle(): Promise<void> {
		if (this.queue.length) return;
		const idle = this.slots.filter((s) => !s.busy);
		for (const s of idle) this.slots.splice(this.slots.indexOf(s), 1);
		await Promise.all(idle.map((s) => s.worker.terminate()));
	}

	/** Stops every worker; queued and running tiles fail. */
	async close(): Promise<void> {
		clearTimeout(this.idleTimer);
		const slots = this.slots.splice(0);
		const stopped = () => new Error('the local engine was stopped');
		for (const q of this.queue.splice(0)) q.reject(stopped());
		for (const s of slots) s.busy?.reject(stopped());
		// A worker inside ONNX Runtime's native code cannot be terminated safely (the process aborts): it is let
		// finish its tile (well under a second), which nobody waits for any more, and stopped then.
		await Promise.all(
			slots.map(async (s) => {
				if (s.busy?.backend === 'onnx') await s.busy.answered;
				await s.worker.terminate();
			}),
		);
	}

	private dispatch(): void {
		while (this.queue.length) {
			let slot = this.slots.find((s) => !s.busy);
			if (!slot && this.slots.length < this.size) slot = this.spawn();
			if (!slot) return;
			const { job, resolve, reject } = this.queue.shift()!;
			const id = this.nextId++;
			let answer = () => {};
			const answered = new Promise<void>((r) => (answer = r));
			slot.busy = { id, backend: job.backend, resolve, reject, answered, answer };
			slot.worker.ref();
			slot.worker.postMessage({ ...job, id } satisfies TileRequest, [job.pixels.buffer as ArrayBuffer]);
		}
	}

	private spawn(): Slot {
		const worker = new Worker(workerFile());
		const slot: Slot = { worker };
		worker.on('message', (m: TileReply) => {
			const b = slot.busy;
			if (!b || b.id !== m.id) return;
			b.answer();
			slot.busy = undefined;
			worker.unref();
			if ('error' in m) b.reject(new Error(m.error));
			else b.resolve(m.pixels);
			this.dispatch();
			this.armIdle();
		});
		const lost = (why: string) => {
			slot.busy?.answer();
			const i = this.slots.indexOf(slot);
			if (i < 0) return;
			this.slots.splice(i, 1);
			slot.busy?.reject(new Error(why));
			slot.busy = undefined;
			this.dispatch();
		};
		worker.on('error', (e) => lost(`a model worker crashed: ${e.message}`));
		worker.on('exit', (code) => lost(`a model worker exited (code ${code})`));
		this.slots.push(slot);
		return slot;
	}

	private armIdle(): void {
		if (this.queue.length || this.slots.some((s) => s.busy)) return;
		clearTimeout(this.idleTimer);
		this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
		this.idleTimer.unref();
	}
}
