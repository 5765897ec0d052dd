/**
 * Every link in the docs resolves: README.md and docs/*.md link to files that exist and to #anchors that GitHub
 * makes from their headings (or `<a id>` tags), and so do the links into this repository that the code hands out
 * (the n8n node's documentation, the packages' homepages, the job service's problem types). No network: links that
 * leave the repository are left alone.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ApiError, type ServiceCode } from '../../service/problem';

const ROOT = resolve(__dirname, '../..');
const REPO_URL = 'https://github.com/n8n-nodes-upscale/n8n-nodes-upscale';

/** GitHub's heading anchor: lower case, everything but letters, marks, digits, `_`, `-` and spaces removed, each
 *  space a hyphen (no collapsing), repeats numbered -1, -2… (github-slugger's rule). */
export function slug(heading: string, seen: Map<string, number>): string {
	const base = headingText(heading)
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\- ]/gu, '')
		.replace(/ /g, '-');
	const n = seen.get(base) ?? 0;
	seen.set(base, n + 1);
	return n === 0 ? base : `${base}-${n}`;
}

/** A heading's text as rendered: links keep their text, code spans their content, HTML tags go. */
function headingText(md: string): string {
	return md
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/`([^`]*)`/g, '$1')
		.replace(/<[^>]+>/g, '')
		.trim();
}

/** The document without fenced code blocks and inline code (links there are examples, not links). */
function prose(md: string): string[] {
	let fence = false;
	return md.split('\n').map((line) => {
		if (/^\s*(```|~~~)/.test(line)) {
			fence = !fence;
			return '';
		}
		return fence ? '' : line.replace(/`[^`]*`/g, '');
	});
}

/** The anchors a Markdown file offers: its headings' slugs and its `<a id>`/`<a name>` tags. */
export function anchors(md: string): Set<string> {
	const seen = new Map<string, number>();
	const out = new Set<string>();
	let fence = false;
	for (const line of md.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fence = !fence;
		if (fence) continue;
		const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (h) out.add(slug(h[1], seen));
		for (const a of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(a[1]);
	}
	return out;
}

/** Every relative link target of a Markdown file (`[text](target)`, `![alt](target)`, `[label]: target`, `<… href|src="target">`). */
function targets(md: string): string[] {
	const text = prose(md).join('\n');
	const found = [
		...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
		...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm),
		...text.matchAll(/\b(?:href|src)="([^"]+)"/g),
	];
	return found.map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What is wrong with one link from `from` (a file) to `target` (relative to it), or null. */
function check(from: string, target: string, root: string): string | null {
	const [path, anchor] = target.split('#', 2) as [string, string | undefined];
	const file = path === '' ? from : resolve(dirname(from), decodeURI(path));
	const where = `${relative(root, from)} → ${target}`;
	if (!file.startsWith(root)) return `${where}: leaves the repository`;
	if (!existsSync(file)) return `${where}: ${relative(root, file)} does not exist`;
	if (anchor === undefined || !file.endsWith('.md')) return null;
	return anchors(readFileSync(file, 'utf8')).has(anchor) ? null : `${where}: no heading or anchor #${anchor} in ${relative(root, file)}`;
}

/** Every broken link of the given Markdown files. */
export function brokenLinks(files: string[], root: string): string[] {
	return files.flatMap((f) => targets(readFileSync(f, 'utf8')).map((t) => check(f, t, root))).filter((e): e is string => e !== null);
}

const markdown = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

describe('links in the docs', () => {
	it('every relative link and #anchor in README.md and docs/*.md resolves', () => {
		expect(markdown.length).toBeGreaterThan(10);
		expect(brokenLinks(markdown, ROOT)).toEqual([]);
	});

	it('the README links every page under docs/', () => {
		const linked = new Set(targets(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
		const pages = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
		expect(pages.filter((p) => !linked.has(`docs/${p}`))).toEqual([]);
	});

	it("links into this repository handed out by the code and the packages (the node's documentation, homepages, the toolkit's npm page, problem types) resolve", () => {
		const sources = ['nodes/Upscaler/Upscaler.node.json', 'package.json', 'toolkit/package.json', 'toolkit/README.md', 'service/problem.ts'];
		const links = sources.flatMap((s) =>
			[...readFileSync(join(ROOT, s), 'utf8').matchAll(/https:\/\/github\.com\/n8n-nodes-upscale\/n8n-nodes-upscale(?:\/blob\/main\/([^"'`#\s)]*))?(#[^"'`\s)]*)?/g)].map((m) => ({ s, path: m[1] ?? 'README.md', anchor: m[2] })),
		);
		expect(links.map((l) => l.s)).toEqual(expect.arrayContaining(['nodes/Upscaler/Upscaler.node.json', 'toolkit/package.json', 'toolkit/README.md']));
		const broken = links
			// service/problem.ts builds its anchors from the error codes: the next test follows each code.
			.filter((l) => !l.anchor?.includes('${'))
			// #readme is GitHub's own anchor for the README on a repository's page (npm's homepage default).
			.filter((l) => !(l.path === 'README.md' && l.anchor === '#readme'))
			.map((l) => check(join(ROOT, 'README.md'), `${relative(ROOT, join(ROOT, l.path))}${l.anchor ?? ''}`, ROOT))
			.filter((e) => e !== null);
		expect(broken).toEqual([]);
	});

	it("every problem type the job service answers with links to its row of docs/problems.md", () => {
		// Every code the service can answer with has a status in problem.ts's STATUS table.
		const table = /const STATUS[^{]*\{([^}]*)\}/.exec(readFileSync(join(ROOT, 'service/problem.ts'), 'utf8'))![1];
		const codes = [...table.matchAll(/^\s*([A-Z_]+):/gm)].map((m) => m[1] as ServiceCode);
		expect(codes.length).toBeGreaterThan(25);
		const broken = codes
			.map((code) => String(new ApiError(code, 'x').body().type))
			.map((url) => check(join(ROOT, 'README.md'), url.replace(`${REPO_URL}/blob/main/`, ''), ROOT))
			.filter((e) => e !== null);
		expect(broken).toEqual([]);
	});
});

describe('the link checker itself', () => {
	it("makes GitHub's anchors: punctuation and code marks dropped, spaces kept one for one, repeats numbered", () => {
		const md = ['# The job engine (`runtime/jobs/`)', '## Zapier (`zapier/`)', '## Sync or async', '## Sync or async', '### 27 MB → 12288×12288, [linked](x.md)', '## A  B_c'].join('\n');
		expect([...anchors(md)]).toEqual(['the-job-engine-runtimejobs', 'zapier-zapier', 'sync-or-async', 'sync-or-async-1', '27-mb--1228812288-linked', 'a--b_c']);
	});

	it('finds a missing file, a missing anchor and a link out of the repository, and ignores code and web links', () => {
		const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
		writeFileSync(join(dir, 'a.md'), '# A\n\n## Here it is\n');
		const b = join(dir, 'b.md');
		writeFileSync(
			b,
			[
				'[ok](a.md#here-it-is) [self](#b) ![img](a.md) [web](https://example.com/x.md#nope)',
				'[gone](missing.md) [no anchor](a.md#there) [out](../outside.md) [by ref][r] <img src="gone.png">',
				'[r]: a.md#nowhere',
				'`[in code](nowhere.md)`',
				'```',
				'[in a block](nowhere.md)',
				'```',
				'# B',
			].join('\n'),
		);
		expect(brokenLinks([b], dir)).toEqual([
			'b.md → missing.md: missing.md does not exist',
			'b.md → a.md#there: no heading or anchor #there in a.md',
			'b.md → ../outside.md: leaves the repository',
			'b.md → a.md#nowhere: no heading or anchor #nowhere in a.md',
			'b.md → gone.png: gone.png does not exist',
		]);
	});
});
