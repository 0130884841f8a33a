/**
 * Paths from lanes.config.json stay where they belong: a bad envFile or templates.worktree is
 * bad input (exit 2, one line naming the key) and nothing is made.
 */
import { existsSync, readdirSync, symlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function repoWithConfig(config: Record<string, unknown>): TempRepo {
  const r = makeRepo({ files: { 'lanes.config.json': JSON.stringify(config) } });
  addIssue(r, 1, 'first');
  r.commitAll('issue');
  return r;
}

function expectNothingMade(r: TempRepo): void {
  // home and tmp are the test's own (HOME and TMPDIR); nothing else may appear beside the repository.
  expect(
    readdirSync(r.parent)
      .filter((n) => n !== 'tmp')
      .sort(),
  ).toEqual(['app', 'home']);
  expect(r.git('branch', '--list', 'issue-1')).toBe('');
  expect(readdirSync(join(r.root, '.git')).filter((f) => f === 'worktrees')).toEqual([]);
}

describe('paths from the config', () => {
  it.each([
    ['../x', "must stay inside the lane's worktree (no .. parts)"],
    ['/tmp/lanes-evil-env', "must be a path relative to the lane's worktree, e.g. .env.local"],
    ['.git/hooks/post-checkout', 'must not be inside .git'],
  ])('refuses envFile %j with exit 2 naming the key, before anything is made', (envFile, problem) => {
    repo = repoWithConfig({ envFile });
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`lanes: lanes.config.json: envFile "${envFile}" ${problem}`);
    expectNothingMade(repo);
  });

  it.each([
    ['{repoRoot}/.git/lanes/{lane}', "puts lanes inside the repository's .git directory"],
    ['{repoParent}/app/x/../.git/{lane}', "puts lanes inside the repository's .git directory"],
    [
      '{repoParent}/shared',
      'gives every lane the same folder; include {lane} in the last part, e.g. {repoParent}/{repo}-worktrees/{lane}',
    ],
    [
      '{repoParent}/wt/{lane}/..',
      'gives every lane the same folder; include {lane} in the last part, e.g. {repoParent}/{repo}-worktrees/{lane}',
    ],
    ['worktrees/{lane}', 'must give an absolute path; start it with {repoParent} or {repoRoot}'],
  ])('refuses templates.worktree %j with exit 2 naming the key', (template, problem) => {
    repo = repoWithConfig({ templates: { worktree: template } });
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`lanes: lanes.config.json: templates.worktree "${template}" ${problem}`);
    expectNothingMade(repo);
  });

  it('refuses a dependencies.dirs entry outside the worktree (lanes would clone into it and remove it on rollback)', () => {
    repo = repoWithConfig({ dependencies: { dirs: ['node_modules', '../../victim'] } });
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      'lanes: lanes.config.json: dependencies.dirs[1] "../../victim" must stay inside the lane\'s worktree (no .. parts)',
    );
    expectNothingMade(repo);
  });

  it('refuses a templates.worktree that reaches .git through a symlinked folder', () => {
    repo = repoWithConfig({ templates: { worktree: '{repoParent}/gitlink/{lane}' } });
    symlinkSync(join(repo.root, '.git'), join(repo.parent, 'gitlink'));
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      'templates.worktree "{repoParent}/gitlink/{lane}" puts lanes inside the repository\'s .git directory',
    );
    expect(existsSync(join(repo.root, '.git', 'issue-1'))).toBe(false);
  });

  it("allows lanes in a folder inside the main worktree (the user's choice)", () => {
    repo = makeRepo({
      files: { 'lanes.config.json': JSON.stringify({ templates: { worktree: '{repoRoot}/.lanes/{lane}' } }) },
      gitignore: '.env*\nnode_modules/\n.lanes/\n',
    });
    addIssue(repo, 1, 'first');
    repo.commitAll('issue');
    const res = lanes(repo, ['new', '1', '--no-agent']);
    expect(res.code, res.stderr).toBe(0);
    expect(json<{ path: string }[]>(lanes(repo, ['ls', '--json']))[0]?.path).toBe(join(repo.root, '.lanes', 'issue-1'));
  });

  it('accepts an envFile in a sub-folder, and refuses one whose folder is a committed symlink out of the worktree', () => {
    repo = repoWithConfig({ envFile: 'config/.env.local' });
    mkdirSync(join(repo.root, 'config'));
    repo.write('config/app.json', '{}\n');
    repo.commitAll('config');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1', 'config', '.env.local'))).toBe(true);

    // A repository that commits `config` as a symlink to a folder outside would have lanes write there.
    const outside = join(repo.parent, 'outside');
    mkdirSync(outside);
    repo.git('rm', '-rq', 'config');
    symlinkSync(outside, join(repo.root, 'config'));
    addIssue(repo, 2, 'second');
    repo.commitAll('symlinked config');
    const res = lanes(repo, ['new', '2', '--no-agent']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `lanes.config.json: envFile "config/.env.local" leads out of the lane's worktree through a symlink (to ${outside})`,
    );
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-2'))).toBe(false);
  });
});
