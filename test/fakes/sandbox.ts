/**
 * `npm run sandbox`: serves the Clipdrop and Ximilar fakes on 127.0.0.1 until Ctrl-C, and prints how to use them.
 * Ports: SANDBOX_CLIPDROP_PORT (default 8701), SANDBOX_XIMILAR_PORT (default 8702); 0 picks free ones.
 */
import { ClipdropFake } from './clipdrop';
import { XimilarFake } from './ximilar';

export const DEMO_CLIPDROP_KEY = 'demo-clipdrop-key';
export const DEMO_XIMILAR_TOKEN = 'demo-ximilar-token';

export async function startSandbox(ports = { clipdrop: 8701, ximilar: 8702 }) {
	const clipdrop = new ClipdropFake({ keys: { [DEMO_CLIPDROP_KEY]: 1000 } });
	const ximilar = new XimilarFake({ tokens: { [DEMO_XIMILAR_TOKEN]: { limit: 100_000 } } });
	await clipdrop.start(ports.clipdrop);
	await ximilar.start(ports.ximilar);
	return { clipdrop, ximilar, stop: () => Promise.all([clipdrop.stop(), ximilar.stop()]) };
}

async function main() {
	const port = (name: string, d: number) => (process.env[name] !== undefined ? Number(process.env[name]) : d);
	const s = await startSandbox({ clipdrop: port('SANDBOX_CLIPDROP_PORT', 8701), ximilar: port('SANDBOX_XIMILAR_PORT', 8702) });
	process.stdout.write(`Vendor fakes are running (Ctrl-C stops them).

  Clipdrop  ${s.clipdrop.url}   key: ${DEMO_CLIPDROP_KEY} (1000 credits, 60 requests/min)
  Ximilar   ${s.ximilar.url}   token: ${DEMO_XIMILAR_TOKEN} (100000 credits)

Use them from another shell:
  export CLIPDROP_BASE_URL=${s.clipdrop.url} CLIPDROP_API_KEY=${DEMO_CLIPDROP_KEY}
  export XIMILAR_BASE_URL=${s.ximilar.url} XIMILAR_API_TOKEN=${DEMO_XIMILAR_TOKEN}
  npx upscale test/fixtures/sample.jpg --provider clipdrop --scale 2

Inject a fault into the next matching request (kinds: status, slow, drop, drop-after, malformed, fail-task):
  curl -X POST ${s.clipdrop.url}/__control/faults -d '{"route":"async","kind":"fail-task"}'
  curl -X POST ${s.ximilar.url}/__control/faults -d '{"route":"status","kind":"status","status":503}'
See what they received:  curl ${s.clipdrop.url}/__control/requests
`);
	const stop = () => void s.stop().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	main().catch((e) => {
		process.stderr.write(`sandbox: ${(e as Error).message}\n`);
		process.exit(1);
	});
}
