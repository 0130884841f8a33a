/**
 * `lanes rm`: removes a lane's worktree, branch, database and leases, never losing work unless
 * forced, and then only after a verified backup.
 *
 * Contract, in order:
 * 1. The lane's lock is taken by compare-and-set (`claimOperation`): a lane being created, removed
 *    or repaired by a live process is left alone; a lock of a dead process is taken over only by
 *    the caller that proved it dead (doctor).
 * 2. Under the lock, the work at risk is judged (lane-work.ts). A locked worktree is refused before
 *    anything is touched. Work at risk refuses with exit 3 unless --force, which first writes a
 *    backup that is checked (lane-backup.ts); a failed backup stops the removal.
 * 3. Destructive steps: the database branch, then the worktree moved aside in one rename and its
 *    git admin folder removed (git's per-file `worktree remove` is slow on big trees), then the
 *    branch, deleted only while it still points at the judged commit and is checked out nowhere.
 *    A crash after step 2 leaves the lock of a dead process; `lanes doctor --fix` resumes here.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { RefusedError, ToolError, errorMessage } from '../domain/errors.js';
import type { LaneRecord } from '../domain/lane.js';
import { shellCommand } from '../domain/shell-quote.js';
import { exec } from '../infra/exec.js';
import * as git from '../infra/git.js';
import { canonicalPath } from '../infra/real-path.js';
import { releaseLanePorts } from './lane/allocate-ports.js';
import type { Context } from './context.js';
import { isActive, latestRunOf } from './agents/runs.js';
import { requireApproval, runHooks } from './lane/hooks.js';
import { saveBackup } from './lane/lane-backup.js';
import { dropLaneDatabase } from './lane/lane-data.js';
import { laneVariables } from './lane/lane-env.js';
import { deleteBackupRefs } from './landing/sync-lane.js';
import { assessWork, refusalReasons, type WorkAtRisk } from './lane/lane-work.js';

export { assessWork, refusalReasons, type WorkAtRisk } from './lane/lane-work.js';

export interface RemoveOptions {
  force?: boolean;
  keepBranch?: boolean;
  /** The pid of a dead process whose lock on this lane the caller takes over (doctor). */
  takeOverFrom?: number;
}

export interface RemovedLane {
  name: string;
  branchDeleted: boolean;
  /** Why the branch stayed although it was to be deleted. */
  branchKept: string | undefined;
  backup: string | undefined;
  /** Things the user should know (a remote that could not be asked, a moved worktree). */
  notes: string[];
}

/** The folder a removal moves a worktree into before deleting it: beside it, so the rename is atomic. */
export const TRASH_PREFIX = '.lanes-trash-';

export async function removeLane(ctx: Context, lane: LaneRecord, opts: RemoveOptions = {}): Promise<RemovedLane> {
  const store = await ctx.store();
  const op = { kind: 'remove' as const, pid: process.pid, started: new Date().toISOString() };
  if (!store.claimOperation(lane.name, op, opts.takeOverFrom)) {
    const holder = store.operationOf(lane.name);
    throw new ToolError(
      holder
        ? `lane ${lane.name} is busy: process ${holder.pid} is ${holder.kind === 'create' ? 'creating' : holder.kind === 'remove' ? 'removing' : 'repairing'} it`
        : `lane ${lane.name} no longer exists`,
      { hint: 'wait for it to finish; if that process is gone, lanes doctor --fix takes over' },
    );
  }
  let destructive = false;
  try {
    // Re-read under the lock: the record may have changed since the caller read it.
    const current = store.getLane(lane.name) ?? lane;
    // Resuming a removal whose process died after it had judged the lane (and saved a backup when
    // forced): finish it as it was asked, with the backup already made.
    const begun = opts.takeOverFrom === undefined ? undefined : store.steps(lane.name).find((s) => s.step === 'remove');
    const resumed = begun?.step === 'remove' ? begun.data : undefined;
    const asked: RemoveOptions = resumed
      ? { ...opts, force: resumed.force === true, keepBranch: resumed.keepBranch === true }
      : opts;
    const result = await removeHeld(
      ctx,
      current,
      asked,
      () => {
        destructive = true;
      },
      resumed?.backup ?? undefined,
    );
    return result;
  } finally {
    // Before any destructive step the lane is as it was: free it. After, a failure keeps the lock of
    // this (soon dead) process so doctor resumes the removal.
    if (!destructive) store.releaseOperation(lane.name, process.pid);
  }
}

async function removeHeld(
  ctx: Context,
  lane: LaneRecord,
  opts: RemoveOptions,
  startDestroying: () => void,
  earlierBackup?: string,
): Promise<RemovedLane> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  // An agent still working in the lane would have its worktree pulled from under it, and its next
  // commit lost: it is stopped first, on purpose, never as a side effect of rm.
  const run = latestRunOf(store, lane, ctx.runners);
  if (run && isActive(run)) {
    throw new RefusedError(
      `refusing to remove lane ${lane.name}: its ${run.agent} agent is still ${run.status} (${run.phase})`,
      {
        reasons: ['agent running'],
        hint: `stop it first: ${shellCommand(['lanes', 'stop', lane.name])}`,
      },
    );
  }
  const risk = await assessWork(ctx, lane);
  if (risk.worktree?.locked) {
    throw new RefusedError(
      `refusing to remove lane ${lane.name}: its worktree ${risk.worktree.path} is locked (git worktree lock)`,
      {
        reasons: ['worktree locked'],
        hint: `unlock it first: ${shellCommand(['git', 'worktree', 'unlock', risk.worktree.path])}`,
      },
    );
  }
  const reasons = refusalReasons(lane, risk, opts.keepBranch ?? false);
  if (reasons.length > 0 && !opts.force) {
    throw new RefusedError(`refusing to remove lane ${lane.name}: ${reasons.join('; ')}`, {
      reasons,
      hint: waysOut(lane, risk),
    });
  }
  const notes = [...risk.remoteNotes];
  if (risk.worktree?.moved) notes.push(`its worktree was moved to ${risk.worktree.path}; removing it there`);
  const wt = risk.worktree && existsSync(risk.worktree.path) ? risk.worktree.path : undefined;
  if (wt && config.hooks.preRemove.length > 0) {
    await requireApproval(ctx, config.hooks.preRemove, 'hooks.preRemove');
    await runHooks(ctx, config.hooks.preRemove, 'hooks.preRemove', wt, laneVariables({ ...lane, path: wt }));
  }
  const reuse = earlierBackup !== undefined && existsSync(earlierBackup);
  const backup =
    reasons.length > 0 ? (reuse ? { dir: earlierBackup, refs: [] } : await saveBackup(ctx, lane, risk)) : undefined;
  if (backup && !reuse) ctx.io.err(`lanes: saved a backup of lane ${lane.name} in ${backup.dir}`);

  // The lane's database copy first: when its server cannot be reached (and rm is not forced) the lane
  // stays whole and unlocked, with the reason, instead of half-removed and waiting for doctor.
  await dropLaneDatabase(ctx, lane, opts.force === true);
  // From here on the user asked for removal and the work is safe (or saved): no signal stops it
  // halfway. The journal says how it was asked, so a removal killed from here on is finished the same way.
  store.addStep(lane.name, 'remove', {
    force: opts.force === true,
    keepBranch: opts.keepBranch === true,
    backup: backup?.dir ?? null,
  });
  startDestroying();
  if (risk.worktree) await removeWorktreeFast(ctx, lane.name, risk.worktree);
  else if (risk.strayFolder) ctx.io.err(`lanes: left ${lane.path} in place: it is not a git worktree any more`);
  await removeTrash(ctx, lane.name);

  let branchDeleted = false;
  let branchKept: string | undefined;
  if (!opts.keepBranch && risk.branchTip) {
    // Checked out elsewhere (the main worktree, say): deleting it would leave that worktree on an unborn branch.
    const now = await git.listWorktrees(repo.mainRoot);
    const holder = now.find((w) => w.branch === lane.branch && !w.prunable);
    if (holder) branchKept = `it is checked out in ${holder.path}`;
    else {
      const res = await git.git(repo.mainRoot, ['update-ref', '-d', `refs/heads/${lane.branch}`, risk.branchTip], {
        check: false,
      });
      if (res.exitCode === 0) branchDeleted = true;
      else branchKept = `it moved while the lane was removed (${res.stderr.trim().split('\n')[0]})`;
    }
    if (branchKept) ctx.io.err(`lanes: kept branch ${lane.branch}: ${branchKept}`);
  }
  // The old heads lanes sync kept (refs/lanes/backup/<lane>/…) live as long as the lane.
  await deleteBackupRefs(repo.mainRoot, lane.name, ctx.signal);
  store.deleteLane(lane.name);
  await releaseLanePorts(ctx, lane.name);
  store.recordRemoved(lane.name, lane.branch, opts.keepBranch === true, branchKept ? risk.branchTip : undefined);
  for (const note of notes) ctx.io.err(`lanes: ${lane.name}: ${note}`);
  return { name: lane.name, branchDeleted, branchKept, backup: backup?.dir, notes };
}

function waysOut(lane: LaneRecord, risk: WorkAtRisk): string {
  const ways: string[] = [];
  if (risk.unsafeCommits.length > 0)
    ways.push(
      `push the branch (${shellCommand(['git', '-C', risk.worktree?.path ?? lane.path, 'push', '-u', 'origin', lane.branch])}) or merge it`,
    );
  if (risk.unsafeCommits.length > 0 && risk.changed.length === 0 && risk.ignoredWork.length === 0)
    ways.push(
      `keep the branch and remove only the worktree (${shellCommand(['lanes', 'rm', '--keep-branch', lane.name])})`,
    );
  ways.push(`remove it anyway after a backup (${shellCommand(['lanes', 'rm', '--force', lane.name])})`);
  return ways.join('; or ');
}

/**
 * Moves the worktree aside in one rename, removes git's admin folder for it (what
 * `git worktree prune` would do for this one entry), then deletes the moved folder. The journal
 * records the trash folder first, so an interrupted delete is finished by the next removal or doctor.
 */
async function removeWorktreeFast(
  ctx: Context,
  laneName: string,
  worktree: { path: string; adminDir: string | undefined },
): Promise<void> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  const adminDir = worktree.adminDir;
  const adminOk =
    adminDir !== undefined && canonicalPath(dirname(adminDir)) === canonicalPath(join(repo.commonDir, 'worktrees'));
  if (existsSync(worktree.path)) {
    const trash = join(dirname(worktree.path), `${TRASH_PREFIX}${laneName}-${process.pid}-${Date.now()}`);
    store.addStep(laneName, 'trash', { dir: trash });
    try {
      renameSync(worktree.path, trash);
    } catch (err) {
      // Another file system in between (EXDEV) or a busy folder: git's own removal, forced (the work was judged).
      ctx.io.err(`lanes: could not move ${worktree.path} aside (${errorMessage(err)}); removing it in place`);
      await git.removeWorktree(repo.mainRoot, worktree.path, true);
      return;
    }
  }
  if (adminOk && existsSync(adminDir)) rmSync(adminDir, { recursive: true, force: true });
  else await git.pruneWorktrees(repo.mainRoot);
}

/**
 * Deletes the folders this lane's removals moved aside (journaled), `rm -rf` where there is one: much faster than a
 * walk in JS.
 */
async function removeTrash(ctx: Context, laneName: string): Promise<void> {
  const store = await ctx.store();
  for (const step of store.steps(laneName)) {
    if (step.step !== 'trash') continue;
    const { dir } = step.data;
    if (!basename(dir).startsWith(TRASH_PREFIX) || !existsSync(dir)) continue;
    await deleteFolder(dir);
  }
}

export async function deleteFolder(dir: string): Promise<void> {
  if (sep === '/') {
    const res = await exec('rm', ['-rf', '--', dir], { check: false, timeoutMs: 600_000 }).catch(() => undefined);
    if (res?.exitCode === 0 && !existsSync(dir)) return;
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Trash folders beside `folder` left by removals whose process died. */
export function strayTrash(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((n) => n.startsWith(TRASH_PREFIX))
      .map((n) => join(folder, n));
  } catch {
    return [];
  }
}
