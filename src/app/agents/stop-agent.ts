/** `lanes stop`: ends a lane's running agent through its supervisor, which records "stopped". */
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { isActive, latestRunOf, reconcileRun, setLaneAgentState, waitForRun } from './runs.js';

export async function stopRun(ctx: Context, run: RunRecord): Promise<RunRecord> {
  const store = await ctx.store();
  if (run.supervisorPid !== null) {
    try {
      process.kill(run.supervisorPid, 'SIGTERM');
    } catch {
      // Already gone: reconcileRun below records it.
    }
  }
  // The supervisor stops the agent's process group (SIGKILL after 5 s) and writes the outcome.
  const deadline = AbortSignal.timeout(15_000);
  const finished = await waitForRun(store, run.id, deadline);
  if (!isActive(finished)) return finished;
  store.updateRun(run.id, { status: 'stopped', endedAt: new Date().toISOString(), reason: 'stopped; the supervisor did not answer and was abandoned' });
  setLaneAgentState(store, run.lane, 'stopped');
  return reconcileRun(store, store.getRun(run.id)!);
}

export async function stopAgent(ctx: Context, lane: LaneRecord): Promise<RunRecord> {
  const store = await ctx.store();
  const run = latestRunOf(store, lane);
  if (!run || !isActive(run)) throw new InputError(`lane ${lane.name} has no running agent${run ? ` (its last run is ${run.status})` : ''}`);
  return stopRun(ctx, run);
}
