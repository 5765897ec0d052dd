/**
 * `npm run sandbox`: serves a strict fake of every vendor in core's registry on 127.0.0.1 until Ctrl-C, and prints
 * how to use them. Nothing here names a vendor: each vendor's fake (test/fakes/<vendor id>.ts) exports `sandbox`,
 * its demo key, and the environment names come from the registry — so a vendor added to the
 * registry with its fake is served here as it is.
 * Ports: SANDBOX_<VENDOR>_PORT (e.g. SANDBOX_CLIPDROP_PORT); by default 8701, 8702… in the registry's order; 0 picks a
 * free one.
 */
import { VENDOR_IDS, VENDOR_REGISTRY, type VendorId } from '../../core';
import type { FakeServer } from './server';

/** What a vendor's fake module exports for the sandbox. */
export interface SandboxFake {
	/** The demo key the fake accepts. */
	key: string;
	/** What the demo key has, for the printout ("1000 credits, 60 requests/min"). */
	note: string;
	/** A fresh fake that accepts the demo key. */
	create(): FakeServer;
	/** The fault injections worth showing (shown for the first vendor), as the body of POST /__control/faults. */
	faultExample?: string;
}

export interface Sandbox {
	fakes: Record<VendorId, FakeServer & { key: string }>;
	/** The environment that points the CLI, the bot and the job service at the fakes, with their demo keys. */
	env: Record<string, string>;
	stop(): Promise<void>;
}

async function sandboxFake(id: VendorId): Promise<SandboxFake> {
	const mod = (await import(`./${id}`)) as { sandbox?: SandboxFake };
	if (!mod.sandbox) throw new Error(`test/fakes/${id}.ts exports no \`sandbox\` (the vendor's fake and its demo key)`);
	return mod.sandbox;
}

/** Starts every vendor's fake: on 8701, 8702… in the registry's order, or on the port given (0: any free port). */
export async function startSandbox(ports: Partial<Record<VendorId, number>> = {}): Promise<Sandbox> {
	const fakes = {} as Sandbox['fakes'];
	const env: Record<string, string> = {};
	try {
		for (const id of VENDOR_IDS) {
			const s = await sandboxFake(id);
			const fake = Object.assign(s.create(), { key: s.key });
			fakes[id] = fake;
			await fake.start(ports[id] ?? 8701 + VENDOR_IDS.indexOf(id));
			const names = VENDOR_REGISTRY[id].env;
			env[names.baseUrl] = fake.url;
			env[names.key] = s.key;
		}
	} catch (e) {
		await Promise.all(Object.values(fakes).map((f) => (f.url ? f.stop() : undefined)));
		throw e;
	}
	return { fakes, env, stop: async () => void (await Promise.all(Object.values(fakes).map((f) => f.stop()))) };
}

/** The printout: each fake with its key, the exports, how to inject a fault and read the log. */
export async function sandboxUsage(s: Sandbox): Promise<string> {
	const lines = [`Vendor fakes are running (Ctrl-C stops them).`, ''];
	for (const id of VENDOR_IDS) {
		const f = s.fakes[id];
		lines.push(`  ${VENDOR_REGISTRY[id].name.padEnd(10)} ${f.url}   ${VENDOR_REGISTRY[id].keyNoun}: ${f.key} (${(await sandboxFake(id)).note})`);
	}
	const first = VENDOR_IDS[0];
	const example = (await sandboxFake(first)).faultExample ?? '{"route":"status","kind":"status","status":503}';
	lines.push(
		'',
		'Use them from another shell:',
		...VENDOR_IDS.map((id) => `  export ${VENDOR_REGISTRY[id].env.baseUrl}=${s.fakes[id].url} ${VENDOR_REGISTRY[id].env.key}=${s.fakes[id].key}`),
		`  npm run upscale -- test/fixtures/sample.jpg --provider ${first} --scale 2`,
		'',
		'Inject a fault into the next matching request (kinds: status, slow, drop, drop-after, malformed, fail-task):',
		`  curl -X POST ${s.fakes[first].url}/__control/faults -d '${example}'`,
		`See what a fake received:  curl ${s.fakes[first].url}/__control/requests`,
		'',
	);
	return lines.join('\n');
}

async function main() {
	const ports: Partial<Record<VendorId, number>> = {};
	for (const id of VENDOR_IDS) {
		const set = process.env[`SANDBOX_${id.toUpperCase()}_PORT`];
		if (set !== undefined) ports[id] = Number(set);
	}
	const s = await startSandbox(ports);
	process.stdout.write(await sandboxUsage(s));
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
