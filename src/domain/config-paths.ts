/**
 * Where the config may send lanes' files, judged on path text only (pure). A repository's
 * lanes.config.json is input from outside: its `envFile` must name a file inside the lane's
 * worktree, never inside git's own files, and its `templates.worktree` must give every lane its
 * own folder, outside the repository's `.git` and never inside another lane.
 */
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { worktreePath } from './naming.js';

/** Whether `child` is `parent` or inside it (both absolute and normalized). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function hasGitSegment(path: string): boolean {
  return path.split(/[\\/]+/).some((part) => part.toLowerCase() === '.git');
}

/**
 * Why a path meant to be inside a lane's worktree is not acceptable, or undefined. Relative, no
 * `..` part at all (not only one that climbs out on paper: `link/../x` leaves the worktree when
 * `link` is a symlink the repository committed), nothing inside `.git` (a worktree's `.git` is
 * git's pointer file, a submodule's is its git directory: never ours to write).
 */
export function lanePathProblem(value: string, kind: 'file' | 'folder', example: string): string | undefined {
  if (value.includes('\0')) return 'must not contain a NUL character';
  if (isAbsolute(value) || /^[a-zA-Z]:[\\/]/.test(value) || value.startsWith('\\'))
    return `must be a path relative to the lane's worktree, e.g. ${example}`;
  const slashed = value.replace(/\\/g, '/');
  if (slashed.split('/').includes('..')) return "must stay inside the lane's worktree (no .. parts)";
  const normalized = posix.normalize(slashed);
  if (normalized === '.' || normalized === './')
    return `must name a ${kind} inside the lane's worktree, e.g. ${example}`;
  if (kind === 'file' && (slashed.endsWith('/') || slashed.endsWith('/.')))
    return `must name a file inside the lane's worktree, e.g. ${example}`;
  if (hasGitSegment(normalized)) return 'must not be inside .git';
  return undefined;
}

/** Why an `envFile` value is not acceptable, or undefined when it is. */
export function envFileProblem(envFile: string): string | undefined {
  return lanePathProblem(envFile, 'file', '.env.local');
}

/** Why a `dependencies.dirs` entry is not acceptable: lanes clones into it and removes it on rollback. */
export function dependencyDirProblem(dir: string): string | undefined {
  return lanePathProblem(dir, 'folder', 'node_modules');
}

export interface RepoPaths {
  /** The main worktree's root. */
  root: string;
  name: string;
  parent: string;
  /** The git common directory (`.git` of the main worktree). */
  commonDir: string;
}

/** Two lane names no issue shares: a template that treats them alike treats all lanes alike. */
const PROBES = ['lane-probe-a', 'lane-probe-b'] as const;

/**
 * Why a `templates.worktree` value is not acceptable, or undefined. The paths compared are those
 * the template gives for two different lanes, resolved (`..`, `//` and a trailing `/` removed).
 * `realpath` maps a path to the real one (symlinked folders followed); identity when pure.
 * Inside the main worktree is allowed: a user may want lanes under an ignored folder there.
 */
export function worktreeTemplateProblem(
  template: string,
  repo: RepoPaths,
  realpath: (path: string) => string = (p) => p,
): string | undefined {
  const [a, b] = PROBES.map((lane) => worktreePath(lane, repo, template)) as [string, string];
  if (!isAbsolute(a)) return 'must give an absolute path; start it with {repoParent} or {repoRoot}';
  const [realA, realB] = [realpath(resolve(a)), realpath(resolve(b))];
  const gitDir = realpath(resolve(repo.commonDir));
  const root = realpath(resolve(repo.root));
  if (realA === realB)
    return 'gives every lane the same folder; include {lane} in the last part, e.g. {repoParent}/{repo}-worktrees/{lane}';
  if (isInside(realA, realB) || isInside(realB, realA))
    return "puts a lane inside another lane's worktree; {lane} must name the lane's own folder";
  if (isInside(realA, gitDir) || hasGitSegment(resolve(a)) || hasGitSegment(realA))
    return "puts lanes inside the repository's .git directory";
  if (isInside(root, realA)) return 'puts a lane at or above the main worktree';
  return undefined;
}
