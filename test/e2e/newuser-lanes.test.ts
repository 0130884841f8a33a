/**
 * Everyday conveniences of issue 9: commands that take a lane find it from the working directory,
 * `lanes cd` alone goes to the main worktree, `lanes stop --all`, and `lanes diff` showing
 * untracked files without touching the lane's index.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, until } from '../helpers/agents.js';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function twoLanes(config?: Record<string, unknown>): { wt1: string; wt2: string } {
  repo = makeRepo(config ? { files: { 'lanes.config.json': JSON.stringify(config) } } : {});
  addIssue(repo, 1, 'first');
  addIssue(repo, 2, 'second');
  repo.commitAll('issues');
  const made = lanes(repo, ['new', '1', '2', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  return { wt1: join(repo.parent, 'app-worktrees', 'issue-1'), wt2: join(repo.parent, 'app-worktrees', 'issue-2') };
}

describe('the lane of the working directory', () => {
  it('lanes port, env and diff without a lane use the lane whose worktree holds the cwd, also from a subfolder', () => {
    const { wt1, wt2 } = twoLanes();
    mkdirSync(join(wt2, 'src', 'deep'), { recursive: true });
    const ports = json<{ name: string; ports: { web: number } }[]>(lanes(repo, ['ls', '--json']));
    const port1 = lanes(repo, ['port'], { cwd: wt1 });
    expect(port1.code, port1.stderr).toBe(0);
    expect(port1.stdout).toBe(`${ports.find((l) => l.name === 'issue-1')!.ports.web}\n`);
    const port2 = lanes(repo, ['port'], { cwd: join(wt2, 'src', 'deep') });
    expect(port2.stdout).toBe(`${ports.find((l) => l.name === 'issue-2')!.ports.web}\n`);
    expect(lanes(repo, ['env'], { cwd: wt2 }).stdout).toContain('export LANE=issue-2\n');
    writeFileSync(join(wt1, 'README.md'), '# changed in lane 1\n');
    expect(lanes(repo, ['diff'], { cwd: wt1 }).stdout).toContain('+# changed in lane 1');
    expect(lanes(repo, ['diff'], { cwd: wt2 }).stdout).toBe('');
  });

  it('matches through a symlinked path (real paths are compared)', () => {
    const { wt1 } = twoLanes();
    const link = join(repo.parent, 'link-to-lane');
    symlinkSync(wt1, link);
    // PWD is what a shell reports after `cd` through a link; process.cwd() resolves it anyway.
    const res = lanes(repo, ['env', '--json'], { cwd: link, env: { PWD: link } });
    expect(res.code, res.stderr).toBe(0);
    expect(json<{ LANE: string }>(res).LANE).toBe('issue-1');
  });

  it('outside every lane, names the problem and the existing lanes (exit 2)', () => {
    twoLanes();
    const res = lanes(repo, ['port']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `lanes: no lane given, and ${repo.root} is not inside a lane's worktree; name one: lanes port <lane> (existing lanes: issue-1, issue-2)\n`,
    );
  });

  it('lanes rm without a lane removes the lane the cwd is in, and only that one', () => {
    const { wt1, wt2 } = twoLanes();
    const res = lanes(repo, ['rm'], { cwd: wt1 });
    expect(res.code, res.stderr).toBe(0);
    expect(json<{ name: string }[]>(lanes(repo, ['ls', '--json'])).map((l) => l.name)).toEqual(['issue-2']);
    expect(lanes(repo, ['port'], { cwd: wt2 }).code).toBe(0);
  });

  it('lanes cd without a lane prints the main worktree, from inside a lane too', () => {
    const { wt1 } = twoLanes();
    const res = lanes(repo, ['cd'], { cwd: wt1 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(`${repo.root}\n`);
    expect(lanes(repo, ['cd', '1']).stdout).toBe(`${wt1}\n`);
  });
});

describe('lanes diff', () => {
  it('shows untracked files as new files, with --stat too, and leaves the lane index untouched', () => {
    const { wt1 } = twoLanes();
    writeFileSync(join(wt1, 'new-file.txt'), 'brand new\n');
    mkdirSync(join(wt1, 'pkg'));
    writeFileSync(join(wt1, 'pkg', 'inner.ts'), 'export const x = 1;\n');
    writeFileSync(join(wt1, 'ignored.log'), 'ignored\n');
    writeFileSync(join(wt1, '.gitignore'), `${readFileSync(join(wt1, '.gitignore'), 'utf8')}*.log\n`);
    const status = () => repo.git('-C', wt1, 'status', '--porcelain');
    const before = status();
    const res = lanes(repo, ['diff', '1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('diff --git a/new-file.txt b/new-file.txt\nnew file mode 100644');
    expect(res.stdout).toContain('+brand new');
    expect(res.stdout).toContain('+++ b/pkg/inner.ts');
    // Ignored files (the lane's env file among them) are not work.
    expect(res.stdout).not.toContain('ignored.log');
    expect(res.stdout).not.toContain('b/.env.local');
    const stat = lanes(repo, ['diff', '1', '--stat']);
    expect(stat.stdout).toMatch(/^ new-file\.txt +\| 1 \+$/m);
    expect(stat.stdout).toMatch(/^ pkg\/inner\.ts +\| 1 \+$/m);
    expect(stat.stdout).toMatch(/^ 3 files changed, 3 insertions\(\+\)$/m);
    expect(status()).toBe(before);
    expect(status()).toContain('?? new-file.txt');
    // No scratch index is left next to the real one.
    const gitDir = repo.git('-C', wt1, 'rev-parse', '--absolute-git-dir');
    expect(readdirSync(gitDir).filter((f) => f.includes('lanes-diff'))).toEqual([]);
  });
});

describe('lanes stop --all', () => {
  const SLEEPER = {
    adapter: 'command',
    command: ['sh', '-c', 'echo "agent started in $LANES_LANE"; sleep 120', 'sh', '{promptFile}'],
  };

  it("stops every lane's running agent and reports each", async () => {
    twoLanes({ agent: 'sleeper', agents: { sleeper: SLEEPER } });
    for (const lane of ['issue-1', 'issue-2']) expect(lanes(repo, ['start', lane]).code).toBe(0);
    const running = () => json<{ name: string; agent: { status: string } | null }[]>(lanes(repo, ['ls', '--json']));
    await until('both agents running', () => running().every((l) => l.agent?.status === 'running'));
    const res = lanes(repo, ['stop', '--all', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const runs = json<{ lane: string; status: string; agentPid: number | null }[]>(res);
    expect(runs.map((r) => [r.lane, r.status]).sort()).toEqual([
      ['issue-1', 'stopped'],
      ['issue-2', 'stopped'],
    ]);
    for (const r of runs) expect(isAlive(r.agentPid)).toBe(false);
    expect(running().map((l) => l.agent?.status)).toEqual(['stopped', 'stopped']);
    const again = lanes(repo, ['stop', '--all']);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('lanes: no agent is running\n');
    const both = lanes(repo, ['stop', 'issue-1', '--all']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('lanes: lanes stop takes a lane or --all, not both (got "issue-1" and --all)\n');
  });
});
