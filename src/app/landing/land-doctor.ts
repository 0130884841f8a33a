/**
 * `lanes doctor`'s part for the landing queue: a `lanes sync` or `lanes land` whose process died
 * leaves its run marked running. Its journal says which lane it was rewriting (a `sync` step with no
 * `synced` or `restored` after it) and from which head, kept under a backup ref. Repair:
 * - a lane still mid-rebase (or mid-merge) is aborted and restored to that head (the old state);
 * - a lane whose rewrite had finished (no operation in progress, the branch moved) keeps the new state;
 * - the base is never moved back: an `advance` without `landed` left it at the old or the new commit,
 *   both of which are states the queue allows.
 * A lane whose resolve agent still works is left alone (stop it first).
 */
import { errorMessage } from '../../domain/errors.js';
import * as git from '../../infra/git.js';
import type { LandStep } from '../../infra/land-store.js';
import { isRecordedProcessAlive } from '../../infra/process-alive.js';
import type { Context } from '../context.js';
import { isActive, latestRunOf } from '../agents/runs.js';
import { operationInProgress, restoreLane } from './sync-lane.js';

export type LandReport = (lane: string | null, detail: string, fixed: boolean) => void;

export async function checkLandRuns(ctx: Context, fix: boolean, report: LandReport): Promise<void> {
  const store = await ctx.store();
  for (const run of store.landRuns.running()) {
    if (isRecordedProcessAlive(run.pid, run.startedAt)) continue;
    const what = `lanes ${run.kind} (run ${run.id}, process ${run.pid})`;
    const open = openSyncs(run.steps);
    let allFixed = true;
    for (const step of open) {
      const lane = store.getLane(step.lane);
      const detail = `${what} was interrupted while syncing lane ${step.lane} (old head ${step.from?.slice(0, 12)} kept at ${step.backup})`;
      if (!lane || !step.from || !step.worktree) {
        report(step.lane, `${detail}; the lane is gone, nothing to restore`, fix);
        continue;
      }
      const agent = latestRunOf(store, lane, ctx.runners);
      if (agent && isActive(agent)) {
        allFixed = false;
        report(
          step.lane,
          `${detail}; its ${agent.phase} agent is still ${agent.status}: lanes stop ${lane.name} first`,
          false,
        );
        continue;
      }
      const inProgress = await operationInProgress(step.worktree, ctx.signal);
      const tip = await git.resolveCommit(step.worktree, `refs/heads/${lane.branch}`, { signal: ctx.signal });
      if (!inProgress && tip !== step.from) {
        report(step.lane, `${detail}; the rewrite had finished (now ${tip?.slice(0, 12)}): kept`, fix);
        continue;
      }
      if (!fix) {
        allFixed = false;
        report(
          step.lane,
          `${detail}; ${inProgress ? `a ${inProgress} is in progress` : 'nothing changed'}: --fix restores it`,
          false,
        );
        continue;
      }
      try {
        await restoreLane(ctx, { name: lane.name, branch: lane.branch, path: step.worktree }, step.from);
        store.landRuns.addStep(run.id, {
          lane: lane.name,
          step: 'restored',
          at: ctx.clock.now().toISOString(),
          from: step.from,
          backup: step.backup,
          reason: 'lanes doctor --fix',
        });
        report(step.lane, `${detail}; restored to ${step.from.slice(0, 12)}`, true);
      } catch (err) {
        allFixed = false;
        report(step.lane, `${detail}; not restored: ${errorMessage(err)}`, false);
      }
    }
    if (open.length === 0) report(null, `${what} was interrupted between lanes; nothing was mid-way`, fix);
    if (fix && allFixed) store.landRuns.finish(run.id, 'repaired');
  }
}

/** Each lane's last `sync` step that has no `synced` or `restored` after it. */
function openSyncs(steps: readonly LandStep[]): LandStep[] {
  const open = new Map<string, LandStep>();
  for (const s of steps) {
    if (s.step === 'sync') open.set(s.lane, s);
    else if (s.step === 'synced' || s.step === 'restored') open.delete(s.lane);
  }
  return [...open.values()];
}
