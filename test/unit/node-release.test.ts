/**
 * The release as n8n's verification needs it, checked here because GitHub Actions cannot run on this machine: the
 * workflow (.github/workflows/ci.yml) runs the suite as .ci/run does, and a tag v* publishes both packages with npm
 * provenance (id-token: write) only after the suite passed; the node's package carries the MIT LICENSE.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Step {
	run?: string;
	uses?: string;
	env?: Record<string, string>;
}
interface Job {
	if?: string;
	needs?: string | string[];
	permissions?: Record<string, string>;
	steps: Step[];
}
const workflow = parse(read('.github/workflows/ci.yml')) as { on: Record<string, { tags?: string[]; branches?: string[] } | null>; permissions: Record<string, string>; jobs: Record<string, Job> };
const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? s.run.split(/\n|&&/).map((c) => c.trim()) : []));

/** The commands of .ci/run that install and test (what the README tells a newcomer). */
const ciRun = read('.ci/run')
	.split('\n')
	.map((l) => l.trim())
	.filter((l) => /^npm (ci|test)\b/.test(l));

describe('the GitHub Actions workflow', () => {
	it('runs on every push and pull request, and on a tag v*', () => {
		expect(workflow.on.push?.branches).toEqual(['**']);
		expect(workflow.on.push?.tags).toEqual(['v*']);
		expect(workflow.on).toHaveProperty('pull_request');
		expect(workflow.permissions).toEqual({ contents: 'read' });
	});

	it("runs the suite with .ci/run's commands, after Debian's chromium and redis-server", () => {
		const test = runs(workflow.jobs.test);
		expect(ciRun).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
		expect(test.filter((c) => /^npm /.test(c))).toEqual(ciRun);
		const apt = test.find((c) => c.includes('apt-get install'))!;
		expect(apt.split(/\s+/)).toEqual(expect.arrayContaining(['chromium', 'redis-server']));
		expect(test.indexOf(apt)).toBeLessThan(test.indexOf('npm test'));
		const docs = [read('README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => read(`docs/${f}`))];
		expect(docs.some((d) => /^npm ci\b/m.test(d) && /^npm test\b/m.test(d))).toBe(true);
	});

	it('publishes both packages with provenance, on a tag only, after the suite passed', () => {
		const publish = workflow.jobs.publish;
		expect(publish.if).toBe("startsWith(github.ref, 'refs/tags/v')");
		expect(publish.needs).toBe('test');
		expect(publish.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
		const commands = runs(publish);
		const publishes = commands.filter((c) => c.startsWith('npm publish'));
		expect(publishes).toEqual(['npm publish --provenance --access public', 'npm publish --provenance --access public']);
		// The first from the root (the node), the second from toolkit/ (with the licence copied in).
		expect(commands.slice(commands.indexOf(publishes[0]) + 1)).toEqual(['cp LICENSE toolkit/LICENSE', 'cd toolkit', 'npm publish --provenance --access public']);
		expect(commands.indexOf('npm run build')).toBeLessThan(commands.indexOf(publishes[0]));
		for (const s of publish.steps.filter((x) => x.run?.includes('npm publish'))) expect(s.env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
	});

	it("refuses a tag that is not both packages' version (the step run as the workflow runs it)", () => {
		const check = workflow.jobs.publish.steps.find((s) => s.run?.includes('GITHUB_REF_NAME'))!.run!;
		const version = JSON.parse(read('package.json')).version as string;
		expect(JSON.parse(read('toolkit/package.json')).version).toBe(version);
		const step = (tag: string) => spawnSync('bash', ['-e', '-c', check], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, GITHUB_REF_NAME: tag } });
		expect(step(`v${version}`).status).toBe(0);
		const wrong = step('v99.0.0');
		expect(wrong.status).toBe(1);
		expect(wrong.stdout).toBe(`./package.json says v${version}, the tag is v99.0.0\n`);
	});
});

describe('the licence', () => {
	it('is MIT, as both package.json files say, and the node package packs it', () => {
		expect(read('LICENSE')).toMatch(/^MIT License\n/);
		expect(JSON.parse(read('package.json')).license).toBe('MIT');
		expect(JSON.parse(read('toolkit/package.json')).license).toBe('MIT');
		const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
		expect(pack.files.map((f) => f.path)).toContain('LICENSE');
	});
});
