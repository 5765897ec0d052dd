/**
 * With workers (REDIS_URL): the place in line of each job this bot process admitted, read from the queue itself
 * (BullMQ's waiting list) while the job waits for a worker, and shown on its message. Once a worker has the job,
 * the worker's progress takes over the message.
 */
import type { JobQueue } from '../../runtime/jobs/queue';
import type { Outbox } from '../outbox';

/** How often the places are read. The first read waits this long too: an idle worker takes a job before that. */
const EVERY_MS = 2000;

export class LineWatch {
	private readonly ids = new Set<string>();
	private timer?: NodeJS.Timeout;
	private reading = false;

	constructor(private readonly deps: { queue: JobQueue; outbox: Outbox; everyMs?: number }) {}

	/** Shows this job's place while it waits. */
	watch(id: string): void {
		this.ids.add(id);
		this.timer ??= setInterval(() => void this.read(), this.deps.everyMs ?? EVERY_MS);
		this.timer.unref();
	}

	private async read(): Promise<void> {
		if (this.reading) return;
		this.reading = true;
		try {
			const places: Array<{ id: string; position: number }> = [];
			for (const id of this.ids) {
				const at = await this.deps.queue.position(id).catch(() => undefined);
				// Not waiting any more: a worker has it, or it was canceled.
				if (at === undefined) this.ids.delete(id);
				else places.push({ id, position: at + 1 });
			}
			if (places.length) this.deps.outbox.line(places);
		} finally {
			this.reading = false;
			if (!this.ids.size) this.stop();
		}
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}
}
