/**
 * `lanes doctor`: finds where the state, git and the disk disagree, and with --fix repairs what is
 * safe to repair. Anything that could hold work (an unknown worktree, a branch with unmerged
 * commits) is reported with the command to run, never removed.
 *
 * Races: every repair takes the lane's lock by compare-and-set first (a lane being created or
 * removed by a live process is skipped; two doctors never repair the same lane), and re-checks
 * under it. Paths are compared by real path; a worktree git reports elsewhere is followed.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { RefusedError, StateError, errorMessage } from '../domain/errors.js';
import { worktreePath } from '../domain/naming.js';
import { shellCommand } from '../domain/shell-quote.js';
import * as git from '../infra/git.js';
import { canonicalPath } from '../infra/real-path.js';
import type { Context } from './context.js';
import { loadDbBranches } from './lane/db-branches.js';
import { findOrphanDatabases } from './lane/lane-data.js';
import { rollbackLane } from './lane/lane-steps.js';
import { locateWorktree } from './lane/lane-work.js';
import { isProcessAlive, isRecordedProcessAlive } from '../infra/process-alive.js';
import { deleteFolder, removeLane, strayTrash } from './remove-lane.js';
import { findStaleLeases } from './lane/port-leases-doctor.js';
import { checkLandRuns } from './landing/land-doctor.js';
import { isActive, reconcileRun } from './agents/runs.js';
import {
  ownerAlive,
  removeReviewCheckout,
  reviewCheckoutsLeft,
  type ReviewCheckout,
} from './validation/review-checkout.js';

export type ProblemKind =
  | 'interrupted-operation'
  | 'missing-worktree'
  | 'moved-worktree'
  | 'missing-branch'
  | 'orphan-worktree'
  | 'prunable-worktree'
  | 'left-branch'
  | 'stale-lease'
  | 'orphan-database'
  | 'leftover-trash'
  | 'review-checkout'
  | 'interrupted-land'
  | 'remote-leftover'
  | 'check-failed';

export interface Problem {
  kind: ProblemKind;
  lane: string | null;
  detail: string;
  fixed: boolean;
}

export async function doctor(ctx: Context, opts: { fix: boolean }): Promise<Problem[]> {
  const problems: Problem[] = [];
  const report = (kind: ProblemKind, lane: string | null, detail: string, fixed = false) =>
    problems.push({ kind, lane, detail, fixed });
  // Each check stands alone: one that fails is reported and the others still run (and --json still prints).
  const checks: [string, (r: typeof report) => Promise<void>][] = [
    ['interrupted operations', (r) => checkInterrupted(ctx, opts.fix, r)],
    ['lane worktrees', (r) => checkLaneWorktrees(ctx, opts.fix, r)],
    ['worktrees', (r) => checkWorktrees(ctx, opts.fix, r)],
    ['review checkouts', (r) => checkReviewCheckouts(ctx, opts.fix, r)],
    [
      'landing runs',
      (r) => checkLandRuns(ctx, opts.fix, (lane, detail, fixed) => r('interrupted-land', lane, detail, fixed)),
    ],
    ['port leases', (r) => checkLeases(ctx, opts.fix, r)],
    ['left branches', (r) => checkLeftBranches(ctx, opts.fix, r)],
    ['database branches', (r) => checkDatabases(ctx, opts.fix, r)],
    ['remote runners', (r) => checkRemoteLeftovers(ctx, opts.fix, r)],
  ];
  for (const [what, check] of checks) {
    try {
      await check(report);
    } catch (err) {
      // An unusable state (or Ctrl-C) is not one check's problem: every check would fail the same way.
      if (ctx.signal.aborted || err instanceof StateError) throw err;
      report('check-failed', null, `could not check ${what}: ${errorMessage(err)}`);
    }
  }
  return problems;
}

type Report = (kind: ProblemKind, lane: string | null, detail: string, fixed?: boolean) => void;

/**
 * What this repository's runs left on runners configured under `runners` (Kubernetes Jobs) whose
 * lane is gone or whose run is not running; --fix deletes them. A repository with no such runner
 * never contacts a cluster.
 */
async function checkRemoteLeftovers(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const config = await ctx.config();
  const runners = Object.entries(config.runners);
  if (runners.length === 0) return;
  const [executors, store, repo] = await Promise.all([ctx.remoteExecutors(), ctx.store(), ctx.repo()]);
  // Two runners on one cluster and namespace list the same Jobs: each is reported once.
  const seen = new Set<string>();
  for (const [runner, settings] of runners) {
    const executor = executors.get(settings.type);
    if (!executor?.leftovers) continue;
    for (const left of await executor.leftovers({ runner, settings, commonDir: repo.commonDir, env: ctx.env })) {
      if (seen.has(left.description)) continue;
      seen.add(left.description);
      const lane = left.lane === undefined ? undefined : store.getLane(left.lane);
      // State of no particular run (an SSH host's worktree of the lane) is the lane's while it exists.
      if (left.runId === undefined && lane) continue;
      const run = left.runId === undefined ? undefined : store.getRun(left.runId);
      const live = lane && run && run.lane === lane.name && (run.status === 'starting' || run.status === 'running');
      if (live) continue;
      const why = !lane
        ? `lane ${left.lane ?? '?'} does not exist`
        : `run ${left.runId ?? '?'} of lane ${lane.name} is ${run ? run.status : 'not recorded'}`;
      let fixed = false;
      if (fix) {
        await left.remove();
        fixed = true;
      }
      report(
        'remote-leftover',
        lane?.name ?? null,
        `runner ${runner}: ${left.description}: ${why}${fixed ? '; deleted' : ''}`,
        fixed,
      );
    }
  }
}

/** Lanes whose creating or removing process died mid-way: the stale lock of lanes. */
async function checkInterrupted(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  for (const claim of store.repairClaims()) {
    if (isRecordedProcessAlive(claim.pid, claim.started)) continue;
    const fixed = fix && store.dropRepairClaim(claim.name, claim.pid);
    report(
      'interrupted-operation',
      claim.name,
      `a repair of ${claim.name} was interrupted (process ${claim.pid} is gone)`,
      fixed,
    );
  }
  for (const lane of store.listLanes()) {
    const op = store.operationOf(lane.name);
    if (!op || isRecordedProcessAlive(op.pid, op.started)) continue;
    let fixed = false;
    let detail = `lane ${lane.name}: ${op.kind} interrupted (process ${op.pid} is gone)`;
    if (fix) {
      if (op.kind === 'create') {
        // Take the lock from the dead process first: another doctor racing us skips this lane.
        if (
          !store.claimOperation(
            lane.name,
            { kind: 'repair', pid: process.pid, started: new Date().toISOString() },
            op.pid,
          )
        ) {
          detail += '; skipped: another process took it over';
        } else {
          // A lane still being created was never handed to anyone: files in it are lanes' own (copies,
          // hook output). Only commits would be someone's work.
          const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`);
          if (tip !== undefined && tip !== lane.baseCommit) {
            detail += `; not undone: branch ${lane.branch} already has commits`;
            store.releaseOperation(lane.name, process.pid);
          } else {
            const left = await rollbackLane(ctx, lane.name);
            fixed = left.length === 0;
            if (!fixed) {
              detail += `; ${left.join('; ')}`;
              store.releaseOperation(lane.name, process.pid);
            }
          }
        }
      } else {
        try {
          await removeLane(ctx, lane, { takeOverFrom: op.pid });
          fixed = true;
        } catch (err) {
          // Judged again under the lock and refused: the lane is unlocked and usable again. Failed
          // midway: the lock stays with this process, and the next doctor resumes.
          detail += `; removal not finished: ${errorMessage(err)}`;
        }
      }
    }
    report('interrupted-operation', lane.name, detail, fixed);
  }
}

/** Lanes whose worktree is gone, moved, or whose branch was deleted. */
async function checkLaneWorktrees(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  for (const lane of store.listLanes()) {
    if (store.operationOf(lane.name)) continue;
    const { worktree } = await locateWorktree(ctx, lane);
    if (worktree && existsSync(worktree.path)) {
      if (worktree.moved) {
        let fixed = false;
        if (fix) fixed = store.updateLane(lane.name, (l) => ({ ...l, path: worktree.path })) !== undefined;
        report(
          'moved-worktree',
          lane.name,
          `lane ${lane.name}: its worktree was moved from ${lane.path} to ${worktree.path}${fixed ? '; the record now follows it' : ''}`,
          fixed,
        );
      }
      const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`);
      if (tip === undefined && worktree.branch === lane.branch) {
        // The branch was deleted while checked out: the worktree is on an unborn branch. Its HEAD
        // reflog still knows the last commit, so the branch can be put back where it was.
        const last = (await git.headReflog(worktree.path))[0]?.commit;
        let fixed = false;
        if (fix && last)
          fixed =
            (await git.git(repo.mainRoot, ['update-ref', `refs/heads/${lane.branch}`, last, ''], { check: false }))
              .exitCode === 0;
        report(
          'missing-branch',
          lane.name,
          `lane ${lane.name}: branch ${lane.branch} was deleted while its worktree had it checked out${last ? `; it was at ${last.slice(0, 12)}` : ''}${fixed ? '; recreated there' : ''}`,
          fixed,
        );
      }
      continue;
    }
    let fixed = false;
    let detail = `lane ${lane.name}: its worktree ${lane.path} is gone`;
    if (fix) {
      // removeLane judges the lane under its lock, once; a refusal is what doctor reports as kept.
      try {
        await removeLane(ctx, lane, {});
        fixed = true;
      } catch (err) {
        if (err instanceof RefusedError) {
          const keep = shellCommand(['lanes', 'rm', '--keep-branch', lane.name]);
          detail += `; kept: ${err.reasons.join('; ')} (${keep} keeps the branch)`;
        } else detail += `; not removed: ${errorMessage(err)}`;
      }
    }
    report('missing-worktree', lane.name, detail, fixed);
  }
}

async function checkWorktrees(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const worktrees = await git.listWorktrees(repo.mainRoot);
  for (const w of worktrees.filter((x) => x.prunable && !x.locked)) {
    if (fix) await git.pruneWorktrees(repo.mainRoot);
    report('prunable-worktree', null, `git knows a worktree at ${w.path} whose directory is gone`, fix);
  }
  const laneFolder = canonicalPath(
    dirname(
      worktreePath('x', { root: repo.mainRoot, name: repo.name, parent: repo.parent }, config.templates.worktree),
    ),
  );
  const lanes = store.listLanes();
  const lanePaths = new Set(lanes.map((l) => canonicalPath(l.path)));
  const laneBranches = new Set(lanes.map((l) => l.branch));
  const main = canonicalPath(repo.mainRoot);
  for (const w of worktrees) {
    const real = canonicalPath(w.path);
    if (
      real === main ||
      lanePaths.has(real) ||
      (w.branch && laneBranches.has(w.branch)) ||
      dirname(real) !== laneFolder ||
      w.prunable
    )
      continue;
    report(
      'orphan-worktree',
      null,
      `worktree ${w.path} (branch ${w.branch ?? 'detached'}) has no lane record; inspect it, then ${shellCommand(['git', 'worktree', 'remove', w.path])}`,
    );
  }
  // Folders a removal moved aside and did not get to delete (its process died). Their content was
  // judged (or backed up) before the move; a live removal's own folder is left to it.
  const folders = new Set([laneFolder, ...lanes.map((l) => canonicalPath(dirname(l.path)))]);
  for (const folder of folders) {
    for (const trash of strayTrash(folder)) {
      const pid = Number(/-(\d+)-\d+$/.exec(trash)?.[1]);
      if (pid && isProcessAlive(pid)) continue;
      if (fix) await deleteFolder(trash);
      report('leftover-trash', null, `${trash} is what an interrupted removal moved aside`, fix);
    }
  }
}

/**
 * Reviewers' checkouts (`.lanes-review/`) a killed review left. One is in use while the process that
 * made it lives (its lock names it), or while its review is running with a live run; the others are
 * scratch (a detached checkout of a commit that exists elsewhere) and --fix removes them.
 */
async function checkReviewCheckouts(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const [repo, store] = await Promise.all([ctx.repo(), ctx.store()]);
  const inUse = (c: ReviewCheckout): boolean => {
    if (ownerAlive(c)) return true;
    const review = c.reviewId === undefined ? undefined : store.reviews.getReview(c.reviewId);
    if (!review || review.lane !== c.lane || review.status !== 'running') return false;
    const runId = review.runIds.at(-1);
    const run = runId === undefined ? undefined : store.getRun(runId);
    return run !== undefined && isActive(reconcileRun(store, run, ctx.runners));
  };
  for (const checkout of await reviewCheckoutsLeft(repo.mainRoot, { signal: ctx.signal })) {
    if (inUse(checkout)) continue;
    let detail = `review checkout ${checkout.path} was left by a review that is no longer running`;
    let fixed = false;
    if (fix) {
      try {
        await removeReviewCheckout(repo.mainRoot, checkout.path);
        fixed = !(await reviewCheckoutsLeft(repo.mainRoot, {})).some((c) => c.path === checkout.path);
        if (!fixed) detail += '; git still lists it';
      } catch (err) {
        detail += `; not removed: ${errorMessage(err)}`;
      }
    }
    report('review-checkout', checkout.lane || null, detail, fixed);
  }
}

/** Machine-wide port leases of repositories or lanes that are gone (port-leases-doctor.ts). */
async function checkLeases(ctx: Context, fix: boolean, report: Report): Promise<void> {
  for (const p of await findStaleLeases(ctx, { fix })) report(p.kind, p.lane, p.detail, p.fixed);
}

/** Branches a removal had to leave (checked out elsewhere at the time). */
async function checkLeftBranches(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  for (const { name, branch, tip: leftAt } of store.leftBranches()) {
    const owner = store.laneOnBranch(branch);
    if (owner) {
      // A new lane took the branch name: it is that lane's now.
      if (fix) store.forgetLeftBranch(branch);
      continue;
    }
    const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${branch}`);
    if (!tip) {
      store.forgetLeftBranch(branch);
      continue;
    }
    const moved = tip !== leftAt;
    const base = config.base ?? (await git.defaultBase(repo.mainRoot).catch(() => 'HEAD'));
    const safe =
      !moved && ((await git.isIntegrated(repo.mainRoot, tip, base)) || (await verifiedPushed(repo.mainRoot, tip)));
    const inUse = (await git.listWorktrees(repo.mainRoot)).find((w) => w.branch === branch && !w.prunable);
    let fixed = false;
    let detail = `branch ${branch} of removed lane ${name} is still there`;
    if (moved) detail += ' and has moved since (kept: someone works on it)';
    else if (!safe) detail += ' with unmerged commits (kept)';
    else if (inUse) detail += ` (kept: checked out in ${inUse.path})`;
    if (fix && safe && !inUse) {
      // Hold the name while deleting, so a `lanes new` of the same lane cannot create the branch in between.
      if (store.claimName(name, process.pid)) {
        try {
          if (!store.laneOnBranch(branch)) {
            fixed =
              (await git.git(repo.mainRoot, ['update-ref', '-d', `refs/heads/${branch}`, tip], { check: false }))
                .exitCode === 0;
            if (fixed) store.forgetLeftBranch(branch);
          }
        } finally {
          store.releaseName(name, process.pid);
        }
      } else detail += ' (a lane of that name is being made; skipped)';
    }
    if (moved && fix) store.forgetLeftBranch(branch);
    report('left-branch', name, detail, fixed);
  }
}

async function verifiedPushed(cwd: string, tip: string): Promise<boolean> {
  for (const ref of await git.trackingRefsContaining(cwd, tip)) {
    const heads = await git.fetchRemoteHeads(cwd, ref.remote).catch(() => undefined);
    const now = heads?.get(ref.branch);
    if (now && (now === tip || ((await git.hasCommit(cwd, now)) && (await git.isAncestor(cwd, tip, now))))) return true;
  }
  return false;
}

/** Database branches of this repository (by the owner prefix in their names) that no lane owns. */
async function checkDatabases(ctx: Context, fix: boolean, report: Report): Promise<void> {
  const orphans = await findOrphanDatabases(ctx);
  const db = await loadDbBranches(ctx);
  for (const name of orphans.names) {
    let fixed = false;
    let detail = `${orphans.provider} database ${name} belongs to no lane`;
    if (fix && db) {
      try {
        await db.drop({ name, url: '' }, ctx.signal);
        fixed = true;
      } catch (err) {
        detail += `; not dropped: ${errorMessage(err)}`;
      }
    }
    report('orphan-database', null, detail, fixed);
  }
}
