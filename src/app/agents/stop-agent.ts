/** `lanes stop`: ends a lane's running agent through its supervisor, which records "stopped". */
import { InputError } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import type { RunRecord } from '../../infra/store.js';
import type { Context } from '../context.js';
import { isProcessAlive } from '../process-alive.js';
import { isActive, isRunProcessAlive, latestRunOf, reconcileRun, setLaneAgentState, waitForRun } from './runs.js';

export async function stopRun(ctx: Context, run: RunRecord): Promise<RunRecord> {
  const store = await ctx.store();
  // A supervisor started in tmux records its pid itself, a moment after lanes start returns.
  let pid = run.supervisorPid;
  for (let waited = 0; pid === null && waited < 5_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    const now = store.getRun(run.id);
    if (!now || !isActive(now)) return now ?? run;
    pid = now.supervisorPid;
  }
  // A pid reused by another process since is never signalled.
  if (pid !== null && !isReused(run, pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone: reconcileRun below records it.
    }
  }
  // The supervisor stops the agent's process group (SIGKILL after 5 s) and writes the outcome; a
  // supervisor that never started finds its run stopped and does not start the agent.
  const deadline = AbortSignal.timeout(15_000);
  const finished = await waitForRun(store, run.id, deadline);
  if (!isActive(finished)) return finished;
  // The supervisor is stuck: end it and the agent's process group outright, so nothing lingers.
  for (const [target, recorded] of [[finished.agentPid === null ? null : -finished.agentPid, finished.agentPid], [finished.supervisorPid, finished.supervisorPid]] as const) {
    if (target === null || recorded === null || isReused(finished, recorded)) continue;
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
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

/**
 * A live process under the recorded pid that started too late to be the run's: signalling it
 * would hit a stranger. A dead leader's process group can only still be the run's, so it is fair game.
 */
function isReused(run: RunRecord, pid: number): boolean {
  return isProcessAlive(pid) && !isRunProcessAlive(run, pid);
}

/** `lanes stop --all`: every lane's running agent, stopped at once (each waits on its own supervisor). */
export async function stopAllAgents(ctx: Context): Promise<RunRecord[]> {
  const store = await ctx.store();
  const active = store
    .listLanes()
    .map((lane) => latestRunOf(store, lane))
    .filter((run): run is RunRecord => run !== undefined && isActive(run));
  return Promise.all(active.map((run) => stopRun(ctx, run)));
}
