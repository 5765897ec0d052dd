/** `upscale serve --help` and `upscale worker --help`: the settings people set first; docs/service.md has them all. */
import { VENDOR_IDS, VENDOR_REGISTRY } from '../core/vendors';
import { variableRows, type EnvCommand } from '../runtime/env-command';

const vendorKeys = VENDOR_IDS.map((id) => VENDOR_REGISTRY[id].env.key).join(', ');

export const SERVE: EnvCommand = {
	name: 'upscale serve',
	example: 'PORT=9000 upscale serve',
	usage: `Usage: upscale serve

The HTTP job service: the API (POST /v1/jobs), a page at / for people, signed webhooks and webhook subscriptions.
It takes no options: its settings are environment variables.

${variableRows([
	[vendorKeys, "the vendors' keys (at least one, or UPSCALE_LOCAL_ENGINE=on)"],
	['UPSCALE_LOCAL_ENGINE', 'on: offer the free local engine (provider=local)'],
	['PORT, HOST', 'where it listens (default 8080 on 127.0.0.1; PORT=0: any free port)'],
	['UPSCALE_DATA_DIR', 'jobs, client keys, uploads and results (default ./data)'],
	['UPSCALE_PUBLIC_URL', 'the URL clients reach it at, for result links and webhooks (default http://HOST:PORT)'],
	['UPSCALE_API_KEYS', 'client keys accepted besides those of `upscale keys create`'],
	['REDIS_URL', 'run as a fleet: jobs on Redis, run by `upscale worker` processes'],
])}

Every setting: docs/service.md, "Settings (environment)".
First a client key: upscale keys create; then: ${VENDOR_REGISTRY[VENDOR_IDS[0]].env.key}=… upscale serve`,
};

export const WORKER: EnvCommand = {
	name: 'upscale worker',
	example: 'REDIS_URL=redis://127.0.0.1:6379 upscale worker',
	usage: `Usage: upscale worker

A worker of a job-service fleet: takes the jobs that \`upscale serve\` processes put on Redis and runs them. Run any
number, on any machine, with the same environment as upscale serve and the same data volume.
It takes no options: its settings are environment variables (those of upscale serve --help), and it needs:

${variableRows([
	['REDIS_URL', "the fleet's Redis, e.g. redis://127.0.0.1:6379"],
	['UPSCALE_DATA_DIR', "the fleet's shared volume: uploads, results, keys.db"],
	['UPSCALE_CONCURRENCY', 'vendor jobs this worker runs at once (default 32; the local engine: one)'],
	['UPSCALE_WORKER_LOCK', "how long its claim on a job lasts unrenewed (default 30s): a killed worker's jobs go to another"],
])}

More: docs/scaling-out.md, "The job service as a fleet".`,
};
