/**
 * The git module: every git operation lanes performs, over the process gateway, reading only
 * porcelain / -z output. Operations that can lose work use git's fail-safe forms.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, ToolError } from '../domain/errors.js';
import { nameFilter } from '../domain/name-glob.js';
import { exec, execBytes, type BytesResult, type ExecOptions, type ExecResult } from './exec.js';

export interface GitOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/** What every git call shares: the folder, a timeout, no prompts and no translated messages. */
function gitCall<T extends { input?: unknown }>(
  cwd: string,
  opts: GitOptions & { check?: boolean; input?: T['input']; env?: Record<string, string | undefined> },
) {
  return {
    cwd,
    timeoutMs: opts.timeoutMs ?? 120_000,
    signal: opts.signal,
    check: opts.check,
    input: opts.input,
    env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env },
  };
}

// core.quotePath=false keeps non-ASCII paths readable; -c options never come from data.
const GIT_PREFIX = ['-c', 'core.quotepath=false'];

export function git(
  cwd: string,
  args: readonly string[],
  opts: GitOptions & Pick<ExecOptions, 'check' | 'input' | 'env'> = {},
): Promise<ExecResult> {
  return exec('git', [...GIT_PREFIX, ...args], gitCall<{ input?: string }>(cwd, opts));
}

/** `git` with raw bytes out (and optionally in): for paths that must survive byte for byte. */
export function gitBytes(
  cwd: string,
  args: readonly string[],
  opts: GitOptions & { check?: boolean; input?: Buffer; env?: Record<string, string | undefined> } = {},
): Promise<BytesResult> {
  return execBytes('git', [...GIT_PREFIX, ...args], gitCall<{ input?: Buffer }>(cwd, opts));
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
  const res = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'], {
    ...opts,
    check: false,
  });
  if (res.exitCode !== 0) {
    throw new InputError(`not a git repository: ${cwd}`, {
      hint: 'run lanes inside a git repository, or pass -C <dir>',
    });
  }
  const [commonDir, currentRoot] = res.stdout.trim().split('\n') as [string, string | undefined];
  if (!currentRoot)
    throw new InputError(`${cwd} is inside a bare repository; lanes needs a repository with a main worktree`);
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
  let res: ExecResult;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await git(cwd, ['worktree', 'list', '--porcelain', '-z'], opts);
      break;
    } catch (err) {
      // A concurrent `worktree add` caught half-way (see HALF_MADE_WORKTREE): read again.
      if (attempt >= 5 || !isHalfMadeWorktreeRace(err) || opts.signal?.aborted) throw err;
      await pause(20 * attempt);
    }
  }
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
    if (key === 'worktree')
      current = { path: value, head: undefined, branch: undefined, prunable: false, locked: false };
    else if (!current) continue;
    // An unborn branch (deleted while checked out) shows as all zeros.
    else if (key === 'HEAD') current.head = /^0+$/.test(value) ? undefined : value;
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
  const res = await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    ...opts,
    check: false,
  });
  return res.exitCode === 0 ? res.stdout.trim() : undefined;
}

export async function branchExists(cwd: string, branch: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { ...opts, check: false });
  return res.exitCode === 0;
}

/** The base when neither --base nor config names one: the remote's default branch, else main, else master. */
export async function defaultBase(cwd: string, opts: GitOptions = {}): Promise<string> {
  const head = await git(cwd, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], {
    ...opts,
    check: false,
  });
  if (head.exitCode === 0 && head.stdout.trim()) return head.stdout.trim();
  for (const candidate of ['main', 'master']) {
    if (await branchExists(cwd, candidate, opts)) return candidate;
  }
  throw noBaseError();
}

export interface RefFact {
  /**
   * The commit the ref points at (through a symbolic ref, and peeled for an annotated tag); undefined for a non-commit.
   */
  commit: string | undefined;
  /** For a symbolic ref, its target's short name (refs/remotes/origin/HEAD → origin/main). */
  symref: string | undefined;
}

/**
 * The named refs (full names, e.g. refs/heads/main) that exist, read with one `for-each-ref`.
 * Its patterns also match refs below a name (refs/heads/main/x), so only exact names are kept.
 * A symbolic ref whose target is missing is not listed (git skips broken refs).
 */
export async function readRefs(
  cwd: string,
  refs: readonly string[],
  opts: GitOptions = {},
): Promise<Map<string, RefFact>> {
  const wanted = new Set(refs.filter((r) => r.startsWith('refs/')));
  const facts = new Map<string, RefFact>();
  if (wanted.size === 0) return facts;
  const format =
    '--format=%(refname)%00%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)%00%(symref:short)';
  const res = await git(cwd, ['for-each-ref', format, ...wanted], opts);
  for (const line of res.stdout.split('\n')) {
    const [name, object, type, peeled, peeledType, symref] = line.split('\0');
    if (name === undefined || !wanted.has(name)) continue;
    const commit = type === 'commit' ? object : peeledType === 'commit' ? peeled : undefined;
    facts.set(name, { commit, symref: symref || undefined });
  }
  return facts;
}

/** The refs `defaultBaseFrom` needs, for one `readRefs` together with others. */
export const DEFAULT_BASE_REFS = ['refs/remotes/origin/HEAD', 'refs/heads/main', 'refs/heads/master'] as const;

/**
 * `defaultBase` and its commit from refs already read: the remote's default branch, else main,
 * else master. for-each-ref does not list an origin/HEAD whose target is gone, where `defaultBase`
 * names that target (and `lanes new` then refuses it); a loose origin/HEAD file that was not listed
 * is such a dangling ref, so that rare case takes the old path and keeps its answer.
 */
export async function defaultBaseFrom(
  cwd: string,
  commonDir: string,
  refs: ReadonlyMap<string, RefFact>,
  opts: GitOptions = {},
): Promise<{ base: string; baseCommit: string | undefined }> {
  const originHead = refs.get('refs/remotes/origin/HEAD');
  if (originHead?.symref) return { base: originHead.symref, baseCommit: originHead.commit };
  if (!originHead && existsSync(join(commonDir, 'refs', 'remotes', 'origin', 'HEAD'))) {
    const base = await defaultBase(cwd, opts);
    return { base, baseCommit: await resolveCommit(cwd, base, opts) };
  }
  for (const candidate of ['main', 'master']) {
    const fact = refs.get(`refs/heads/${candidate}`);
    if (fact) return { base: candidate, baseCommit: fact.commit };
  }
  throw noBaseError();
}

function noBaseError(): InputError {
  return new InputError('no base branch: the remote has no default branch and neither "main" nor "master" exists', {
    hint: 'pass --base <ref> or set "base" in lanes.config.json',
  });
}

/**
 * Git reads every worktree's admin folder (`.git/worktrees/<id>/commondir`, `gitdir`) in `worktree
 * add` and `worktree list`; one that a concurrent `worktree add` has created but not yet filled
 * makes it fail with "failed to read …". A race inside git, over in milliseconds: worth a retry.
 */
const HALF_MADE_WORKTREE = /failed to read .*worktrees\/[^/]+\/(commondir|gitdir)/;

function isHalfMadeWorktreeRace(err: unknown): boolean {
  return err instanceof Error && HALF_MADE_WORKTREE.test(err.message);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolvePause) => setTimeout(resolvePause, ms));
}

export async function addWorktree(
  cwd: string,
  path: string,
  branch: string,
  baseCommit: string,
  opts: GitOptions = {},
): Promise<void> {
  // --no-track: no upstream written to .git/config, so concurrent `lanes new` do not fight over config.lock.
  await addWorktreeRetrying(cwd, path, ['--no-track', '-b', branch, '--', path, baseCommit], opts, 4, async () => {
    // What the failed attempt made is ours (the plan saw no branch): undo exactly that.
    await git(cwd, ['update-ref', '-d', `refs/heads/${branch}`, baseCommit], { ...opts, check: false });
  });
}

/**
 * A detached worktree of `commit` at `path`, locked with `lockReason` (so `git worktree prune`
 * leaves it alone). Several made at the same moment (two reviewers) race like `lanes new` does.
 */
export async function addDetachedWorktree(
  cwd: string,
  path: string,
  commit: string,
  lockReason: string,
  opts: GitOptions = {},
): Promise<void> {
  await addWorktreeRetrying(cwd, path, ['--detach', '--lock', '--reason', lockReason, '--', path, commit], opts, 6);
}

/**
 * `git worktree add <args>`, retried when another `worktree add` running at the same moment left git
 * reading its half-made admin folder. A retry happens only while the failed attempt left nothing of
 * its own at `path` (not registered, folder missing or empty); `undo` removes what else it made.
 */
async function addWorktreeRetrying(
  cwd: string,
  path: string,
  args: readonly string[],
  opts: GitOptions,
  attempts: number,
  undo?: () => Promise<void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await git(cwd, ['worktree', 'add', ...args], { ...opts, timeoutMs: 600_000 });
      return;
    } catch (err) {
      if (attempt >= attempts || !isHalfMadeWorktreeRace(err) || opts.signal?.aborted) throw err;
      const registered = (await listWorktrees(cwd, opts)).some((w) => resolve(w.path) === resolve(path));
      if (registered || (existsSync(path) && readdirSync(path).length > 0)) throw err;
      await undo?.();
      await pause(20 * attempt + Math.floor(Math.random() * 30));
    }
  }
}

export async function removeWorktree(cwd: string, path: string, force: boolean, opts: GitOptions = {}): Promise<void> {
  await git(cwd, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), '--', path], {
    ...opts,
    timeoutMs: 600_000,
  });
}

export async function pruneWorktrees(cwd: string, opts: GitOptions = {}): Promise<void> {
  await git(cwd, ['worktree', 'prune'], opts);
}

/** Deletes a branch only if it still points at `expected`, so a commit made meanwhile is never lost. */
export async function deleteBranch(
  cwd: string,
  branch: string,
  expected: string,
  opts: GitOptions = {},
): Promise<void> {
  await git(cwd, ['update-ref', '-d', `refs/heads/${branch}`, expected], opts);
}

export interface StatusSummary {
  /** Paths with uncommitted changes, untracked files included (ignored files are not). */
  changed: string[];
}

/**
 * `untracked: 'all'` lists every untracked file (what removal must see); 'normal' lists an untracked
 * folder once, without git walking into it. `preloadIndex: false` stops git's own lstat threads,
 * which only cost CPU when the caller already runs one status per CPU.
 */
export async function status(
  worktree: string,
  opts: GitOptions & { untracked?: 'all' | 'normal'; preloadIndex?: boolean } = {},
): Promise<StatusSummary> {
  const preload = opts.preloadIndex === false ? ['-c', 'core.preloadIndex=false'] : [];
  const res = await git(
    worktree,
    [...preload, 'status', '--porcelain=v1', '-z', `--untracked-files=${opts.untracked ?? 'all'}`],
    opts,
  );
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

export async function aheadBehind(
  cwd: string,
  base: string,
  branch: string,
  opts: GitOptions = {},
): Promise<{ ahead: number; behind: number }> {
  const res = await git(cwd, ['rev-list', '--left-right', '--count', `${base}...${branch}`, '--'], opts);
  const [behind, ahead] = res.stdout.trim().split(/\s+/).map(Number) as [number, number];
  return { ahead, behind };
}

/**
 * The commits that `names` (as given to rev-parse: branch, tag, remote branch, full ref) point at,
 * read with one `for-each-ref` and resolved in git's order (refs/, tags, heads, remotes, remote
 * HEAD). A name that is not plainly a ref (HEAD, a commit id, main~2) is left out for rev-parse.
 */
export async function resolveRefNames(
  cwd: string,
  names: readonly string[],
  opts: GitOptions = {},
): Promise<Map<string, string>> {
  const candidates = new Map<string, string[]>();
  for (const name of new Set(names)) {
    // Per-worktree refs (HEAD, refs/worktree/, refs/bisect/) differ between the lane and here.
    if (
      !/^[A-Za-z0-9._/+-]+$/.test(name) ||
      name.includes('..') ||
      /^[A-Z_]+$/.test(name) ||
      name.startsWith('-') ||
      /^refs\/(worktree|bisect|rewritten)\//.test(name)
    )
      continue;
    const full = name.startsWith('refs/') ? [name] : [];
    candidates.set(name, [
      ...full,
      `refs/${name}`,
      `refs/tags/${name}`,
      `refs/heads/${name}`,
      `refs/remotes/${name}`,
      `refs/remotes/${name}/HEAD`,
    ]);
  }
  const facts = await readRefs(cwd, [...candidates.values()].flat(), opts);
  const out = new Map<string, string>();
  for (const [name, refs] of candidates) {
    const found = refs.find((r) => facts.has(r));
    const commit = found === undefined ? undefined : facts.get(found)!.commit;
    if (commit) out.set(name, commit);
  }
  return out;
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
  const merged = await git(cwd, ['merge-tree', '--write-tree', '--no-messages', base, branch], {
    ...opts,
    check: false,
  });
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
  const res = await git(
    cwd,
    ['for-each-ref', '--count=1', '--contains', commit, '--format=%(refname)', 'refs/remotes/'],
    opts,
  );
  return res.stdout.trim() !== '';
}

/** Gitignored files in `root` matching the include globs and none of the exclude globs. */
export async function listIgnoredFiles(
  root: string,
  include: readonly string[],
  exclude: readonly string[],
  opts: GitOptions = {},
): Promise<string[]> {
  if (include.length === 0) return [];
  // Globs without a folder part match only top-level entries: read that one folder and ask git
  // about the few matches, instead of ls-files walking every untracked and ignored file of the tree.
  const match = nameFilter(include, exclude);
  if (match) return ignoredAmong(root, topLevelFiles(root).filter(match), opts);
  const pathspecs = [...include.map((g) => `:(glob)${g}`), ...exclude.map((g) => `:(exclude,glob)${g}`)];
  const res = await git(
    root,
    ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', ...pathspecs],
    opts,
  );
  return res.stdout.split('\0').filter(Boolean);
}

/** Files and symlinks directly in `root` (what ls-files would list there), in git's byte order. */
function topLevelFiles(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name !== '.git')
    .map((e) => e.name)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The paths among `paths` that git ignores (tracked paths never are), with one `check-ignore`. */
export async function ignoredAmong(root: string, paths: readonly string[], opts: GitOptions = {}): Promise<string[]> {
  if (paths.length === 0) return [];
  const res = await git(root, ['check-ignore', '--stdin', '-z'], {
    ...opts,
    check: false,
    input: paths.map((p) => `${p}\0`).join(''),
  });
  if (res.exitCode > 1) throw new ToolError(`git check-ignore failed: ${res.stderr.trim()}`);
  const ignored = new Set(res.stdout.split('\0').filter(Boolean));
  return paths.filter((p) => ignored.has(p));
}

/** Whether gitignore rules (tracked or not) cover `relPath` in the worktree `root`. */
export async function isIgnoredPath(root: string, relPath: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(root, ['check-ignore', '-q', '--no-index', '--', relPath], { ...opts, check: false });
  return res.exitCode === 0;
}

export async function createBundle(
  cwd: string,
  file: string,
  branch: string,
  base: string,
  opts: GitOptions = {},
): Promise<boolean> {
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

/**
 * The administrative folder git keeps for a linked worktree (`.git/worktrees/<id>`), read from the
 * worktree's `.git` file; undefined for a main worktree or a folder that is not a worktree.
 */
export function worktreeAdminDir(worktree: string): string | undefined {
  try {
    const text = readFileSync(join(worktree, '.git'), 'utf8');
    const m = /^gitdir: (.+)$/m.exec(text);
    if (!m) return undefined;
    const dir = m[1]!.trim();
    return isAbsolute(dir) ? dir : resolve(worktree, dir);
  } catch {
    return undefined;
  }
}

/**
 * The worktree folder an admin folder belongs to (its `gitdir` file names `<worktree>/.git`), as git last recorded it.
 */
export function worktreeOfAdminDir(adminDir: string): string | undefined {
  try {
    const gitFile = readFileSync(join(adminDir, 'gitdir'), 'utf8').trim();
    return dirname(isAbsolute(gitFile) ? gitFile : resolve(adminDir, gitFile));
  } catch {
    return undefined;
  }
}

export interface StatusEntry {
  /** Two-letter porcelain code: `??` untracked, `!!` ignored, else a tracked change. */
  code: string;
  /** The path as git gave it, bytes intact (a folder ends with `/`). */
  path: Buffer;
}

/**
 * Every change in a worktree, untracked files one by one, and ignored entries (an ignored folder
 * once, not walked), with paths as raw bytes: names that are not UTF-8 stay exact.
 */
export async function statusEntries(worktree: string, opts: GitOptions = {}): Promise<StatusEntry[]> {
  const res = await gitBytes(
    worktree,
    ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching'],
    opts,
  );
  const entries: StatusEntry[] = [];
  const fields = splitNul(res.stdout);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    const code = f.subarray(0, 2).toString('latin1');
    entries.push({ code, path: f.subarray(3) });
    if (code[0] === 'R' || code[0] === 'C') i++;
  }
  return entries;
}

export function splitNul(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) {
      out.push(buf.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

export interface ReflogEntry {
  commit: string;
  /** The reflog message, e.g. "checkout: moving from a to b". */
  subject: string;
}

/** A worktree's HEAD reflog (what HEAD pointed at over time): it goes when the worktree goes. */
export async function headReflog(worktree: string, opts: GitOptions = {}): Promise<ReflogEntry[]> {
  const res = await git(worktree, ['reflog', 'show', '--format=%H%x00%gs', 'HEAD', '--'], { ...opts, check: false });
  if (res.exitCode !== 0) return readReflogFile(worktree, opts);
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [commit, subject] = line.split('\0') as [string, string | undefined];
      return { commit, subject: subject ?? '' };
    });
}

/**
 * The reflog read from its file: git refuses `reflog show HEAD` when HEAD's branch was deleted,
 * which is exactly when the log is needed. Lines: `<old> <new> <who> <when>\t<message>`.
 */
async function readReflogFile(worktree: string, opts: GitOptions): Promise<ReflogEntry[]> {
  const res = await git(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'logs/HEAD'], {
    ...opts,
    check: false,
  });
  let text: string;
  try {
    text = readFileSync(res.stdout.trim(), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => ({ commit: line.slice(41, 81), subject: line.slice(line.indexOf('\t') + 1) }))
    .filter((e) => /^[0-9a-f]{40}$/.test(e.commit) && !/^0+$/.test(e.commit))
    .reverse();
}

/** Commits reachable from `tips` and from none of `not` (full ids, newest first). */
export async function commitsOnlyIn(
  cwd: string,
  tips: readonly string[],
  not: readonly string[],
  opts: GitOptions = {},
): Promise<string[]> {
  if (tips.length === 0) return [];
  const res = await git(cwd, ['rev-list', '--stdin'], {
    ...opts,
    input: [...tips, ...not.map((n) => `^${n}`)].join('\n') + '\n',
  });
  return res.stdout.split('\n').filter(Boolean);
}

/** Local branches and their commits. */
export async function localBranches(cwd: string, opts: GitOptions = {}): Promise<Map<string, string>> {
  const res = await git(cwd, ['for-each-ref', '--format=%(refname:lstrip=2)%00%(objectname)', 'refs/heads/'], opts);
  const out = new Map<string, string>();
  for (const line of res.stdout.split('\n')) {
    const [name, sha] = line.split('\0');
    if (name && sha) out.set(name, sha);
  }
  return out;
}

export interface TrackingRef {
  /** e.g. refs/remotes/origin/issue-1 */
  ref: string;
  remote: string;
  /** The branch name on the remote. */
  branch: string;
  commit: string;
}

/** Remote-tracking refs (from the last fetch) that contain `commit`. */
export async function trackingRefsContaining(
  cwd: string,
  commit: string,
  opts: GitOptions = {},
): Promise<TrackingRef[]> {
  const remotes = (await git(cwd, ['remote'], opts)).stdout.split('\n').filter(Boolean);
  const res = await git(
    cwd,
    ['for-each-ref', '--contains', commit, '--format=%(refname)%00%(objectname)', 'refs/remotes/'],
    opts,
  );
  const out: TrackingRef[] = [];
  for (const line of res.stdout.split('\n')) {
    const [ref, sha] = line.split('\0');
    if (!ref || !sha || ref.endsWith('/HEAD')) continue;
    const rest = ref.slice('refs/remotes/'.length);
    // The longest remote name that prefixes the ref (remote names may contain '/').
    const remote = remotes.filter((r) => rest.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0];
    if (!remote) continue;
    out.push({ ref, remote, branch: rest.slice(remote.length + 1), commit: sha });
  }
  return out;
}

/** What a remote has now: its branches and their commits, asked over the network (short timeout). */
export async function fetchRemoteHeads(
  cwd: string,
  remote: string,
  opts: GitOptions = {},
): Promise<Map<string, string>> {
  const res = await git(cwd, ['ls-remote', '--heads', '--', remote], { ...opts, timeoutMs: opts.timeoutMs ?? 15_000 });
  const out = new Map<string, string>();
  for (const line of res.stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref?.startsWith('refs/heads/')) out.set(ref.slice('refs/heads/'.length), sha);
  }
  return out;
}

export async function hasCommit(cwd: string, commit: string, opts: GitOptions = {}): Promise<boolean> {
  const res = await git(cwd, ['cat-file', '-e', `${commit}^{commit}`], { ...opts, check: false });
  return res.exitCode === 0;
}
