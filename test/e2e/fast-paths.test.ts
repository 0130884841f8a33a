/**
 * The start-up and git-call budget of `lanes new` and `lanes ls` (issue 2's benchmarks), checked by
 * logging every git command through a wrapper on PATH, together with the behaviour the faster paths
 * must keep: base resolution order, refusals, copied files, the env file never showing as a change.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type CliResult, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

interface GitCall {
  cwd: string;
  sub: string;
  /** Arguments without the -c settings before the subcommand. */
  args: string[];
  raw: string[];
}

/** Runs lanes with every git command logged (cwd and arguments), then returns the calls. */
function lanesLogged(r: TempRepo, args: string[]): CliResult & { calls: GitCall[] } {
  const bin = join(r.parent, 'bin');
  const log = join(r.parent, 'git-calls.log');
  mkdirSync(bin, { recursive: true });
  writeFileSync(log, '');
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh\nprintf '%s' "$PWD" >> '${log}'\nfor a in "$@"; do printf '\\t%s' "$a" >> '${log}'; done\nprintf '\\n' >> '${log}'\nPATH='${r.env.PATH}' exec git "$@"\n`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  const res = lanes(r, args, { env: { PATH: `${bin}:${r.env.PATH}` } });
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [cwd, ...rest] = line.split('\t');
      const args = rest.filter((a, i) => !(a === '-c' || rest[i - 1] === '-c'));
      return { cwd: cwd!, sub: args[0] ?? '', args, raw: rest };
    });
  return { ...res, calls };
}

function subs(calls: GitCall[]): string[] {
  return calls.map((c) => c.sub);
}

function count(calls: GitCall[], sub: string): number {
  return calls.filter((c) => c.sub === sub).length;
}

describe('lanes new: git calls', () => {
  it('reads the refs it needs with one for-each-ref and lists .env files without walking the tree', () => {
    repo = makeRepo({ files: { '.env.example': 'EXAMPLE=1\n', 'sub/keep.txt': 'x' } });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    writeFileSync(join(repo.root, '.env'), 'SECRET=1\n');
    writeFileSync(join(repo.root, 'sub', '.env'), 'NESTED=1\n');
    const res = lanesLogged(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('base main (');
    expect(count(res.calls, 'for-each-ref')).toBe(1);
    for (const sub of ['show-ref', 'symbolic-ref', 'ls-files']) expect(subs(res.calls)).not.toContain(sub);
    // rev-parse only finds the repository; the default base comes from for-each-ref.
    expect(res.calls.filter((c) => c.sub === 'rev-parse').map((c) => c.args.includes('--verify'))).toEqual([false]);
    // Both ignore checks ask the main worktree (so they can run during worktree add), none the lane.
    const checks = res.calls.filter((c) => c.sub === 'check-ignore');
    expect(checks.map((c) => c.cwd)).toEqual([repo.root, repo.root]);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    expect(readFileSync(join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(() => readFileSync(join(wt, 'sub', '.env'))).toThrow();
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
  });

  it('still verifies an explicit --base with rev-parse', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.git('branch', 'develop');
    const res = lanesLogged(repo, ['new', '1', '--base', 'develop', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(
      res.calls.some(
        (c) => c.sub === 'rev-parse' && c.args.includes('--verify') && c.args.includes('develop^{commit}'),
      ),
    ).toBe(true);
  });

  it('finds copy candidates with ls-files when a glob has a folder part', () => {
    repo = makeRepo({ gitignore: '.env*\nconfig/local.json\n' });
    addIssue(repo, 1, 'x');
    repo.write('config/local.json', '{}');
    repo.write('lanes.config.json', JSON.stringify({ copy: { include: ['.env*', 'config/*.json'] } }));
    const res = lanesLogged(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(count(res.calls, 'ls-files')).toBe(1);
    expect(readFileSync(join(repo.parent, 'app-worktrees', 'issue-1', 'config', 'local.json'), 'utf8')).toBe('{}');
  });
});

describe('issue front matter through the built CLI', () => {
  it('reads simple front matter itself and anything else with the bundled yaml package', () => {
    repo = makeRepo();
    repo.write('issues/1.md', '---\ntitle: Simple one\nlabels: [a, b]\n---\n');
    repo.write('issues/2.md', '---\ntitle: >\n  Folded\n  title\nlabels:\n  - {x: 1}\n---\n');
    const res = lanes(repo, ['issues', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(
      json<{ id: string; title: string; labels: string[] }[]>(res).map(({ id, title, labels }) => ({
        id,
        title,
        labels,
      })),
    ).toEqual([
      { id: '1', title: 'Simple one', labels: ['a', 'b'] },
      { id: '2', title: 'Folded title\n', labels: ['[object Object]'] },
    ]);
    const add = lanes(repo, ['issue', 'add', 'Fix: the "crash"', '--label', 'bug']);
    expect(add.code, add.stderr).toBe(0);
    expect(lanes(repo, ['issues', '--json', '--label', 'bug']).stdout).toContain('Fix: the \\"crash\\"');
  });
});

describe('lanes new: base resolution order is kept', () => {
  function baseLine(res: CliResult): string {
    expect(res.code, res.stderr).toBe(0);
    return /base (\S+) \(/.exec(res.stderr)![1]!;
  }

  it('takes the remote default branch before main', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.git('update-ref', 'refs/remotes/origin/trunk', 'HEAD');
    repo.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
    expect(baseLine(lanes(repo, ['new', '1', '--no-agent']))).toBe('origin/trunk');
  });

  it('takes master when there is no remote default and no main', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.git('branch', '-m', 'main', 'master');
    expect(baseLine(lanes(repo, ['new', '1', '--no-agent']))).toBe('master');
  });

  it('prefers config base over the remote default, and --base over config', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    addIssue(repo, 2, 'y');
    repo.git('branch', 'develop');
    repo.git('branch', 'release');
    repo.git('update-ref', 'refs/remotes/origin/trunk', 'HEAD');
    repo.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
    repo.write('lanes.config.json', JSON.stringify({ base: 'develop' }));
    expect(baseLine(lanes(repo, ['new', '1', '--no-agent']))).toBe('develop');
    expect(baseLine(lanes(repo, ['new', '2', '--base', 'release', '--no-agent']))).toBe('release');
  });

  it('refuses a remote default branch that no longer exists, as before', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/gone');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('base ref "origin/gone" does not exist');
  });

  it('refuses with exit 2 when there is no base at all', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    repo.git('branch', '-m', 'main', 'trunk');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no base branch');
  });

  it('refuses an existing branch, but not a branch that merely starts with the same folder', () => {
    repo = makeRepo();
    addIssue(repo, 1, 'x');
    addIssue(repo, 2, 'y');
    repo.write('lanes.config.json', JSON.stringify({ templates: { branch: 'lane/{lane}' } }));
    repo.git('branch', 'lane/issue-1');
    repo.git('branch', 'lane/issue-2-old');
    const taken = lanes(repo, ['new', '1', '--no-agent']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('branch "lane/issue-1" already exists');
    expect(lanes(repo, ['new', '2', '--no-agent']).code).toBe(0);
  });
});

describe('lanes new: the env file check made during worktree add', () => {
  it('asks the lane itself when its .gitignore differs from the main worktree', () => {
    repo = makeRepo({ gitignore: 'node_modules/\n' });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    // Ignored in the main worktree only by an uncommitted line: the lane, made from the commit, does not ignore it.
    writeFileSync(join(repo.root, '.gitignore'), 'node_modules/\n.env.local\n');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('added it to .git/info/exclude');
    expect(repo.git('-C', join(repo.parent, 'app-worktrees', 'issue-1'), 'status', '--porcelain')).toBe('');
  });

  it('trusts the main worktree when the .gitignore files are the same', () => {
    repo = makeRepo({ gitignore: 'node_modules/\n' });
    addIssue(repo, 1, 'x');
    repo.commitAll('issue');
    const res = lanesLogged(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('added it to .git/info/exclude');
    expect(res.calls.filter((c) => c.sub === 'check-ignore').map((c) => c.cwd)).toEqual([repo.root]);
    expect(repo.git('-C', join(repo.parent, 'app-worktrees', 'issue-1'), 'status', '--porcelain')).toBe('');
  });
});

describe('lanes ls: git calls and dirty count', () => {
  interface LsJson {
    name: string;
    ahead: number;
    behind: number;
    dirty: number;
  }

  it('skips rev-list for a lane at its base tip and counts an untracked folder once', () => {
    repo = makeRepo();
    for (const id of [1, 2, 3]) addIssue(repo, id, `Issue ${id}`);
    repo.commitAll('issues');
    expect(lanes(repo, ['new', '1', '2', '3', '--no-agent']).code).toBe(0);
    const wt = (n: number) => join(repo.parent, 'app-worktrees', `issue-${n}`);
    // issue-2: one commit ahead; issue-3: main moves on (one behind) and three untracked files in one folder.
    repo.git('-C', wt(2), 'commit', '-q', '--allow-empty', '-m', 'work');
    repo.git('commit', '-q', '--allow-empty', '-m', 'main moves');
    for (const f of ['a', 'b', 'c']) repo.write(`../app-worktrees/issue-3/new/${f}.txt`, f);
    writeFileSync(join(wt(3), 'README.md'), 'changed\n');
    const res = lanesLogged(repo, ['ls', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const list = json<LsJson[]>(res).map(({ name, ahead, behind, dirty }) => ({ name, ahead, behind, dirty }));
    expect(list).toEqual([
      { name: 'issue-1', ahead: 0, behind: 1, dirty: 0 },
      { name: 'issue-2', ahead: 1, behind: 1, dirty: 0 },
      { name: 'issue-3', ahead: 0, behind: 1, dirty: 2 },
    ]);
    expect(count(res.calls, 'for-each-ref')).toBe(1);
    expect(count(res.calls, 'status')).toBe(3);
    // One status per CPU at a time, each without git's own lstat threads.
    for (const c of res.calls.filter((c) => c.sub === 'status')) expect(c.raw).toContain('core.preloadIndex=false');
    expect(count(res.calls, 'rev-list')).toBe(3);

    // Once main's tip is back where the lanes started, no rev-list is needed for lanes 1 and 3.
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    const again = lanesLogged(repo, ['ls', '--json']);
    expect(json<LsJson[]>(again).map((l) => [l.ahead, l.behind])).toEqual([
      [0, 0],
      [1, 0],
      [0, 0],
    ]);
    expect(again.calls.filter((c) => c.sub === 'rev-list').map((c) => c.cwd)).toEqual([wt(2)]);
  });

  it('runs no more git status processes at once than there are CPUs (at least 2)', () => {
    repo = makeRepo();
    const ids = ['1', '2', '3', '4', '5', '6'];
    for (const id of ids) addIssue(repo, id, `Issue ${id}`);
    expect(lanes(repo, ['new', ...ids, '--no-agent']).code).toBe(0);
    // A git that records how many status calls are running whenever one starts, each held open a while.
    const bin = join(repo.parent, 'bin-slow');
    const running = join(repo.parent, 'running');
    const log = join(repo.parent, 'concurrency.log');
    mkdirSync(running);
    mkdirSync(bin);
    writeFileSync(log, '');
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\ncase " $* " in *" status "*) touch '${running}'/$$; ls '${running}' | wc -l >> '${log}'; sleep 0.3;; esac\nPATH='${repo.env.PATH}' git "$@"\ncode=$?\nrm -f '${running}'/$$\nexit $code\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const res = lanes(repo, ['ls', '--json'], { env: { PATH: `${bin}:${repo.env.PATH}` } });
    expect(res.code, res.stderr).toBe(0);
    const seen = readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(seen).toHaveLength(ids.length);
    expect(Math.max(...seen)).toBeLessThanOrEqual(Math.max(2, availableParallelism()));
  });
});
