/**
 * Checks the paths of a loaded config against the repository before any command uses them
 * (called once, where the context loads the config): a bad `envFile` or `templates.worktree` is
 * bad input, exit 2, one line naming the key. The judging is pure (domain/config-paths.ts); this
 * module adds the real paths of folders that exist, so a symlink cannot hide a `.git`.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dependencyDirProblem, envFileProblem, isInside, worktreeTemplateProblem } from '../../domain/config-paths.js';
import { InputError } from '../../domain/errors.js';
import { visibleControls } from '../../domain/terminal-text.js';
import type { Config } from '../../infra/config-schema.js';
import type { RepoContext } from '../../infra/git.js';

const FILE = 'lanes.config.json';

/** The real path of `path`: its deepest existing ancestor resolved through symlinks, the rest appended. */
export function realpathOfExisting(path: string): string {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch {
      const up = dirname(current);
      if (up === current) return path;
      rest.push(basename(current));
      current = up;
    }
  }
}

export function requireConfigPaths<C extends Pick<Config, 'envFile' | 'templates' | 'dependencies'>>(
  config: C,
  repo: Pick<RepoContext, 'mainRoot' | 'name' | 'parent' | 'commonDir'>,
): C {
  const envProblem = envFileProblem(config.envFile);
  if (envProblem) throw new InputError(`${FILE}: envFile "${visibleControls(config.envFile)}" ${envProblem}`);
  for (const [i, dir] of (config.dependencies.dirs ?? []).entries()) {
    const problem = dependencyDirProblem(dir);
    if (problem) throw new InputError(`${FILE}: dependencies.dirs[${i}] "${visibleControls(dir)}" ${problem}`);
  }
  const template = config.templates.worktree;
  const repoPaths = { root: repo.mainRoot, name: repo.name, parent: repo.parent, commonDir: repo.commonDir };
  const worktreeProblem = worktreeTemplateProblem(template, repoPaths, realpathOfExisting);
  if (worktreeProblem)
    throw new InputError(`${FILE}: templates.worktree "${visibleControls(template)}" ${worktreeProblem}`);
  return config;
}

/**
 * The env file's folder, as it really is in a lane's worktree, is inside that worktree and not in
 * its `.git`: a repository can commit a symlinked folder (`config -> /home/me`) that the text of
 * `envFile` cannot reveal. The file itself may be a symlink (a shared secrets file): writing
 * replaces the link, never its target.
 */
export function requireEnvFileInWorktree(worktree: string, envFile: string): void {
  const realWorktree = realpathOfExisting(worktree);
  const realFolder = realpathOfExisting(dirname(join(worktree, envFile)));
  const gitPath = join(realWorktree, '.git');
  if (!isInside(realFolder, realWorktree) || isInside(realFolder, gitPath)) {
    throw new InputError(
      `${FILE}: envFile "${visibleControls(envFile)}" leads out of the lane's worktree through a symlink (to ${visibleControls(realFolder)})`,
      {
        hint: 'replace the symlinked folder in the repository, or choose another envFile',
      },
    );
  }
}
