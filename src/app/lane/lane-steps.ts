/**
 * Undo for each step of lane creation, driven by the step journal in the state. `lanes new` undoes
 * its own steps when a later one fails; `lanes doctor --fix` replays the same undo for a lane whose
 * creating process was killed. Every undo is idempotent and never destroys work: a branch is only
 * deleted while it still points at the commit lanes created it from.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../domain/errors.js';
import type { JournalStep, JournalStepData } from '../../domain/journal-steps.js';
import * as git from '../../infra/git.js';
import { samePath } from '../../infra/real-path.js';
import { releaseLanePorts } from './allocate-ports.js';
import type { Context } from '../context.js';
import { loadDbBranches } from './db-branches.js';

/** Undoes one step; the switch covers every kind, so a new kind cannot be journaled without its undo. */
async function undoStep(ctx: Context, step: JournalStep): Promise<void> {
  switch (step.step) {
    case 'worktree':
      return undoWorktree(ctx, step.data);
    case 'database': {
      // Journaled once the branch exists; a branch made but not yet journaled (a killed process)
      // is an orphan-database that lanes doctor finds by its name.
      const db = await loadDbBranches(ctx);
      if (db) await db.drop(step.data);
      return;
    }
    case 'dependency-staging':
      // The folder dependencies are cloned into while the worktree is being checked out; lanes' own.
      if (step.data.dir) rmSync(step.data.dir, { recursive: true, force: true });
      return;
    case 'dependencies': {
      // Journaled before copying: only folders the lane did not hold before, only inside the lane.
      const { path, dirs } = step.data;
      for (const d of dirs)
        if (d && !d.split(/[\\/]/).includes('..')) rmSync(join(path, d), { recursive: true, force: true });
      return;
    }
    case 'trash':
      // A removal's folder moved aside: the removal or doctor finishes deleting it; nothing to undo.
      return;
  }
}

async function undoWorktree(ctx: Context, { path, branch, baseCommit }: JournalStepData<'worktree'>): Promise<void> {
  const repo = await ctx.repo();
  const registered = (await git.listWorktrees(repo.mainRoot)).some((w) => samePath(w.path, path));
  if (registered && existsSync(path)) await git.removeWorktree(repo.mainRoot, path, true);
  await git.pruneWorktrees(repo.mainRoot);
  // An interrupted `git worktree add` can leave a half-checked-out folder git no longer knows.
  // The plan checked the path was absent or empty, so whatever is there now came from this step.
  if (existsSync(path)) rmSync(path, { recursive: true, force: true });
  const tip = await git.resolveCommit(repo.mainRoot, `refs/heads/${branch}`);
  if (tip === baseCommit) await git.deleteBranch(repo.mainRoot, branch, baseCommit);
  else if (tip) ctx.io.err(`lanes: kept branch ${branch}: it has moved since lanes created it`);
}

/**
 * Undoes the journaled steps of a lane in reverse order, then forgets the lane. Cleanup failures are reported, not
 * hidden.
 */
export async function rollbackLane(ctx: Context, lane: string): Promise<string[]> {
  const store = await ctx.store();
  const problems: string[] = [];
  // A step this version does not know (journaled by another lanes version) cannot be undone here: said, then skipped.
  const steps = store.steps(lane, (problem) => ctx.io.err(`lanes: ${problem}`)).reverse();
  for (const step of steps) {
    try {
      await undoStep(ctx, step);
    } catch (err) {
      problems.push(`could not undo ${step.step} of lane ${lane}: ${errorMessage(err)}`);
    }
  }
  if (problems.length === 0) {
    store.deleteLane(lane);
    await releaseLanePorts(ctx, lane);
  }
  return problems;
}
