/**
 * The ways `lanes rm` and `lanes doctor --fix` used to lose work, each tried through the built CLI:
 * the removal must refuse (exit 3) and keep everything, and `--force` must leave a backup that
 * restores it byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function setup(config?: Record<string, unknown>): string {
  repo = makeRepo();
  addIssue(repo, 1, 'Fix the bug');
  if (config) repo.write('lanes.config.json', JSON.stringify(config));
  repo.commitAll('issue');
  const res = lanes(repo, ['new', '1', '--no-agent', '--json']);
  expect(res.code, res.stderr).toBe(0);
  return json<{ lanes: { path: string }[] }>(res).lanes[0]!.path;
}

function git(wt: string, ...args: string[]): string {
  return execFileSync('git', ['-C', wt, ...args], { env: repo.env, encoding: 'utf8' }).trim();
}

function commitIn(wt: string, file: string, content: string | Buffer): string {
  writeFileSync(join(wt, file), content);
  git(wt, 'add', file);
  git(wt, 'commit', '-q', '-m', `add ${file}`);
  return git(wt, 'rev-parse', 'HEAD');
}

/** A bare repository as the lane's remote, with the lane's branch pushed to it. */
function pushedToOrigin(wt: string, file: string): string {
  const origin = join(repo.parent, 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', origin], { env: repo.env });
  repo.git('remote', 'add', 'origin', origin);
  commitIn(wt, file, 'pushed\n');
  git(wt, 'push', '-q', 'origin', 'issue-1');
  return origin;
}

function forceRemove(): string {
  const res = lanes(repo, ['rm', '--force', '--json', 'issue-1']);
  expect(res.code, res.stderr).toBe(0);
  return json<{ backup: string }[]>(res)[0]!.backup;
}

/** Fetches a backup's refs into a scratch repository and returns name → commit. */
function restore(backup: string): { dir: string; refs: Map<string, string> } {
  const dir = join(repo.parent, `restore-${Date.now()}`);
  execFileSync('git', ['init', '-q', dir], { env: repo.env });
  execFileSync('git', ['-C', dir, 'fetch', '-q', join(repo.root, '.git'), 'refs/heads/main:refs/heads/main'], {
    env: repo.env,
  });
  execFileSync('git', ['-C', dir, 'fetch', '-q', join(backup, 'lane.bundle'), 'refs/lanes-backup/*:refs/restored/*'], {
    env: repo.env,
  });
  const out = execFileSync('git', ['-C', dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/restored/'], {
    env: repo.env,
    encoding: 'utf8',
  });
  const refs = new Map(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.split(' ')[0]!.split('/').pop()!, l.split(' ')[1]!] as [string, string]),
  );
  return { dir, refs };
}

describe('lanes rm never loses work', () => {
  it('refuses a lane with commits on a detached HEAD, and --force bundles them', () => {
    const wt = setup();
    git(wt, 'checkout', '-q', '--detach');
    const lost = commitIn(wt, 'detached.txt', 'work on a detached HEAD\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain('detached HEAD');
    expect(existsSync(wt)).toBe(true);
    const backup = forceRemove();
    const { refs } = restore(backup);
    expect([...refs.values()]).toContain(lost);
  });

  it('refuses when a commit was left behind on a detached HEAD (only the reflog has it)', () => {
    const wt = setup();
    git(wt, 'checkout', '-q', '--detach');
    const lost = commitIn(wt, 'left.txt', 'left behind\n');
    git(wt, 'checkout', '-q', 'issue-1');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(3);
    const { refs } = restore(forceRemove());
    expect([...refs.values()]).toContain(lost);
  });

  it('backs up Latin-1 bytes, a name that is not UTF-8 and ignored work byte for byte, and checks the patch', () => {
    const wt = setup();
    writeFileSync(join(wt, 'README.md'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
    const oddName = Buffer.concat([Buffer.from(`${wt}/`), Buffer.from([0x6e, 0xff, 0x6d, 0x65])]); // "n\xffme"
    writeFileSync(oddName, 'odd name\n');
    mkdirSync(join(wt, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(wt, 'node_modules', 'x', 'index.js'), 'regenerable\n');
    writeFileSync(join(wt, '.env.production.local'), 'KEY=mine\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('.env.production.local');
    expect(res.stderr).not.toContain('node_modules');
    const backup = forceRemove();
    expect(existsSync(wt)).toBe(false);
    const { dir, refs } = restore(backup);
    const snapshot = refs.get('worktree')!;
    expect(execFileSync('git', ['-C', dir, 'cat-file', 'blob', `${snapshot}:README.md`], { env: repo.env })).toEqual(
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    );
    const names = execFileSync('git', ['-C', dir, 'ls-tree', '-z', '--name-only', snapshot], { env: repo.env });
    expect(names.includes(Buffer.from([0x6e, 0xff, 0x6d, 0x65, 0]))).toBe(true);
    expect(
      execFileSync('git', ['-C', dir, 'show', `${snapshot}:.env.production.local`], {
        env: repo.env,
        encoding: 'utf8',
      }),
    ).toBe('KEY=mine\n');
    expect(names.includes(Buffer.from('node_modules'))).toBe(false);
    // The patch applies to the lane's HEAD and gives the same bytes.
    const patch = readFileSync(join(backup, 'uncommitted.patch'));
    expect(patch.includes(Buffer.from([0xe9]))).toBe(true);
    execFileSync('git', ['-C', dir, 'checkout', '-q', 'main'], { env: repo.env });
    execFileSync('git', ['-C', dir, 'apply', join(backup, 'uncommitted.patch')], { env: repo.env });
    expect(readFileSync(join(dir, 'README.md'))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  });

  it('refuses a dirty lane whose worktrees folder is reached through a symlink, or a template with .., // and a trailing /', () => {
    for (const template of [
      '{repoParent}/linked/{lane}',
      '{repoParent}//{repo}-worktrees/../{repo}-worktrees/{lane}/',
    ]) {
      repo = makeRepo();
      mkdirSync(join(repo.parent, 'real'));
      symlinkSync(join(repo.parent, 'real'), join(repo.parent, 'linked'));
      addIssue(repo, 1, 'x');
      repo.write('lanes.config.json', JSON.stringify({ templates: { worktree: template } }));
      repo.commitAll('issue');
      const made = lanes(repo, ['new', '1', '--no-agent', '--json']);
      expect(made.code, made.stderr).toBe(0);
      const wt = json<{ lanes: { path: string }[] }>(made).lanes[0]!.path;
      writeFileSync(join(wt, 'README.md'), 'dirty\n');
      const res = lanes(repo, ['rm', 'issue-1']);
      expect(res.code, `${template}: ${res.stderr}`).toBe(3);
      expect(git(wt, 'status', '--porcelain')).toContain('README.md');
      const doctor = lanes(repo, ['doctor', '--fix', '--json']);
      expect(json<{ problems: unknown[] }>(doctor).problems).toEqual([]);
      expect(existsSync(join(wt, 'README.md'))).toBe(true);
      repo.cleanup();
    }
  });

  it('follows a worktree moved with git worktree move: refuses while dirty, doctor updates the record', () => {
    const wt = setup();
    const moved = join(repo.parent, 'moved-lane');
    repo.git('worktree', 'move', wt, moved);
    writeFileSync(join(moved, 'README.md'), 'dirty\n');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(3);
    expect(repo.git('branch', '--list', 'issue-1')).toContain('issue-1');
    const fixed = json<{ problems: { kind: string; fixed: boolean }[] }>(lanes(repo, ['doctor', '--fix', '--json']));
    expect(fixed.problems).toEqual([expect.objectContaining({ kind: 'moved-worktree', fixed: true })]);
    expect(json<{ path: string }[]>(lanes(repo, ['ls', '--json']))[0]!.path).toBe(moved);
    expect(readFileSync(join(moved, 'README.md'), 'utf8')).toBe('dirty\n');
  });

  it('never deletes the branch while another worktree has it checked out', () => {
    const wt = setup();
    git(wt, 'checkout', '-q', '--detach');
    repo.git('checkout', '-q', 'issue-1');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('kept branch issue-1');
    expect(repo.git('symbolic-ref', 'HEAD')).toBe('refs/heads/issue-1');
    expect(repo.git('rev-parse', '--verify', 'issue-1')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('asks the remote: a stale remote-tracking ref is not "pushed"', () => {
    const wt = setup();
    const origin = pushedToOrigin(wt, 'work.txt');
    execFileSync('git', ['-C', origin, 'branch', '-D', 'issue-1'], { env: repo.env });
    // refs/remotes/origin/issue-1 still claims it is there.
    expect(repo.git('rev-parse', 'refs/remotes/origin/issue-1')).toMatch(/^[0-9a-f]{40}$/);
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(3);
    // Pushed for real: removed.
    git(wt, 'push', '-q', 'origin', 'issue-1');
    expect(lanes(repo, ['rm', 'issue-1']).code).toBe(0);
  });

  it('says which fetch it relied on when the remote cannot be reached', () => {
    const wt = setup();
    const origin = pushedToOrigin(wt, 'work.txt');
    renameSync(origin, `${origin}.away`);
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/could not reach remote origin .*refs\/remotes\/origin\/issue-1/);
  });

  it('refuses a locked worktree before touching anything', () => {
    const wt = setup();
    repo.git('worktree', 'lock', wt);
    const res = lanes(repo, ['rm', '--force', 'issue-1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('locked');
    expect(existsSync(wt)).toBe(true);
    expect(json<unknown[]>(lanes(repo, ['ls', '--json']))).toHaveLength(1);
    expect(json<{ problems: unknown[] }>(lanes(repo, ['doctor', '--json'])).problems).toEqual([]);
  });

  it('refuses a lane whose checked-out branch was deleted, and doctor --fix puts the branch back', () => {
    const wt = setup();
    const tip = commitIn(wt, 'work.txt', 'work\n');
    repo.git('update-ref', '-d', 'refs/heads/issue-1');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.stderr).toContain('branch issue-1 no longer exists');
    expect(res.code, res.stderr).toBe(3);
    const doctor = json<{ problems: { kind: string; fixed: boolean }[] }>(lanes(repo, ['doctor', '--fix', '--json']));
    expect(doctor.problems).toEqual([expect.objectContaining({ kind: 'missing-branch', fixed: true })]);
    expect(repo.git('rev-parse', 'issue-1')).toBe(tip);
  });

  it('refuses when a submodule in the lane has commits on none of its remotes, and --force bundles them', () => {
    repo = makeRepo();
    const sub = join(repo.parent, 'sub');
    execFileSync('git', ['init', '-q', '-b', 'main', sub], { env: repo.env });
    writeFileSync(join(sub, 'a.txt'), 'a\n');
    execFileSync('git', ['-C', sub, 'add', '.'], { env: repo.env });
    execFileSync('git', ['-C', sub, 'commit', '-q', '-m', 'a'], { env: repo.env });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'sub');
    addIssue(repo, 1, 'x');
    repo.commitAll('sub');
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const wt = join(repo.parent, 'app-worktrees', 'issue-1');
    git(wt, '-c', 'protocol.file.allow=always', 'submodule', 'update', '-q', '--init');
    const inner = commitIn(join(wt, 'sub'), 'b.txt', 'unpushed in the submodule\n');
    git(wt, 'add', 'sub');
    git(wt, 'commit', '-q', '-m', 'bump sub');
    git(wt, 'push', '-q', '.', 'HEAD:refs/heads/pushed-nowhere'); // keep the superproject commit safe on another branch
    const res = lanes(repo, ['rm', '--keep-branch', 'issue-1']);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stderr).toContain('submodule sub');
    const backup = json<{ backup: string }[]>(lanes(repo, ['rm', '--force', '--keep-branch', '--json', 'issue-1']))[0]!
      .backup;
    const heads = execFileSync('git', ['bundle', 'list-heads', join(backup, 'submodule-1.bundle')], {
      cwd: sub,
      env: repo.env,
      encoding: 'utf8',
    });
    expect(heads).toContain(inner);
  });

  it('removes a clean lane with a node_modules folder without asking', () => {
    const wt = setup();
    mkdirSync(join(wt, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(wt, 'node_modules', 'left-pad', 'index.js'), 'x\n');
    const res = lanes(repo, ['rm', 'issue-1']);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(wt)).toBe(false);
    expect(readdirSync(join(repo.parent, 'app-worktrees'))).toEqual([]);
  });
});

describe('lanes rm --merged', () => {
  it('removes only lanes whose commits landed in the base and that hold nothing else, listing what it keeps', () => {
    repo = makeRepo();
    for (const id of [1, 2, 3, 4]) addIssue(repo, id, `issue ${id}`);
    repo.commitAll('issues');
    expect(lanes(repo, ['new', '1', '2', '3', '4', '--no-agent']).code).toBe(0);
    const wt = (n: number) => join(repo.parent, 'app-worktrees', `issue-${n}`);
    commitIn(wt(1), 'one.txt', 'merged\n');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge 1', 'issue-1');
    commitIn(wt(2), 'two.txt', 'squashed\n');
    repo.git('merge', '-q', '--squash', 'issue-2');
    repo.git('commit', '-q', '-m', 'squash 2');
    commitIn(wt(3), 'three.txt', 'merged, then more\n');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge 3', 'issue-3');
    writeFileSync(join(wt(3), 'scratch.txt'), 'uncommitted\n');
    // issue-4: no commits at all, so nothing landed.
    const dry = lanes(repo, ['rm', '--merged', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json<{ remove: string[]; kept: { lane: string; reason: string }[] }>(dry);
    expect(plan.remove.sort()).toEqual(['issue-1', 'issue-2']);
    expect(plan.kept).toEqual([
      { lane: 'issue-3', reason: expect.stringContaining('uncommitted change') },
      { lane: 'issue-4', reason: 'no commits yet' },
    ]);
    expect(existsSync(wt(1))).toBe(true);
    const res = lanes(repo, ['rm', '--merged']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('kept issue-3');
    expect(json<{ name: string }[]>(lanes(repo, ['ls', '--json'])).map((l) => l.name)).toEqual(['issue-3', 'issue-4']);
    expect(existsSync(join(wt(3), 'scratch.txt'))).toBe(true);
  });
});

describe('lanes rm when the database copy cannot be dropped', () => {
  it('leaves the lane whole and unlocked, with the reason, and --force goes on with a warning', () => {
    repo = makeRepo({ gitignore: '.env*\n*.db\n' });
    addIssue(repo, 1, 'x');
    repo.write('data/app.db', '');
    repo.write('lanes.config.json', JSON.stringify({ database: { provider: 'sqlite', path: 'data/app.db' } }));
    repo.commitAll('sqlite');
    const made = lanes(repo, ['new', '1', '--no-agent']);
    expect(made.code, made.stderr).toBe(0);
    // The config no longer names the provider the lane's copy came from.
    repo.write('lanes.config.json', '{}');
    for (let i = 0; i < 2; i++) {
      const res = lanes(repo, ['rm', 'issue-1']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('cannot drop the sqlite database');
      expect(res.stderr).not.toContain('busy');
    }
    expect(json<{ name: string }[]>(lanes(repo, ['ls', '--json'])).map((l) => l.name)).toEqual(['issue-1']);
    expect(json<{ problems: unknown[] }>(lanes(repo, ['doctor', '--json'])).problems).toEqual([]);
    const forced = lanes(repo, ['rm', '--force', 'issue-1']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('warning: kept the sqlite database');
  });
});
