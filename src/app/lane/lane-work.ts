/**
 * What removing a lane would destroy, judged under the lane's lock just before it happens.
 *
 * Commits: every commit reachable from the lane's branch, the worktree's HEAD (detached or on any
 * branch), the worktree's HEAD reflog (a commit left behind on a detached HEAD, an amended one) and
 * local branches only that worktree checked out, minus what survives elsewhere: the base (merged,
 * rebased or squash-merged into it), other local branches and tags, and a remote that still has it
 * (asked with `git ls-remote`, not trusted from a remote-tracking ref that may be stale).
 * Files: tracked changes, untracked files, and ignored files the lane created that are not
 * regenerable (config `disposable`), plus copied files edited since; paths kept as bytes.
 * Submodules: commits of a checked-out submodule that are on none of its remotes.
 * The worktree is found where git says it is (followed after `git worktree move`, compared by real
 * path), never assumed missing because a string differs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { disposableMatcher } from '../../domain/disposable.js';
import { errorMessage } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import * as git from '../../infra/git.js';
import { canonicalPath } from '../../infra/real-path.js';
import type { Context } from '../context.js';
import { editedFiles } from './copy-files.js';

export interface LaneWorktree {
  /** Where the worktree is now, as git reports it. */
  path: string;
  /** Not at the recorded path: moved (`git worktree move`), followed here. */
  moved: boolean;
  locked: boolean;
  head: string | undefined;
  /** The branch checked out there, if any. */
  branch: string | undefined;
  adminDir: string | undefined;
}

export interface SubmoduleWork {
  path: string;
  gitDir: string;
  unpushed: number;
}

export interface WorkAtRisk {
  worktree: LaneWorktree | undefined;
  /** The recorded folder exists but git does not know it as a worktree any more. */
  strayFolder: boolean;
  /** Tracked changes and untracked files (display names). */
  changed: string[];
  /** Porcelain codes of `changed`, index for index. */
  changedCodes: string[];
  /** Ignored entries the lane created that are not disposable (display names; a folder ends with `/`). */
  ignoredWork: string[];
  /** The same, as exact bytes (folders expanded into files), for the backup. */
  ignoredWorkFiles: Buffer[];
  editedCopies: string[];
  branchTip: string | undefined;
  /** The worktree is on the lane's branch but the branch ref is gone (deleted behind lanes' back). */
  branchMissing: boolean;
  /** Commits that would become unreachable. */
  unsafeCommits: string[];
  /** The tips those commits hang from, labelled (branch, HEAD, reflog, other branch). */
  unsafeTips: { label: string; commit: string }[];
  /** Local branches other than the lane's that only this worktree checked out (kept, but judged). */
  laneBranches: string[];
  /** Another worktree that has the lane's branch checked out: the branch must stay. */
  branchCheckedOutAt: string | undefined;
  /** Where a remote could not be asked and a remote-tracking ref was trusted instead. */
  remoteNotes: string[];
  submodules: SubmoduleWork[];
}

export function refusalReasons(
  lane: Pick<LaneRecord, 'branch' | 'base'>,
  risk: WorkAtRisk,
  keepBranch: boolean,
): string[] {
  const reasons: string[] = [];
  const list = (items: string[]) => `${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''}`;
  if (risk.branchMissing)
    reasons.push(`branch ${lane.branch} no longer exists (deleted while the lane's worktree had it checked out)`);
  if (risk.changed.length > 0) reasons.push(`${risk.changed.length} uncommitted change(s): ${list(risk.changed)}`);
  if (risk.ignoredWork.length > 0)
    reasons.push(`${risk.ignoredWork.length} ignored file(s) created in the lane: ${list(risk.ignoredWork)}`);
  if (risk.editedCopies.length > 0) reasons.push(`edited copied file(s): ${risk.editedCopies.join(', ')}`);
  const onBranch = risk.unsafeTips.filter((t) => t.label === `branch ${lane.branch}`);
  const elsewhere = risk.unsafeTips.filter((t) => t.label !== `branch ${lane.branch}`);
  // --keep-branch keeps the lane's branch (and its commits) but not the worktree's HEAD or reflog.
  if (risk.unsafeCommits.length > 0 && (!keepBranch || elsewhere.length > 0)) {
    const where = (keepBranch ? elsewhere : [...onBranch, ...elsewhere]).map((t) => t.label);
    reasons.push(
      `${risk.unsafeCommits.length} commit(s) neither merged into ${lane.base} nor pushed (on ${[...new Set(where)].join(', ')})`,
    );
  }
  for (const s of risk.submodules)
    if (s.unpushed > 0) reasons.push(`submodule ${s.path} has ${s.unpushed} commit(s) on none of its remotes`);
  return reasons;
}

/** Finds the lane's worktree where git has it: at its recorded path (by real path), or moved. */
export async function locateWorktree(
  ctx: Context,
  lane: LaneRecord,
): Promise<{ worktree: LaneWorktree | undefined; all: git.WorktreeEntry[] }> {
  const repo = await ctx.repo();
  const all = await git.listWorktrees(repo.mainRoot, { signal: ctx.signal });
  const recorded = canonicalPath(lane.path);
  const main = canonicalPath(repo.mainRoot);
  const linked = all.filter((w) => canonicalPath(w.path) !== main);
  const toWorktree = (w: git.WorktreeEntry, moved: boolean): LaneWorktree => ({
    path: w.path,
    moved,
    locked: w.locked,
    head: w.head,
    branch: w.branch,
    adminDir: git.worktreeAdminDir(w.path),
  });
  const here = linked.find((w) => canonicalPath(w.path) === recorded);
  if (here) return { worktree: toWorktree(here, false), all };
  // Moved: git's admin folder for the lane's worktree now names another folder.
  const adminDir = join(repo.commonDir, 'worktrees', lane.worktreeId ?? lane.name);
  const movedTo = existsSync(adminDir) ? git.worktreeOfAdminDir(adminDir) : undefined;
  const byAdmin =
    movedTo === undefined
      ? undefined
      : linked.find((w) => canonicalPath(w.path) === canonicalPath(movedTo) && existsSync(w.path));
  if (byAdmin) return { worktree: toWorktree(byAdmin, true), all };
  const byBranch = linked.find((w) => w.branch === lane.branch && !w.prunable);
  if (byBranch) return { worktree: toWorktree(byBranch, true), all };
  return { worktree: undefined, all };
}

export async function assessWork(ctx: Context, lane: LaneRecord): Promise<WorkAtRisk> {
  const [repo, config] = await Promise.all([ctx.repo(), ctx.config()]);
  const signal = ctx.signal;
  const { worktree, all } = await locateWorktree(ctx, lane);
  const live = worktree !== undefined && existsSync(worktree.path);
  const risk: WorkAtRisk = {
    worktree,
    strayFolder: !worktree && existsSync(lane.path),
    changed: [],
    changedCodes: [],
    ignoredWork: [],
    ignoredWorkFiles: [],
    editedCopies: [],
    branchTip: await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`, { signal }),
    branchMissing: false,
    unsafeCommits: [],
    unsafeTips: [],
    laneBranches: [],
    branchCheckedOutAt: undefined,
    remoteNotes: [],
    submodules: [],
  };
  risk.branchMissing = live && worktree.branch === lane.branch && risk.branchTip === undefined;
  const lanePath = worktree?.path;
  const other = all.find(
    (w) =>
      w.branch === lane.branch &&
      (lanePath === undefined || canonicalPath(w.path) !== canonicalPath(lanePath)) &&
      !w.prunable,
  );
  risk.branchCheckedOutAt = other?.path;

  const reflog = live ? await git.headReflog(worktree.path, { signal }) : [];
  if (live) await assessFiles(ctx, lane, worktree.path, config.disposable, risk);
  if (live && risk.branchMissing && reflog[0]) {
    // With its branch gone the worktree is on an unborn branch and git calls every file "added":
    // judge the changes against the last commit HEAD was on instead.
    const diff = await git.git(worktree.path, ['diff', '--name-only', '-z', reflog[0].commit, '--'], { signal });
    const untracked = risk.changed.filter((_, i) => risk.changedCodes[i] === '??');
    risk.changed = [...diff.stdout.split('\0').filter(Boolean), ...untracked];
  }

  // Commits.
  const branches = await git.localBranches(repo.mainRoot, { signal });
  const checkedOutElsewhere = new Set(
    all
      .filter((w) => w.branch && (lanePath === undefined || canonicalPath(w.path) !== canonicalPath(lanePath)))
      .map((w) => w.branch!),
  );
  const baseName = lane.base.replace(/^refs\/heads\//, '');
  const laneBranches = new Set<string>();
  for (const { subject } of reflog) {
    const m = /^checkout: moving from (.+) to (.+)$/.exec(subject);
    for (const name of m ? [m[1]!, m[2]!] : []) {
      if (branches.has(name) && name !== lane.branch && name !== baseName && !checkedOutElsewhere.has(name))
        laneBranches.add(name);
    }
  }
  if (live && worktree.branch && worktree.branch !== lane.branch && !checkedOutElsewhere.has(worktree.branch))
    laneBranches.add(worktree.branch);
  risk.laneBranches = [...laneBranches];

  const tips: { label: string; commit: string }[] = [];
  if (risk.branchTip) tips.push({ label: `branch ${lane.branch}`, commit: risk.branchTip });
  if (live && worktree.head && worktree.head !== risk.branchTip)
    tips.push({ label: worktree.branch ? `branch ${worktree.branch}` : 'detached HEAD', commit: worktree.head });
  for (const name of laneBranches) tips.push({ label: `branch ${name}`, commit: branches.get(name)! });
  for (const { commit } of reflog) tips.push({ label: "the worktree's reflog", commit });

  const baseCommit = (await git.resolveCommit(repo.mainRoot, lane.base, { signal })) ?? lane.baseCommit;
  const survivors = [
    baseCommit,
    lane.baseCommit,
    ...[...branches].filter(([name]) => name !== lane.branch && !laneBranches.has(name)).map(([, sha]) => sha),
    ...(await tagCommits(repo.mainRoot, signal)),
  ];
  // Old heads `lanes sync` rewrote (refs/lanes/backup/<lane>/…, still in the worktree's reflog) are
  // superseded versions of the branch's work: once the branch itself has landed, they hold nothing of
  // their own. Before that they count like any other commit (removal deletes those refs).
  if (risk.branchTip && (await git.isIntegrated(repo.mainRoot, risk.branchTip, baseCommit, { signal }))) {
    const backups = await git.git(
      repo.mainRoot,
      ['for-each-ref', '--format=%(objectname)', `refs/lanes/backup/${lane.name}/`],
      { signal },
    );
    survivors.push(...backups.stdout.split('\n').filter(Boolean));
  }
  const not = [...new Set(survivors)];
  const unsafe: { label: string; commit: string }[] = [];
  const remoteHeads = new Map<string, Map<string, string> | Error>();
  // The common case, a lane whose every commit survives elsewhere, costs one rev-list; only the tips
  // that hold something of their own are judged one by one (a long reflog would cost a call each).
  const candidates = new Set(
    await git.commitsOnlyIn(
      repo.mainRoot,
      tips.map((t) => t.commit),
      not,
      { signal },
    ),
  );
  for (const tip of dedupe(tips).filter((t) => candidates.has(t.commit))) {
    if ((await git.commitsOnlyIn(repo.mainRoot, [tip.commit], not, { signal })).length === 0) continue;
    if (
      (await git.isIntegrated(repo.mainRoot, tip.commit, baseCommit, { signal })) ||
      (await onRemote(ctx, repo, tip.commit, remoteHeads, risk.remoteNotes))
    ) {
      not.push(tip.commit);
      continue;
    }
    unsafe.push(tip);
  }
  risk.unsafeTips = unsafe;
  risk.unsafeCommits = await git.commitsOnlyIn(
    repo.mainRoot,
    unsafe.map((t) => t.commit),
    not,
    { signal },
  );
  if (live) risk.submodules = await assessSubmodules(ctx, worktree.path);
  return risk;
}

function dedupe(tips: { label: string; commit: string }[]): { label: string; commit: string }[] {
  const seen = new Set<string>();
  return tips.filter((t) => (seen.has(t.commit) ? false : (seen.add(t.commit), true)));
}

async function tagCommits(cwd: string, signal: AbortSignal): Promise<string[]> {
  const res = await git.git(cwd, ['for-each-ref', '--format=%(objectname)%00%(*objectname)', 'refs/tags/'], { signal });
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [obj, peeled] = l.split('\0');
      return peeled || obj!;
    });
}

/**
 * Whether a remote still has `commit`: a remote-tracking ref that contains it is only a claim from
 * the last fetch (the branch may be gone on the remote since), so the remote is asked. When it
 * cannot be reached, the tracking ref is trusted and the note says which fetch that relied on.
 */
async function onRemote(
  ctx: Context,
  repo: git.RepoContext,
  commit: string,
  cache: Map<string, Map<string, string> | Error>,
  notes: string[],
): Promise<boolean> {
  const refs = await git.trackingRefsContaining(repo.mainRoot, commit, { signal: ctx.signal });
  for (const ref of refs) {
    let heads = cache.get(ref.remote);
    if (heads === undefined) {
      const timeoutMs = Number(ctx.env.LANES_REMOTE_TIMEOUT_MS) || 15_000;
      heads = await git
        .fetchRemoteHeads(repo.mainRoot, ref.remote, { signal: ctx.signal, timeoutMs })
        .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      cache.set(ref.remote, heads);
    }
    if (heads instanceof Error) {
      notes.push(
        `could not reach remote ${ref.remote} (${firstLine(heads.message)}); counted ${commit.slice(0, 12)} as pushed because ${ref.ref} has it, from a fetch ${fetchAge(repo.commonDir)}`,
      );
      return true;
    }
    const now = heads.get(ref.branch);
    if (now === undefined) continue;
    if (now === ref.commit || now === commit) return true;
    if (
      (await git.hasCommit(repo.mainRoot, now, { signal: ctx.signal })) &&
      (await git.isAncestor(repo.mainRoot, commit, now, { signal: ctx.signal }))
    )
      return true;
  }
  return false;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}

function fetchAge(commonDir: string): string {
  try {
    const ms = Date.now() - statSync(join(commonDir, 'FETCH_HEAD')).mtimeMs;
    const minutes = Math.round(ms / 60_000);
    const age =
      minutes < 60
        ? `${minutes} min`
        : minutes < 48 * 60
          ? `${Math.round(minutes / 60)} h`
          : `${Math.round(minutes / 1440)} days`;
    return `${age} ago (FETCH_HEAD)`;
  } catch {
    return 'of unknown age (no FETCH_HEAD)';
  }
}

async function assessFiles(
  ctx: Context,
  lane: LaneRecord,
  worktree: string,
  disposable: readonly string[],
  risk: WorkAtRisk,
): Promise<void> {
  const isDisposable = disposableMatcher(disposable);
  const copied = new Set(lane.copiedFiles.map((f) => f.path));
  const dbFiles = laneDatabaseFiles(lane);
  for (const entry of await git.statusEntries(worktree, { signal: ctx.signal })) {
    const name = entry.path.toString('utf8');
    if (entry.code !== '!!') {
      risk.changed.push(name);
      risk.changedCodes.push(entry.code);
      continue;
    }
    const bare = name.replace(/\/$/, '');
    const lanesOwn = (rel: string) => copied.has(rel) || dbFiles.has(rel);
    if (lanesOwn(bare) || isDisposable(name)) continue;
    if (name.endsWith('/')) {
      // An ignored folder counts only for what is in it besides lanes' own files (the lane's database copy).
      const files = walkFiles(worktree, entry.path, isDisposable).filter((f) => !lanesOwn(f.toString('utf8')));
      if (files.length === 0) continue;
      risk.ignoredWork.push(name);
      risk.ignoredWorkFiles.push(...files);
    } else {
      risk.ignoredWork.push(name);
      risk.ignoredWorkFiles.push(entry.path);
    }
  }
  risk.editedCopies = editedFiles(worktree, lane.copiedFiles);
}

/** The lane's own database files (a disposable copy lanes made), relative to the worktree. */
function laneDatabaseFiles(lane: LaneRecord): Set<string> {
  const out = new Set<string>();
  const url = lane.database?.provider === 'sqlite' ? lane.database.url : undefined;
  if (url) {
    const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
    const rel = file.startsWith(lane.path) ? file.slice(lane.path.length).replace(/^\/+/, '') : file;
    for (const suffix of ['', '-wal', '-shm', '-journal']) out.add(`${rel}${suffix}`);
  }
  return out;
}

/** Files below an ignored folder, as bytes (names need not be UTF-8), skipping disposable ones. */
function walkFiles(root: string, relDir: Buffer, isDisposable: (p: string) => boolean): Buffer[] {
  const out: Buffer[] = [];
  const rel = relDir[relDir.length - 1] === 0x2f ? relDir.subarray(0, -1) : relDir;
  const abs = Buffer.concat([Buffer.from(`${root}/`), rel]);
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
  } catch {
    return out;
  }
  for (const e of entries) {
    const child = Buffer.concat([rel, Buffer.from('/'), e.name]);
    if (isDisposable(child.toString('utf8') + (e.isDirectory() ? '/' : ''))) continue;
    if (e.isDirectory()) out.push(...walkFiles(root, child, isDisposable));
    else if (e.isFile() || e.isSymbolicLink()) out.push(child);
  }
  return out;
}

async function assessSubmodules(ctx: Context, worktree: string): Promise<SubmoduleWork[]> {
  const res = await git.git(worktree, ['ls-files', '-z', '--stage'], { signal: ctx.signal });
  const out: SubmoduleWork[] = [];
  for (const entry of res.stdout.split('\0')) {
    if (!entry.startsWith('160000 ')) continue;
    const path = entry.slice(entry.indexOf('\t') + 1);
    const dir = join(worktree, path);
    if (!existsSync(join(dir, '.git'))) continue;
    try {
      const gitDir = (
        await git.git(dir, ['rev-parse', '--path-format=absolute', '--git-dir'], { signal: ctx.signal })
      ).stdout.trim();
      const count = await git.git(dir, ['rev-list', '--count', 'HEAD', '--branches', '--not', '--remotes'], {
        signal: ctx.signal,
      });
      out.push({ path, gitDir, unpushed: Number(count.stdout.trim()) || 0 });
    } catch (err) {
      ctx.io.err(`lanes: could not judge submodule ${path}: ${errorMessage(err)}`);
      out.push({ path, gitDir: '', unpushed: 1 });
    }
  }
  return out;
}
