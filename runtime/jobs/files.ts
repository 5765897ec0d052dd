/**
 * Where a job's bytes live in the data directory: uploads in inputs/ (until the vendor has them), results in results/
 * (until the retention ends). Written to a temporary name and renamed, so a crash never leaves half a result under
 * a job's name.
 */
import { rmSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs } from '../make-dirs';

export class Files {
	readonly inputs: string;
	readonly results: string;

	constructor(readonly dataDir: string) {
		this.inputs = join(dataDir, 'inputs');
		this.results = join(dataDir, 'results');
		for (const d of [this.inputs, this.results]) makeDirs(d, 0o700);
	}

	/** Where an upload is streamed while it arrives (renamed to inputPath once the job is accepted). */
	uploadPath(jobId: string): string {
		return join(this.inputs, `${jobId}.upload`);
	}

	inputPath(jobId: string): string {
		return join(this.inputs, jobId);
	}

	resultPath(jobId: string, extension: string): string {
		return join(this.results, `${jobId}.${extension}`);
	}

	async writeResult(jobId: string, extension: string, bytes: Uint8Array): Promise<string> {
		const path = this.resultPath(jobId, extension);
		const tmp = `${path}.tmp`;
		await writeFile(tmp, bytes, { mode: 0o600 });
		await rename(tmp, path);
		return path;
	}

	async remove(path: string | null | undefined): Promise<void> {
		if (path) await rm(path, { force: true });
	}

	removeSync(path: string | null | undefined): void {
		if (path) rmSync(path, { force: true });
	}
}
