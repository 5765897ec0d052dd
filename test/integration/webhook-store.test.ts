/**
 * The webhook stores' claim under one contract, embedded SQLite and Redis (a real redis-server): oldest due first,
 * a lease that keeps a claimed message from the next claim, and the sender's caps — no message for an endpoint or a
 * client at its cap is taken, so a hanging receiver holds back only its own messages.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../../runtime/jobs/db';
import { RedisWebhookStore } from '../../service/store/redis-webhook-store';
import { MIGRATIONS } from '../../runtime/jobs/schema';
import { WebhookTable, type Capacity, type WebhookStore } from '../../service/store/webhooks';
import { redisForSuite } from '../helpers/redis';

const redis = redisForSuite();

const stores: Array<[string, () => Promise<WebhookStore>]> = [
	['SQLite (embedded)', async () => new WebhookTable(new Db(join(mkdtempSync(join(tmpdir(), 'hooks-')), 'jobs.db'), MIGRATIONS, { exclusive: true }))],
	[
		'Redis (fleet)',
		async () => {
			const connection = redis.connect();
			await connection.flushall();
			return new RedisWebhookStore(connection);
		},
	],
];

const none = (perEndpoint = 4, perClient = 32): Capacity => ({ endpoints: {}, clients: {}, perEndpoint, perClient });
let n = 0;
async function add(store: WebhookStore, client: string, endpoint: string, at: number): Promise<string> {
	const id = `msg_${(++n).toString(36).padStart(6, '0')}`;
	await store.insert({ id, job_id: `job_${id}`, client_id: client, url: `${endpoint}/hook`, endpoint, event: 'job.succeeded', payload: '{}', next_at: at, created_at: at });
	return id;
}

describe.each(stores)('%s', (_name, open) => {
	let store: WebhookStore;
	beforeEach(async () => {
		store = await open();
	});

	test('oldest due first; a claimed message is leased, and due again when the lease ends', async () => {
		const a = await add(store, 'c1', 'http://a.example', 1000);
		const b = await add(store, 'c1', 'http://b.example', 900);
		const c = await add(store, 'c1', 'http://c.example', 5000); // not due yet
		expect((await store.claimDue(2000, 10, 30_000, none())).map((w) => w.id)).toEqual([b, a]);
		expect(await store.claimDue(2000, 10, 30_000, none())).toEqual([]);
		expect((await store.claimDue(40_000, 10, 30_000, none())).map((w) => w.id).sort()).toEqual([a, b, c].sort());
	});

	test('an endpoint at its cap is skipped, and so is what would take it past the cap', async () => {
		const hung = Array.from({ length: 10 }, (_, i) => i);
		for (const i of hung) await add(store, 'noisy', 'http://hang.example', 100 + i);
		const healthy = await add(store, 'calm', 'http://ok.example', 500);
		const first = await store.claimDue(1000, 100, 30_000, none(4));
		expect(first.filter((w) => w.endpoint === 'http://hang.example')).toHaveLength(4);
		expect(first.map((w) => w.id)).toContain(healthy);
		// With 4 in flight to it, the next claim takes none of the endpoint's other six.
		const busy = { ...none(4), endpoints: { 'http://hang.example': 4 }, clients: { noisy: 4 } };
		expect(await store.claimDue(1000, 100, 30_000, busy)).toEqual([]);
		// One attempt ended: one more.
		expect(await store.claimDue(1000, 100, 30_000, { ...busy, endpoints: { 'http://hang.example': 3 } })).toHaveLength(1);
	});

	test("a client at its cap is skipped across all of its endpoints; another client's message is not", async () => {
		for (let i = 0; i < 6; i++) await add(store, 'noisy', `http://h${i}.example`, 100 + i);
		const other = await add(store, 'calm', 'http://h0.example', 900);
		const got = await store.claimDue(1000, 100, 30_000, { ...none(4, 3), endpoints: {}, clients: { noisy: 2 } });
		expect(got.filter((w) => w.client_id === 'noisy')).toHaveLength(1);
		expect(got.map((w) => w.id)).toContain(other);
	});

	test('the limit bounds the claim; the rest stay due', async () => {
		for (let i = 0; i < 5; i++) await add(store, `c${i}`, `http://e${i}.example`, 100 + i);
		expect(await store.claimDue(1000, 2, 30_000, none())).toHaveLength(2);
		expect(await store.claimDue(1000, 10, 30_000, none())).toHaveLength(3);
	});
});
