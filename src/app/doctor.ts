/**
 * `lanes doctor`: finds where the state, git and the disk disagree, and with --fix repairs what is
 * safe to repair. Anything that could hold work (an unknown worktree, a branch with unmerged
 * commits) is reported with the command to run, never removed.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage } from '../domain/errors.js';
import { worktreePath } from '../domain/naming.js';
import { shellCommand } from '../domain/shell-quote.js';
import * as git from '../infra/git.js';
import type { Context } from './context.js';
import { loadDbBranches } from './db-branches.js';
import { findOrphanDatabases } from './lane-data.js';
import { rollbackLane } from './lane-steps.js';
import { findStaleLeases } from './port-leases-doctor.js';
import { isProcessAlive } from './process-alive.js';
import { assessWork, refusalReasons, removeLane } from './remove-lane.js';

export type ProblemKind = 'interrupted-operation' | 'missing-worktree' | 'orphan-worktree' | 'prunable-worktree' | 'left-branch' | 'stale-lease' | 'orphan-database';

export interface Problem {
  kind: ProblemKind;
  lane: string | null;
  detail: string;
  fixed: boolean;
}

export async function doctor(ctx: Context, opts: { fix: boolean }): Promise<Problem[]> {
  const [repo, config, store] = await Promise.all([ctx.repo(), ctx.config(), ctx.store()]);
  const problems: Problem[] = [];
  const report = (kind: ProblemKind, lane: string | null, detail: string, fixed = false) => problems.push({ kind, lane, detail, fixed });

  // Lanes whose creating or removing process died mid-way: the stale lock of lanes.
  for (const lane of store.listLanes()) {
    const op = store.operationOf(lane.name);
    if (!op || isProcessAlive(op.pid)) continue;
    let fixed = false;
    let detail = `lane ${lane.name}: ${op.kind} interrupted (process ${op.pid} is gone)`;
    if (opts.fix) {
      if (op.kind === 'create') {
        // A lane still being created was never handed to anyone: files in it are lanes' own (copies,
        // hook output). Only commits would be someone's work.
        const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${lane.branch}`);
        if (tip !== undefined && tip !== lane.baseCommit) detail += `; not undone: branch ${lane.branch} already has commits`;
        else {
          const left = await rollbackLane(ctx, lane.name);
          fixed = left.length === 0;
          if (!fixed) detail += `; ${left.join('; ')}`;
        }
      } else {
        try {
          await removeLane(ctx, lane, {});
          fixed = true;
        } catch (err) {
          store.setOperation(lane.name, undefined);
          detail += `; removal not finished: ${errorMessage(err)}`;
        }
      }
    }
    report('interrupted-operation', lane.name, detail, fixed);
  }

  const worktrees = await git.listWorktrees(repo.mainRoot);
  const byPath = new Map(worktrees.map((w) => [w.path, w]));
  const lanes = store.listLanes().filter((l) => !store.operationOf(l.name));

  for (const w of worktrees.filter((w) => w.prunable)) {
    if (opts.fix) await git.pruneWorktrees(repo.mainRoot);
    report('prunable-worktree', null, `git knows a worktree at ${w.path} whose directory is gone`, opts.fix);
  }

  for (const lane of lanes) {
    const w = byPath.get(lane.path);
    if (w && !w.prunable && existsSync(lane.path)) continue;
    let fixed = false;
    let detail = `lane ${lane.name}: its worktree ${lane.path} is gone`;
    if (opts.fix) {
      const risk = await assessWork(ctx, lane);
      const reasons = refusalReasons(lane, risk, false);
      if (reasons.length === 0) {
        await removeLane(ctx, lane, {});
        fixed = true;
      } else detail += `; kept: ${reasons.join('; ')} (${shellCommand(['lanes', 'rm', '--keep-branch', lane.name])} keeps the branch)`;
    }
    report('missing-worktree', lane.name, detail, fixed);
  }

  const laneFolder = dirname(worktreePath('x', { root: repo.mainRoot, name: repo.name, parent: repo.parent }, config.templates.worktree));
  const lanePaths = new Set(store.listLanes().map((l) => l.path));
  for (const w of worktrees) {
    if (w.path === repo.mainRoot || lanePaths.has(w.path) || dirname(w.path) !== laneFolder || w.prunable) continue;
    report('orphan-worktree', null, `worktree ${w.path} (branch ${w.branch ?? 'detached'}) has no lane record; inspect it, then ${shellCommand(['git', 'worktree', 'remove', w.path])}`);
  }


  const liveBranches = new Set(store.listLanes().map((l) => l.branch));
  for (const { name, branch } of store.removedBranches()) {
    if (liveBranches.has(branch)) continue;
    const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${branch}`);
    if (!tip) continue;
    const base = config.base ?? (await git.defaultBase(repo.mainRoot).catch(() => 'HEAD'));
    const safe = (await git.isPushed(repo.mainRoot, tip)) || (await git.isIntegrated(repo.mainRoot, tip, base));
    const inUse = worktrees.some((w) => w.branch === branch);
    let fixed = false;
    if (opts.fix && safe && !inUse) {
      await git.deleteBranch(repo.mainRoot, branch, tip);
      fixed = true;
    }
    report('left-branch', name, `branch ${branch} of removed lane ${name} is still there${safe ? '' : ' with unmerged commits (kept)'}`, fixed);
  }

  // Database branches of this repository (by the owner prefix in their names) that no lane owns.
  try {
    const orphans = await findOrphanDatabases(ctx);
    const db = await loadDbBranches(ctx);
    for (const name of orphans.names) {
      let fixed = false;
      let detail = `${orphans.provider} database ${name} belongs to no lane`;
      if (opts.fix && db) {
        try {
          await db.drop({ name, url: '' }, ctx.signal);
          fixed = true;
        } catch (err) {
          detail += `; not dropped: ${errorMessage(err)}`;
        }
      }
      report('orphan-database', null, detail, fixed);
    }
  } catch (err) {
    ctx.io.err(`lanes: could not list database branches: ${errorMessage(err)}`);
  }
  // Machine-wide port leases of repositories or lanes that are gone.
  problems.push(...(await findStaleLeases(ctx, opts)));
  return problems;
}
