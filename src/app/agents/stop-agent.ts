/** `lanes stop`: ends a lane's running agent through its supervisor, which records "stopped". */
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { isActive, latestRunOf, reconcileRun, runnerOf, setLaneAgentState, waitForRun } from './runs.js';

export async function stopRun(ctx: Context, run: RunRecord): Promise<RunRecord> {
  const store = await ctx.store();
  const runner = runnerOf(ctx.runners, run);
  // A supervisor started in tmux records its pid itself, a moment after lanes start returns.
  let current = run;
  for (let waited = 0; current.supervisorPid === null && waited < 5_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    const now = store.getRun(run.id);
    if (!now || !isActive(now)) return now ?? run;
    current = now;
  }
  // The supervisor stops the agent's process group (SIGKILL after 5 s) and writes the outcome; a
  // supervisor that never started finds its run stopped and does not start the agent.
  await runner.stop(current);
  const deadline = AbortSignal.timeout(15_000);
  const finished = await waitForRun(store, ctx.runners, run.id, deadline);
  if (!isActive(finished)) return finished;
  // The supervisor is stuck: end it and the agent's process group outright, so nothing lingers.
  await runner.kill(finished);
  store.updateRun(run.id, {
    status: 'stopped',
    endedAt: ctx.clock.now().toISOString(),
    reason: 'stopped; the supervisor did not answer and was abandoned',
  });
  setLaneAgentState(store, run.lane, 'stopped');
  return reconcileRun(store, store.getRun(run.id)!, ctx.runners);
}

export async function stopAgent(ctx: Context, lane: LaneRecord): Promise<RunRecord> {
  const store = await ctx.store();
  const run = latestRunOf(store, lane, ctx.runners);
  if (!run || !isActive(run))
    throw new InputError(`lane ${lane.name} has no running agent${run ? ` (its last run is ${run.status})` : ''}`);
  return stopRun(ctx, run);
}

/** `lanes stop --all`: every lane's running agent, stopped at once (each waits on its own supervisor). */
export async function stopAllAgents(ctx: Context): Promise<RunRecord[]> {
  const store = await ctx.store();
  const active = store
    .listLanes()
    .map((lane) => latestRunOf(store, lane, ctx.runners))
    .filter((run): run is RunRecord => run !== undefined && isActive(run));
  return Promise.all(active.map((run) => stopRun(ctx, run)));
}
