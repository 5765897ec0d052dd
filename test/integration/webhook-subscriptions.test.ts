/**
 * Webhook subscriptions under one contract, embedded SQLite and Redis (a real redis-server): created atomically with
 * the per-key cap and the one-per-URL rule (also when many are created at once, as a fleet's instances would),
 * listed per key, removed only by their key. And the sender at delivery time: a subscription whose URL leads to a
 * private address now (its name resolved to a public one when it was made) is refused by the connection guard,
 * given up with the reason, and the receiver hears nothing.
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clients } from '../../service/auth';
import { KeyFile } from '../../service/keys/store';
import { Metrics } from '../../service/metrics';
import type { JobView } from '../../service/schemas';
import { RedisSubscriptionStore } from '../../service/store/redis-webhook-subscriptions';
import { newSubscription, SubscriptionTable, type SubscriptionStore } from '../../service/store/webhook-subscriptions';
import { WebhookTable } from '../../service/store/webhooks';
import { WebhookSender } from '../../service/webhooks';
import { Db } from '../../runtime/jobs/db';
import type { JobRow } from '../../runtime/jobs/job';
import { MIGRATIONS } from '../../runtime/jobs/schema';
import { createLogger } from '../../runtime/log';
import { redisForSuite } from '../helpers/redis';

const redis = redisForSuite();
const tempDb = () => new Db(join(mkdtempSync(join(tmpdir(), 'subs-')), 'jobs.db'), MIGRATIONS, { exclusive: true });

const stores: Array<[string, () => Promise<SubscriptionStore>]> = [
	['SQLite (embedded)', async () => new SubscriptionTable(tempDb())],
	[
		'Redis (fleet)',
		async () => {
			const connection = redis.connect();
			await connection.flushall();
			return new RedisSubscriptionStore(connection);
		},
	],
];

const sub = (client: string, url: string) => newSubscription(client, url, ['job.succeeded', 'job.failed']);

describe.each(stores)('%s', (_name, open) => {
	let store: SubscriptionStore;
	beforeEach(async () => {
		store = await open();
	});

	test('created, read back with its secret, listed per key oldest first, removed only by its key', async () => {
		const a = sub('alice', 'https://a.example/1');
		expect(await store.create(a, 20)).toEqual({ created: a });
		const b = newSubscription('alice', 'https://a.example/2', ['job.failed'], a.created_at + 1);
		await store.create(b, 20);
		await store.create(sub('bob', 'https://a.example/1'), 20);
		expect(await store.get(a.id)).toEqual(a);
		expect((await store.list('alice')).map((s) => [s.id, s.events])).toEqual([
			[a.id, ['job.succeeded', 'job.failed']],
			[b.id, ['job.failed']],
		]);
		expect(await store.remove(a.id, 'bob')).toBe(false);
		expect(await store.get(a.id)).toEqual(a);
		expect(await store.remove(a.id, 'alice')).toBe(true);
		expect(await store.remove(a.id, 'alice')).toBe(false);
		expect(await store.get(a.id)).toBeUndefined();
		// Its URL is free again for the key.
		expect(await store.create(sub('alice', 'https://a.example/1'), 20)).toHaveProperty('created');
	});

	test('one per URL and key; the cap counts only the key', async () => {
		const a = sub('alice', 'https://a.example/x');
		await store.create(a, 2);
		expect(await store.create(sub('alice', 'https://a.example/x'), 2)).toEqual({ exists: a.id });
		await store.create(sub('alice', 'https://a.example/y'), 2);
		expect(await store.create(sub('alice', 'https://a.example/z'), 2)).toEqual({ full: true });
		expect(await store.create(sub('bob', 'https://a.example/z'), 2)).toHaveProperty('created');
	});

	test('30 created at once against a cap of 20, five of them with the same URL: exactly 20 made, no URL twice', async () => {
		const urls = Array.from({ length: 30 }, (_, i) => `https://a.example/${i < 5 ? 'same' : i}`);
		const outcomes = await Promise.all(urls.map((u) => store.create(sub('alice', u), 20)));
		const created = outcomes.filter((o) => 'created' in o);
		expect(created).toHaveLength(20);
		expect(outcomes.filter((o) => 'exists' in o).length + outcomes.filter((o) => 'full' in o).length).toBe(10);
		expect(await store.list('alice')).toHaveLength(20);
		expect(new Set((await store.list('alice')).map((s) => s.url)).size).toBe(20);
	});
});

/** A sender on an embedded store, a receiver on 127.0.0.1 answering `statuses` in turn (then 200), and its log lines. */
async function harness(o: { allowPrivate: boolean; retryMs: number[]; statuses?: number[] }) {
	const heard: string[] = [];
	const statuses = [...(o.statuses ?? [])];
	const server = http.createServer((req, res) => {
		heard.push(req.url ?? '');
		res.writeHead(statuses.shift() ?? 200).end();
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
	const db = tempDb();
	const subscriptions = new SubscriptionTable(db);
	const clients = new Clients(new KeyFile(mkdtempSync(join(tmpdir(), 'keys-'))), ['a-client-key-0123456789abcdef'], undefined);
	const client = clients.byKey('a-client-key-0123456789abcdef')!;
	const lines: string[] = [];
	const log = createLogger('debug', [], (l) => void lines.push(l));
	const metrics = new Metrics({ jobsByStatus: async () => ({ queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 }), queueDepth: async () => 0 });
	const sender = new WebhookSender({ table: new WebhookTable(db), subscriptions, clients, retryMs: o.retryMs, timeoutMs: 5000, allowPrivate: o.allowPrivate, log, metrics });
	const s = newSubscription(client.id, url, ['job.succeeded']);
	await subscriptions.create(s, 20);
	const row = { id: 'job_x1', client_id: client.id, status: 'succeeded', webhook_url: null } as unknown as JobRow;
	return {
		heard,
		lines,
		subscription: s,
		subscriptions,
		finish: () => sender.jobFinished(row, { id: 'job_x1', status: 'succeeded' } as unknown as JobView),
		async logged(msg: string): Promise<Record<string, unknown>> {
			const until = Date.now() + 10_000;
			while (!lines.some((l) => l.includes(`"msg":"${msg}"`)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
			return JSON.parse(lines.find((l) => l.includes(`"msg":"${msg}"`)) ?? '{}') as Record<string, unknown>;
		},
		async close() {
			await sender.stop();
			await new Promise((r) => server.close(r));
			db.close();
		},
	};
}

test('delivery: a subscription whose URL leads to a private address is refused when connecting, and given up', async () => {
	const h = await harness({ allowPrivate: false, retryMs: [] });
	try {
		await h.finish();
		expect(await h.logged('webhook given up')).toMatchObject({ job: 'job_x1', subscription: h.subscription.id, attempt: 1, status: null, error: expect.stringMatching(/127\.0\.0\.1 is a private address/) });
		expect(h.heard).toEqual([]);
		expect(h.lines.join('\n')).not.toContain(h.subscription.secret);
	} finally {
		await h.close();
	}
});

test('delivery: a subscription deleted while its message waits for a retry is given up at the next attempt, unsent', async () => {
	const h = await harness({ allowPrivate: true, retryMs: [300, 300], statuses: [500] });
	try {
		await h.finish();
		expect(await h.logged('webhook attempt failed, will retry')).toMatchObject({ subscription: h.subscription.id, status: 500 });
		expect(await h.subscriptions.remove(h.subscription.id, h.subscription.client_id)).toBe(true);
		expect(await h.logged('webhook given up')).toMatchObject({ subscription: h.subscription.id, attempt: 2, status: null, error: 'the subscription was deleted' });
		expect(h.heard).toHaveLength(1);
	} finally {
		await h.close();
	}
});
