/**
 * One process of the shared-budget benchmark: `jobs` sync Clipdrop upscales at once on one key, with the key's
 * budget in Redis (REDIS_URL in the options) or its own. Prints {start, end, ok} as JSON (epoch ms: the
 * benchmark measures from the first process's first request to the last one's last answer, not the start-up).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { memoryState, UpscaleClient } from '../../core';
import { nodePorts } from '../../runtime';
import { connectRedis } from '../../runtime/redis-connection';
import { redisState } from '../../runtime/redis-state';

interface Options {
	url: string;
	key: string;
	jobs: number;
	rate: { requests: number; windowMs: number };
	redisUrl?: string;
}

async function main() {
	const o = JSON.parse(process.argv[2]) as Options;
	const redis = o.redisUrl ? connectRedis(o.redisUrl) : undefined;
	const client = new UpscaleClient({ provider: 'clipdrop', apiKey: o.key, baseUrl: o.url, rateLimit: o.rate, state: redis ? redisState(redis) : memoryState(), ports: nodePorts() });
	const image = readFileSync(resolve(__dirname, '../../test/fixtures/sample.jpg'));
	const start = Date.now();
	const results = await Promise.allSettled(Array.from({ length: o.jobs }, () => client.upscale({ bytes: image }, { scale: 2, execution: 'sync', timeoutMs: 300_000 })));
	process.stdout.write(`${JSON.stringify({ start, end: Date.now(), ok: results.filter((r) => r.status === 'fulfilled').length })}\n`);
	await redis?.quit();
}

void main();
