import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dependencyDirProblem, envFileProblem, isInside, worktreeTemplateProblem } from './config-paths.js';

const repo = { root: '/work/app', name: 'app', parent: '/work', commonDir: '/work/app/.git' };

describe("envFile stays inside the lane's worktree", () => {
  it('accepts relative files, also in sub-folders and with harmless dots', () => {
    for (const ok of [
      '.env.local',
      '.env',
      'config/.env.local',
      './.env.local',
      'config//.env',
      'apps/web/.env.development.local',
      '.gitignore-env',
    ]) {
      expect(envFileProblem(ok), ok).toBeUndefined();
    }
  });

  it('refuses absolute paths', () => {
    for (const bad of ['/etc/passwd', '/home/u/.bashrc', 'C:\\Users\\x\\.env', '\\\\server\\share\\.env']) {
      expect(envFileProblem(bad), bad).toMatch(/relative to the lane's worktree/);
    }
  });

  it('refuses any .. part, since through a committed symlink even a/../x can leave the worktree', () => {
    for (const bad of ['../x', '..', 'a/../../x', './../.bashrc', 'a\\..\\..\\x', 'a/../.env']) {
      expect(envFileProblem(bad), bad).toBe("must stay inside the lane's worktree (no .. parts)");
    }
  });

  it('refuses anything inside .git, whatever the case', () => {
    for (const bad of ['.git/config', '.git/hooks/post-checkout', 'sub/.git/x', './.GIT/x', '.git']) {
      expect(envFileProblem(bad), bad).toBe('must not be inside .git');
    }
  });

  it('refuses a folder instead of a file', () => {
    for (const bad of ['.', './', 'config/', 'config/.']) expect(envFileProblem(bad), bad).toMatch(/must name a file/);
  });

  it('never accepts a value whose normalized form leaves the worktree or enters .git (property)', () => {
    const part = fc.constantFrom('..', '.', '.git', '.GIT', 'a', '.env', '', 'b c');
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), fc.boolean(), (parts, absolute) => {
        const value = `${absolute ? '/' : ''}${parts.join('/')}`;
        if (envFileProblem(value) !== undefined) return;
        const inside = new URL(value, 'file:///wt/lane/').pathname;
        expect(inside.startsWith('/wt/lane/')).toBe(true);
        expect(inside.split('/').map((p) => p.toLowerCase())).not.toContain('.git');
      }),
      { numRuns: 500 },
    );
  });
});

describe("dependencies.dirs stay inside the lane's worktree (lanes clones into them and removes them on rollback)", () => {
  it('accepts folders in the worktree and refuses the rest', () => {
    for (const ok of ['node_modules', '.venv', 'apps/web/node_modules', 'target/'])
      expect(dependencyDirProblem(ok), ok).toBeUndefined();
    expect(dependencyDirProblem('../../home/me')).toBe("must stay inside the lane's worktree (no .. parts)");
    expect(dependencyDirProblem('/home/me')).toBe("must be a path relative to the lane's worktree, e.g. node_modules");
    expect(dependencyDirProblem('.git/objects')).toBe('must not be inside .git');
    expect(dependencyDirProblem('.')).toMatch(/must name a folder/);
  });
});

describe('templates.worktree gives each lane its own folder outside .git', () => {
  it("accepts the default, a folder in the repository's parent and a folder inside the main worktree", () => {
    for (const ok of [
      '{repoParent}/{repo}-worktrees/{lane}',
      '{repoParent}/lanes/{repo}/{lane}',
      '{repoRoot}/.worktrees/{lane}',
      '/tmp/lanes/{lane}',
      '{repoParent}//{repo}-wt/{lane}/',
    ]) {
      expect(worktreeTemplateProblem(ok, repo), ok).toBeUndefined();
    }
  });

  it('refuses a template inside .git, also reached with .. or a different case', () => {
    for (const bad of [
      '{repoRoot}/.git/lanes/{lane}',
      '{repoRoot}/x/../.git/{lane}',
      '{repoParent}/{repo}/.git/worktrees/{lane}',
      '{repoRoot}/.GIT/{lane}',
    ]) {
      expect(worktreeTemplateProblem(bad, repo), bad).toBe("puts lanes inside the repository's .git directory");
    }
  });

  it('refuses a template inside .git when a symlink leads there', () => {
    const realpath = (p: string) => p.replace('/work/app/gitlink', '/work/app/.git');
    expect(worktreeTemplateProblem('{repoRoot}/gitlink/{lane}', repo, realpath)).toBe(
      "puts lanes inside the repository's .git directory",
    );
  });

  it('refuses a template that gives all lanes one folder', () => {
    for (const bad of ['{repoParent}/{repo}-worktrees', '{repoParent}/wt/{lane}/..', '/tmp/x']) {
      expect(worktreeTemplateProblem(bad, repo), bad).toMatch(/gives every lane the same folder/);
    }
  });

  it('refuses a template that puts a lane at or above the main worktree', () => {
    expect(worktreeTemplateProblem('{repoRoot}/{lane}/..', repo)).toMatch(/same folder/);
    expect(worktreeTemplateProblem('{repoParent}/{lane}/../{repo}/{lane}', repo)).toBeUndefined();
  });

  it('refuses a relative template', () => {
    expect(worktreeTemplateProblem('worktrees/{lane}', repo)).toMatch(/absolute path/);
  });

  it('says whether a path is inside another', () => {
    expect(isInside('/a/b', '/a')).toBe(true);
    expect(isInside('/a', '/a')).toBe(true);
    expect(isInside('/ab', '/a')).toBe(false);
    expect(isInside('/a', '/a/b')).toBe(false);
  });
});
