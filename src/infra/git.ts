/**
 * The git module: every git operation lanes performs, over the process gateway, reading only
 * porcelain / -z output. Operations that can lose work use git's fail-safe forms.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError, ToolError } from '../domain/errors.js';
import { exec, type ExecOptions, type ExecResult } from './exec.js';

export interface GitOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

export function git(cwd: string, args: readonly string[], opts: GitOptions & Pick<ExecOptions, 'check' | 'input' | 'env'> = {}): Promise<ExecResult> {
  // core.quotePath=false keeps non-ASCII paths readable; -c options never come from data.
  return exec('git', ['-c', 'core.quotepath=false', ...args], { cwd, timeoutMs: opts.timeoutMs ?? 120_000, signal: opts.signal, check: opts.check, input: opts.input, env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env } });
}

export interface RepoContext {
  /** `$(git rev-parse --git-common-dir)`, absolute. */
  commonDir: string;
  /** The main worktree's root (holds the config). */
  mainRoot: string;
  /** The worktree the command was started in. */
  currentRoot: string;
  name: string;
  parent: string;
}

export async function loadRepoContext(cwd: string, opts: GitOptions = {}): Promise<RepoContext> {
  const res = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'], { ...opts, check: false });
  if (res.exitCode !== 0) {
    throw new InputError(`not a git repository: ${cwd}`, { hint: 'run lanes inside a git repository, or pass -C <dir>' });
  }
  const [commonDir, currentRoot] = res.stdout.trim().split('\n') as [string, string | undefined];
  if (!currentRoot) throw new InputError(`${cwd} is inside a bare repository; lanes needs a repository with a main worktree`);
  let mainRoot = dirname(commonDir);
  if (basename(commonDir) !== '.git') {
    const list = await listWorktrees(currentRoot, opts);
    mainRoot = list[0]?.path ?? currentRoot;
  }
  return { commonDir, mainRoot, currentRoot, name: basename(mainRoot), parent: dirname(mainRoot) };
}

export interface WorktreeEntry {
  path: string;
  head: string | undefined;
  branch: string | undefined;
  prunable: boolean;
  locked: boolean;
}

export async function listWorktrees(cwd: string, opts: GitOptions = {}): Promise<WorktreeEntry[]> {
  const res = await git(cwd, ['worktree', 'list', '--porcelain', '-z'], opts);
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const field of res.stdout.split('\0')) {
    if (field === '') {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') current = { path: value, head: undefined, branch: undefined, prunable: false, locked: false };
    else if (!current) continue;
    else if (key === 'HEAD') current.head = value;
    else if (key === 'branch') current.branch = value.replace(/^refs\/heads\//, '');
    else if (key === 'prunable') current.prunable = true;
    else if (key === 'locked') current.locked = true;
  }
  if (current) entries.push(current);
  return entries;
}

/** The commit a ref names, or undefined. */
export async function resolveCommit(cwd: string, ref: string, opts: GitOptions = {}): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  const res = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { ...opts, check: false });
  return res.exitCode === 0 ? res.stdout.trim() : undefined;
}

export async function branchExists(cwd: string, branch: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { ...opts, check: false });
  return res.exitCode === 0;
}

/** The base when neither --base nor config names one: the remote's default branch, else main, else master. */
export async function defaultBase(cwd: string, opts: GitOptions = {}): Promise<string> {
  const head = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { ...opts, check: false });
  if (head.exitCode === 0 && head.stdout.trim()) return head.stdout.trim();
  for (const candidate of ['main', 'master']) {
    if (await branchExists(cwd, candidate, opts)) return candidate;
  }
  throw new InputError('no base branch: the remote has no default branch and neither "main" nor "master" exists', { hint: 'pass --base <ref> or set "base" in lanes.config.json' });
}

export async function addWorktree(cwd: string, path: string, branch: string, baseCommit: string, opts: GitOptions = {}): Promise<void> {
  // --no-track: no upstream written to .git/config, so concurrent `lanes new` do not fight over config.lock.
  await git(cwd, ['worktree', 'add', '--no-track', '-b', branch, '--', path, baseCommit], { ...opts, timeoutMs: 600_000 });
}

export async function removeWorktree(cwd: string, path: string, force: boolean, opts: GitOptions = {}): Promise<void> {
  await git(cwd, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', path], { ...opts, timeoutMs: 600_000 });
}

export async function pruneWorktrees(cwd: string, opts: GitOptions = {}): Promise<void> {
  await git(cwd, ['worktree', 'prune'], opts);
}

/** Deletes a branch only if it still points at `expected`, so a commit made meanwhile is never lost. */
export async function deleteBranch(cwd: string, branch: string, expected: string, opts: GitOptions = {}): Promise<void> {
  await git(cwd, ['update-ref', '-d', `refs/heads/${branch}`, expected], opts);
}

export interface StatusSummary {
  /** Paths with uncommitted changes, untracked files included (ignored files are not). */
  changed: string[];
}

export async function status(worktree: string, opts: GitOptions = {}): Promise<StatusSummary> {
  const res = await git(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=all'], opts);
  const changed: string[] = [];
  const fields = res.stdout.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    changed.push(f.slice(3));
    // Renames and copies carry the original path as the next field.
    if (f[0] === 'R' || f[0] === 'C') i++;
  }
  return { changed };
}

export async function aheadBehind(cwd: string, base: string, branch: string, opts: GitOptions = {}): Promise<{ ahead: number; behind: number }> {
  const res = await git(cwd, ['rev-list', '--left-right', '--count', `${base}...${branch}`, '--'], opts);
  const [behind, ahead] = res.stdout.trim().split(/\s+/).map(Number) as [number, number];
  return { ahead, behind };
}

export async function isAncestor(cwd: string, commit: string, of: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(cwd, ['merge-base', '--is-ancestor', commit, of], { ...opts, check: false });
  if (res.exitCode > 1) throw new ToolError(`git merge-base failed: ${res.stderr.trim()}`);
  return res.exitCode === 0;
}

/**
 * Whether everything `branch` changed is already in `base`: merged, rebased, or squash-merged.
 * A squash merge leaves no ancestry, so we ask git what merging would produce: if the merge's tree
 * equals base's tree, the branch adds nothing. `git cherry` covers commits applied one by one.
 */
export async function isIntegrated(cwd: string, branch: string, base: string, opts: GitOptions = {}): Promise<boolean> {
  if (await isAncestor(cwd, branch, base, opts)) return true;
  const merged = await git(cwd, ['merge-tree', '--write-tree', '--no-messages', base, branch], { ...opts, check: false });
  if (merged.exitCode === 0) {
    const mergedTree = merged.stdout.trim().split('\n')[0];
    const baseTree = (await git(cwd, ['rev-parse', `${base}^{tree}`], opts)).stdout.trim();
    if (mergedTree === baseTree) return true;
  }
  const cherry = await git(cwd, ['cherry', base, branch], opts);
  const lines = cherry.stdout.split('\n').filter(Boolean);
  return lines.length > 0 && lines.every((l) => l.startsWith('-'));
}

/** Whether some remote-tracking branch already contains the commit (it is pushed somewhere). */
export async function isPushed(cwd: string, commit: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(cwd, ['for-each-ref', '--count=1', '--contains', commit, '--format=%(refname)', 'refs/remotes/'], opts);
  return res.stdout.trim() !== '';
}

/** Gitignored files in `root` matching the include globs and none of the exclude globs. */
export async function listIgnoredFiles(root: string, include: readonly string[], exclude: readonly string[], opts: GitOptions = {}): Promise<string[]> {
  if (include.length === 0) return [];
  const pathspecs = [...include.map((g) => `:(glob)${g}`), ...exclude.map((g) => `:(exclude,glob)${g}`)];
  const res = await git(root, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...pathspecs], opts);
  return res.stdout.split('\0').filter(Boolean);
}

export async function createBundle(cwd: string, file: string, branch: string, base: string, opts: GitOptions = {}): Promise<boolean> {
  const count = await git(cwd, ['rev-list', '--count', branch, `^${base}`, '--'], opts);
  const range = Number(count.stdout.trim()) > 0 ? [branch, `^${base}`] : [branch];
  await git(cwd, ['bundle', 'create', '--quiet', resolve(file), ...range], opts);
  return true;
}

export async function diffAgainstHead(worktree: string, opts: GitOptions = {}): Promise<string> {
  return (await git(worktree, ['diff', 'HEAD', '--binary'], opts)).stdout;
}

export async function untrackedFiles(worktree: string, opts: GitOptions = {}): Promise<string[]> {
  const res = await git(worktree, ['ls-files', '-z', '--others', '--exclude-standard'], opts);
  return res.stdout.split('\0').filter(Boolean);
}

export function isGitWorktreeDir(path: string): boolean {
  return existsSync(resolve(path, '.git'));
}
