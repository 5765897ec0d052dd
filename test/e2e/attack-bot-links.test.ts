/**
 * Security review: the bot's public link server (bot/public-links-server.ts, BOT_PUBLIC_URL) attacked over raw TCP:
 * path spellings, signatures and expiries changed, methods, headers, slow and stalled clients. The server and its
 * store are started directly (no Discord needed): a kept 30 MB result, as the links the bot gives out are for results
 * too large for Discord. Each failing test names the safe behaviour it expects.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPublicLinksServer } from '../../bot/public-links-server';
import { PublicLinks } from '../../bot/public-links';
import { createLogger } from '../../runtime/log';
import { linkSignature } from '../../runtime/signed-links';

const JOB = '123456789012345678';
const SIZE = 30 * 1024 * 1024;
let links: PublicLinks;
let server: Awaited<ReturnType<typeof startPublicLinksServer>>;
let dataDir: string;
let path: string;
let exp: string;
let sig: string;

beforeAll(async () => {
	dataDir = mkdtempSync(join(tmpdir(), 'attack-links-'));
	links = new PublicLinks({ dataDir, baseUrl: 'http://bot.example', ttlMs: 3_600_000 });
	const src = join(dataDir, 'result.png');
	writeFileSync(src, randomBytes(SIZE));
	const made = await links.make(JOB, src, { name: 'r.png', contentType: 'image/png' });
	const u = new URL(made.url);
	path = u.pathname + u.search;
	exp = u.searchParams.get('exp')!;
	sig = u.searchParams.get('sig')!;
	server = await startPublicLinksServer(links, { host: '127.0.0.1', port: 0 }, createLogger('error', [], () => undefined));
});
afterAll(async () => {
	await server.close();
});

/** One raw request; the status line (or '' when the server cut the connection without one). */
function raw(request: string, waitMs = 2000): Promise<string> {
	return new Promise((resolve) => {
		const s = connect(server.port, '127.0.0.1');
		let out = '';
		s.on('data', (d: Buffer) => {
			out += d.toString('latin1');
			if (out.includes('\r\n')) s.destroy();
		});
		s.on('close', () => resolve(out.split('\r\n')[0]));
		s.on('error', () => undefined);
		s.write(request);
		setTimeout(() => s.destroy(), waitMs);
	});
}
const get = (target: string, headers = '') => raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
const status = (line: string) => Number(line.split(' ')[1] ?? 0);

/** Open file descriptors of this process on the kept result. */
const openOnResult = () => readdirSync('/proc/self/fd').filter((fd) => {
	try {
		return readlinkSync(`/proc/self/fd/${fd}`) === join(links.dir, JOB);
	} catch {
		return false;
	}
}).length;

describe('the link server under attack', () => {
	it('held: every path spelling that could climb out, other jobs, changed signatures and expiries are refused; the valid link is served', async () => {
		expect(status(await get(path))).toBe(200);
		const secret = Buffer.from(readFileSync(join(dataDir, 'link-secret'), 'utf8').trim(), 'base64url');
		const signed = (id: string) => `exp=${exp}&sig=${linkSignature(secret, 'bot-result:v1', id, Number(exp))}`;
		const q = `exp=${exp}&sig=${sig}`;
		const refused: string[] = [
			`/r/..%2flink-secret?${signed('../link-secret')}`,
			`/r/%2e%2e%2flink-secret?${signed('../link-secret')}`,
			`/r/%252e%252e%252flink-secret?${signed('%2e%2e%2flink-secret')}`,
			`/r/..\\link-secret?${signed('..\\link-secret')}`,
			`/r/%5c..%5clink-secret?${signed('\\..\\link-secret')}`,
			`/r/\u2025link-secret?${q}`,
			`/r/%E2%80%A5%2Flink-secret?${q}`,
			`/r/%uff0e%uff0e/link-secret?${q}`,
			`/r/${JOB}%00?${q}`,
			`/r/${JOB}%00.json?${signed(`${JOB}\0.json`)}`,
			`/r/${JOB}.json?${signed(`${JOB}.json`)}`,
			`/r/link-secret?${signed('link-secret')}`,
			`/r/${JOB}/?${q}`,
			`/r/${JOB.slice(0, -1)}9?${q}`,
			`/r/%31${JOB.slice(1)}?${q}`,
			`/r/${JOB}?exp=${exp}&sig=${sig.slice(0, -1)}`,
			`/r/${JOB}?exp=${exp}&sig=${sig}A`,
			`/r/${JOB}?exp=${exp}&sig=${sig}=`,
			`/r/${JOB}?exp=${exp}&sig=${sig.toUpperCase()}`,
			`/r/${JOB}?exp=${exp}&sig=${sig.toLowerCase()}`,
			`/r/${JOB}?exp=${exp}&sig=`,
			`/r/${JOB}?exp=${exp}&sig=${sig}&sig=x`,
			`/r/${JOB}?exp=${exp}&exp=${exp}&sig=${sig}`,
			`/r/${JOB}?exp=${Number(exp) + 1}&sig=${sig}`,
			`/r/${JOB}?exp=-${exp}&sig=${sig}`,
			`/r/${JOB}?exp=${exp}.0&sig=${sig}`,
			`/r/${JOB}?exp=%2B${exp}&sig=${sig}`,
			`/r/${JOB}?exp=${exp}e0&sig=${sig}`,
			`/r/${JOB}?exp=99999999999999999999999&sig=${sig}`,
			`/r/${JOB}?exp=1e400&sig=${sig}`,
			`/r/${JOB}?EXP=${exp}&SIG=${sig}`,
			`/r/${JOB}?exp[]=${exp}&sig=${sig}`,
			`//r/${JOB}?${q}`,
			`/R/${JOB}?${q}`,
			'/link-secret',
			'/',
			'*',
		];
		const got = await Promise.all(refused.map(async (t) => [t, status(await get(t))] as const));
		expect(got.filter(([, s]) => s === 200 || s === 0 || s >= 500)).toEqual([]);
		// Other methods, absurd headers.
		for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND']) expect([m, status(await raw(`${m} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))]).toEqual([m, 405]);
		expect(status(await get(path, `X-Big: ${'a'.repeat(20_000)}\r\n`))).toBe(431);
		expect(status(await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`))).toBe(400);
		// Range is ignored (the whole file, 200): no partial-content parsing to get wrong.
		expect(status(await get(path, 'Range: bytes=-1,0-,99999999999999999999-\r\n'))).toBe(200);
	});

	it('held: a link this bot signed, for a job whose file was swept, is 404; an expired one 410', async () => {
		const secret = Buffer.from(readFileSync(join(dataDir, 'link-secret'), 'utf8').trim(), 'base64url');
		const past = Math.floor(Date.now() / 1000) - 10;
		expect(status(await get(`/r/${JOB}?exp=${past}&sig=${linkSignature(secret, 'bot-result:v1', JOB, past)}`))).toBe(410);
		expect(status(await get(`/r/999?exp=${exp}&sig=${linkSignature(secret, 'bot-result:v1', '999', Number(exp))}`))).toBe(404);
	});

	it('held: a client trickling its headers, or sending nothing, is cut off within 45 s (headersTimeout)', async () => {
		const t0 = Date.now();
		// Flowing (a paused socket never sees the server's FIN).
		const closedAt = (s: Socket) => new Promise<number>((r) => s.on('close', () => r(Date.now() - t0)).on('error', () => undefined).resume());
		const trickle = connect(server.port, '127.0.0.1');
		trickle.write('GET / HTTP/1.1\r\nHost: x\r\n');
		const timer = setInterval(() => trickle.writable && trickle.write(`X-${Date.now()}: 1\r\n`), 2000);
		const idle = connect(server.port, '127.0.0.1');
		const [a, b] = await Promise.all([closedAt(trickle), closedAt(idle)]);
		clearInterval(timer);
		expect(Math.max(a, b)).toBeLessThan(45_000);
	}, 60_000);

	it('a client that asks for a result and then stops reading is disconnected once idle (15 s, checked twice by Node), its file closed; 50 of them do not pin 50 descriptors', async () => {
		const stalled: Socket[] = [];
		for (let n = 0; n < 50; n++) {
			const s = connect(server.port, '127.0.0.1');
			s.on('error', () => undefined);
			s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
			s.pause();
			stalled.push(s);
		}
		await new Promise((r) => setTimeout(r, 3000));
		const atStart = openOnResult();
		await new Promise((r) => setTimeout(r, 45_000));
		const open = await new Promise<number>((r) => server.server.getConnections((_e, n) => r(n)));
		const pinned = openOnResult();
		for (const s of stalled) s.destroy();
		expect({ atStart, connectionsAfter45s: open, descriptorsAfter45s: pinned }).toEqual({ atStart, connectionsAfter45s: 0, descriptorsAfter45s: 0 });
	}, 100_000);
});
