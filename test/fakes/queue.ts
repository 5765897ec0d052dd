/** A vendor's task queue in virtual form: each task gets a start and end time when submitted (FIFO over N workers). */
export interface QueuedTask {
	id: string;
	submittedAt: number;
	startAt: number;
	doneAt: number;
}

export class TaskQueue<T extends QueuedTask> {
	readonly tasks = new Map<string, T>();
	private workersFreeAt: number[];
	constructor(public workers: number) {
		this.workersFreeAt = new Array(workers).fill(0);
	}

	/** Places a task: it starts when a worker is free and runs for durationMs. */
	schedule(now: number, durationMs: number): { startAt: number; doneAt: number } {
		let w = 0;
		for (let i = 1; i < this.workersFreeAt.length; i++) if (this.workersFreeAt[i] < this.workersFreeAt[w]) w = i;
		const startAt = Math.max(now, this.workersFreeAt[w]);
		const doneAt = startAt + durationMs;
		this.workersFreeAt[w] = doneAt;
		return { startAt, doneAt };
	}

	add(task: T): T {
		this.tasks.set(task.id, task);
		return task;
	}

	/** Tasks ahead of this one that have not started yet (0 once it runs). */
	position(task: T, now: number): number {
		if (now >= task.startAt) return 0;
		let ahead = 0;
		for (const t of this.tasks.values()) if (t !== task && t.startAt < task.startAt && t.startAt > now) ahead++;
		return ahead + 1;
	}

	reset(): void {
		this.tasks.clear();
		this.workersFreeAt.fill(0);
	}
}
