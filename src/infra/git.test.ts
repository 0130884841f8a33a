import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, type TempRepo } from '../../test/helpers/repo.js';
import { setBaseEnvironment } from './exec.js';
import { addDetachedWorktree, ignoredAmong, listIgnoredFiles, readRefs, resolveRefNames } from './git.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

function useRepo(opts: Parameters<typeof makeRepo>[0] = {}): TempRepo {
  repo = makeRepo(opts);
  setBaseEnvironment(repo.env);
  return repo;
}

describe('readRefs', () => {
  it('reports exactly the named refs, peeling tags and naming symbolic targets', async () => {
    const r = useRepo();
    const head = r.git('rev-parse', 'HEAD');
    r.git('branch', 'feat/x');
    r.git('tag', '-a', '-m', 'v1', 'v1');
    r.git('update-ref', 'refs/remotes/origin/trunk', 'HEAD');
    r.git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
    const refs = await readRefs(r.root, [
      'refs/heads/main',
      'refs/heads/feat',
      'refs/heads/nope',
      'refs/tags/v1',
      'refs/remotes/origin/HEAD',
      'HEAD',
    ]);
    expect(Object.fromEntries(refs)).toEqual({
      'refs/heads/main': { commit: head, symref: undefined },
      'refs/tags/v1': { commit: head, symref: undefined },
      'refs/remotes/origin/HEAD': { commit: head, symref: 'origin/trunk' },
    });
  });
});

describe('resolveRefNames', () => {
  it('resolves names in rev-parse order and leaves what is not plainly a ref to rev-parse', async () => {
    const r = useRepo();
    const first = r.git('rev-parse', 'HEAD');
    r.git('commit', '-q', '--allow-empty', '-m', 'second');
    const second = r.git('rev-parse', 'HEAD');
    r.git('tag', 'both', first);
    r.git('branch', 'both', second);
    r.git('update-ref', 'refs/remotes/origin/main', first);
    const tips = await resolveRefNames(r.root, [
      'main',
      'both',
      'origin/main',
      'refs/heads/both',
      'HEAD',
      'main~1',
      first,
      'missing',
    ]);
    for (const name of ['main', 'both', 'origin/main', 'refs/heads/both']) {
      expect(tips.get(name), name).toBe(r.git('rev-parse', '--verify', '--quiet', `${name}^{commit}`));
    }
    expect(tips.get('both')).toBe(first); // a tag wins over a branch of the same name, as in rev-parse
    for (const name of ['HEAD', 'main~1', first, 'missing']) expect(tips.has(name), name).toBe(false);
  });
});

describe('listIgnoredFiles', () => {
  function lsFiles(root: string, include: string[], exclude: string[]): string[] {
    const spec = [...include.map((g) => `:(glob)${g}`), ...exclude.map((g) => `:(exclude,glob)${g}`)];
    return repo
      .git(
        '-C',
        root,
        '-c',
        'core.quotepath=false',
        'ls-files',
        '-z',
        '--others',
        '--ignored',
        '--exclude-standard',
        '--',
        ...spec,
      )
      .split('\0')
      .filter(Boolean);
  }

  it('finds with one folder read what ls-files finds for name-only globs', async () => {
    const r = useRepo({
      gitignore: '.env*\n!.env.keep\n.secret*\nnode_modules/\n',
      files: { '.env.tracked': 'x', '.env.example': 'x' },
    });
    r.git('add', '-f', '.env.tracked');
    r.commitAll('tracked env');
    for (const f of [
      '.env',
      '.env.local',
      '.env.example',
      '.env.keep',
      '.env.çafé',
      '.envrc',
      '.secret-a',
      'sub/.env',
      '.env.d/inner',
    ])
      r.write(f, f);
    mkdirSync(join(r.root, '.env.dir'));
    symlinkSync('.env', join(r.root, '.env.link'));
    symlinkSync('.env.d', join(r.root, '.env.dirlink'));
    writeFileSync(join(r.root, '-dash.env'), 'x');
    for (const [include, exclude] of [
      [['.env*'], ['.env.example']],
      [['.env*', '.secret*'], []],
      [['*'], ['.env.local']],
      [['\\-dash.env', '-dash*'], []],
    ] as [string[], string[]][]) {
      const expected = lsFiles(r.root, include, exclude);
      expect(await listIgnoredFiles(r.root, include, exclude), JSON.stringify(include)).toEqual(expected);
    }
    expect(await listIgnoredFiles(r.root, ['.env*'], ['.env.example'])).toEqual([
      '.env',
      '.env.dirlink',
      '.env.link',
      '.env.local',
      '.env.çafé',
      '.envrc',
    ]);
  });

  it('asks nothing when no name matches, and reports tracked files as not ignored', async () => {
    const r = useRepo();
    expect(await listIgnoredFiles(r.root, ['.env*'], [])).toEqual([]);
    r.write('.env.tracked', 'x');
    r.git('add', '-f', '.env.tracked');
    expect(await ignoredAmong(r.root, ['.env.tracked', '.env.untracked'])).toEqual(['.env.untracked']);
  });
});

describe('addDetachedWorktree', () => {
  it('makes many locked detached worktrees at once: racing adds that read a half-made one are retried', async () => {
    const r = useRepo();
    const head = r.git('rev-parse', 'HEAD');
    const paths = Array.from({ length: 12 }, (_, i) => join(r.parent, 'checkouts', `c${i}`));
    await Promise.all(paths.map((p) => addDetachedWorktree(r.root, p, head, `test ${p}`)));
    const listed = r.git('worktree', 'list', '--porcelain');
    for (const p of paths) expect(listed).toContain(`worktree ${p}\nHEAD ${head}\ndetached\nlocked test ${p}`);
  });
});
