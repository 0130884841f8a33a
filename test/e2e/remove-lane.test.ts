import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function setup(): string {
  repo = makeRepo();
  addIssue(repo, 1, 'Fix the bug');
  repo.commitAll('issue');
  writeFileSync(join(repo.root, '.env'), 'SECRET=1\n');
  const res = lanes(repo, ['new', '1', '--no-agent']);
  expect(res.code, res.stderr).toBe(0);
  return join(repo.parent, 'app-worktrees', 'issue-1');
}

function commitIn(wt: string, file: string, content: string): void {
  writeFileSync(join(wt, file), content);
  repo.git('-C', wt, 'add', file);
  repo.git('-C', wt, 'commit', '-q', '-m', `add ${file}`);
}

function gone(wt: string): void {
  expect(existsSync(wt)).toBe(false);
  expect(repo.git('branch', '--list', 'issue-1')).toBe('');
  expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
}

describe('lanes rm', () => {
  it('removes a clean lane: worktree, branch, leases', () => {
    const wt = setup();
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    gone(wt);
    // The port lease is released: a new lane may take the same port.
    addIssue(repo, 2, 'y');
    expect(lanes(repo, ['doctor', '--json']).code).toBe(0);
  });

  it('refuses with exit 3 when the worktree has uncommitted changes', () => {
    const wt = setup();
    writeFileSync(join(wt, 'README.md'), 'changed\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('uncommitted change(s): README.md');
    expect(existsSync(wt)).toBe(true);
  });

  it('refuses with exit 3 when an untracked file would be lost', () => {
    const wt = setup();
    writeFileSync(join(wt, 'notes.txt'), 'mine\n');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(3);
    expect(existsSync(join(wt, 'notes.txt'))).toBe(true);
  });

  it('refuses with exit 3 when a copied gitignored file was edited', () => {
    const wt = setup();
    writeFileSync(join(wt, '.env'), 'SECRET=changed\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('edited copied file(s): .env');
  });

  it('does not count lanes rewriting its own env block as an edit', () => {
    const wt = setup();
    writeFileSync(
      join(wt, '.env.local'),
      readFileSync(join(wt, '.env.local'), 'utf8').replace(/PORT="\d+"/, 'PORT="1"'),
    );
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(0);
  });

  it('refuses with exit 3 when the branch has commits neither merged nor pushed', () => {
    const wt = setup();
    commitIn(wt, 'feature.txt', 'work\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('1 commit(s) neither merged into main nor pushed (on branch issue-1)');
    expect(repo.git('branch', '--list', 'issue-1')).toContain('issue-1');
  });

  it('removes a lane whose branch was merged into the base', () => {
    const wt = setup();
    commitIn(wt, 'feature.txt', 'work\n');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge', 'issue-1');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(0);
    gone(wt);
  });

  it('detects a squash merge and removes the lane', () => {
    const wt = setup();
    commitIn(wt, 'a.txt', 'a\n');
    commitIn(wt, 'b.txt', 'b\n');
    repo.git('merge', '-q', '--squash', 'issue-1');
    repo.git('commit', '-q', '-m', 'squashed');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    gone(wt);
  });

  it('removes a lane whose branch is pushed to a remote', () => {
    const wt = setup();
    const remote = join(repo.parent, 'remote.git');
    repo.git('init', '-q', '--bare', remote);
    repo.git('remote', 'add', 'origin', remote);
    commitIn(wt, 'feature.txt', 'work\n');
    repo.git('push', '-q', 'origin', 'issue-1');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(0);
    expect(repo.git('ls-remote', remote, 'issue-1')).toContain('refs/heads/issue-1');
  });

  it('--keep-branch removes only the worktree, even with unpushed commits', () => {
    const wt = setup();
    commitIn(wt, 'feature.txt', 'work\n');
    const res = lanes(repo, ['rm', 'issue-1', '--keep-branch']);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(wt)).toBe(false);
    expect(repo.git('log', '-1', '--format=%s', 'issue-1')).toBe('add feature.txt');
    // Keeping the branch on purpose is not a problem doctor reports.
    expect(json<{ problems: unknown[] }>(lanes(repo, ['doctor', '--json'])).problems).toEqual([]);
  });

  it('--force saves a bundle, a patch and untracked and edited files, then removes', () => {
    const wt = setup();
    commitIn(wt, 'feature.txt', 'committed work\n');
    writeFileSync(join(wt, 'README.md'), 'uncommitted edit\n');
    writeFileSync(join(wt, 'new.txt'), 'untracked\n');
    writeFileSync(join(wt, '.env'), 'SECRET=edited\n');
    const res = lanes(repo, ['rm', 'issue-1', '--force', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const [result] = json<{ backup: string }[]>(res);
    const backup = result!.backup;
    expect(res.stderr).toContain(backup);
    gone(wt);
    expect(readdirSync(backup).sort()).toEqual(['README.txt', 'lane.bundle', 'uncommitted.patch']);
    expect(readFileSync(join(backup, 'uncommitted.patch'), 'utf8')).toContain('+uncommitted edit');
    // The bundle restores the commit and a snapshot of the worktree: untracked and edited copied files included.
    repo.git('fetch', '-q', join(backup, 'lane.bundle'), 'refs/lanes-backup/*:refs/restored/*');
    const refs = repo.git('for-each-ref', '--format=%(refname)', 'refs/restored/');
    const ref = (suffix: string) => refs.split('\n').find((r) => r.endsWith(`/${suffix}`))!;
    expect(repo.git('show', `${ref('branch')}:feature.txt`)).toBe('committed work');
    expect(repo.git('show', `${ref('worktree')}:new.txt`)).toBe('untracked');
    expect(repo.git('show', `${ref('worktree')}:.env`)).toBe('SECRET=edited');
    expect(repo.git('show', `${ref('worktree')}:README.md`)).toBe('uncommitted edit');
  });

  it('removes a lane whose directory was deleted by hand', () => {
    const wt = setup();
    rmSync(wt, { recursive: true, force: true });
    const ls = json<{ missing: boolean }[]>(lanes(repo, ['ls', '--json']));
    expect(ls[0]!.missing).toBe(true);
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    gone(wt);
    expect(repo.git('worktree', 'list', '--porcelain')).not.toContain('issue-1');
  });

  it('names an unknown lane with exit 2 and goes on with the others', () => {
    const wt = setup();
    const res = lanes(repo, ['rm', 'nope', 'issue-1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown lane "nope"');
    gone(wt);
  });
});
