/**
 * download_url: a link to a succeeded job's image that needs no header, so the next step of a flow (Power Automate,
 * a chat message, an <img>) can fetch it. It is signed, HMAC-SHA256 over the job id and the link's expiry (the moment
 * the result is deleted: the job's end + UPSCALE_RETENTION), with a secret of the server's.
 *
 * The secret lives in the data directory (link-secret, 32 random bytes, mode 0600), next to keys.db: made once by the
 * first server or worker that starts, read by every later one. It survives restarts, and a fleet, whose API instances
 * and workers share the data volume, signs with one secret. Deleting the file (and restarting) revokes every link
 * given out. It is never logged, and never part of an answer.
 */
import { checkLink, linkSignature } from '../runtime/signed-links';
import { ApiError } from './problem';

const PURPOSE = 'download:v1';

export class DownloadLinks {
	/**
	 * `base`: the absolute URL clients reach the server at, or undefined when it is not known (no UPSCALE_PUBLIC_URL
	 * and the server listens on every address): then no link is given, rather than one nobody can reach.
	 */
	constructor(
		private readonly secret: Buffer,
		private readonly base: () => string | undefined,
	) {}

	private signature(jobId: string, expires: number): string {
		return linkSignature(this.secret, PURPOSE, jobId, expires);
	}

	/** The link to a job's result, valid until `expiresMs` (whole seconds, rounded down). */
	url(jobId: string, expiresMs: number): string | null {
		const base = this.base();
		if (!base) return null;
		const expires = Math.floor(expiresMs / 1000);
		return `${base}/v1/jobs/${jobId}/download?expires=${expires}&signature=${this.signature(jobId, expires)}`;
	}

	/** Refuses (LINK_INVALID, LINK_EXPIRED) a link's query that this server did not sign for this job, or that has expired. */
	verify(jobId: string, query: Record<string, unknown>, now = Date.now()): void {
		const expires = typeof query.expires === 'string' ? query.expires : '';
		const signature = typeof query.signature === 'string' ? query.signature : '';
		if (!expires || !signature) throw new ApiError('LINK_INVALID', 'This download link is incomplete (it needs both expires and signature, once each): copy the whole download_url of the job.');
		const check = checkLink(this.secret, PURPOSE, jobId, expires, signature, now);
		if (check === 'invalid') {
			throw new ApiError('LINK_INVALID', 'This download link is not valid: it was changed, or was not made by this server. Take download_url again from the job (GET /v1/jobs/{id} with your key).');
		}
		if (check === 'expired') {
			throw new ApiError('LINK_EXPIRED', `This download link expired at ${new Date(Number(expires) * 1000).toISOString()}, when the server deleted the result: submit the job again.`);
		}
	}
}

/** Where links point: UPSCALE_PUBLIC_URL, else the address the server listens on unless that is every address (0.0.0.0, ::). */
export function linkBase(publicUrl: string | undefined, host: string, listening: string): string | undefined {
	if (publicUrl) return publicUrl;
	return /^(0\.0\.0\.0|::|\[::\]|0:0:0:0:0:0:0:0)$/.test(host) ? undefined : listening;
}
