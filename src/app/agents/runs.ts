/**
 * Reading and waiting on agent runs. A run's row is written by its supervisor process; a reader
 * that finds a run "active" whose supervisor is gone (killed, machine restarted) marks it failed,
 * so no lane claims an agent that no longer exists.
 */
import type { Runner, Runners } from '../../contracts/runner.js';
import { onAbort } from '../../domain/abort-watch.js';
import { totalTokens } from '../../domain/agent-events.js';
import type { AgentState, LaneRecord } from '../../domain/lane.js';
import type { RunPhase } from '../../domain/phases.js';
import { FINISHED_RUN_STATUSES, type RunRecord, type RunStatus, type StateStore } from '../../infra/store.js';

export function isActive(run: RunRecord): boolean {
  return !FINISHED_RUN_STATUSES.includes(run.status);
}

export function agentStateOf(status: RunStatus): AgentState {
  return status === 'done'
    ? 'done'
    : status === 'failed'
      ? 'failed'
      : status === 'stopped'
        ? 'stopped'
        : status === 'waiting'
          ? 'waiting'
          : status === 'starting'
            ? 'starting'
            : 'running';
}

/**
 * The runner a run was started with. A run recorded under a runner this process does not have (a
 * newer lanes, a test's runner) is judged by the default runner, which knows local processes.
 */
export function runnerOf(runners: Runners, run: Pick<RunRecord, 'runner'>): Runner {
  return runners.get(run.runner) ?? runners.get(runners.defaultName)!;
}

/** The run as it really is: an active run without a live supervisor is failed on the spot. */
export function reconcileRun(store: StateStore, run: RunRecord, runners: Runners): RunRecord {
  if (!isActive(run)) return run;
  if (runnerOf(runners, run).alive(run)) return run;
  // A run is "starting" for a moment before its supervisor records its pid.
  if (run.supervisorPid === null && Date.now() - Date.parse(run.startedAt) < 30_000) return run;
  const reason = 'the agent supervisor is gone (killed or the machine restarted); lanes start resumes the lane';
  store.updateRun(run.id, { status: 'failed', endedAt: new Date().toISOString(), reason });
  // A reviewer's run is beside the lane's agent, not its agent (supervise.ts: leavesLaneState).
  if (run.phase !== 'review') setLaneAgentState(store, run.lane, 'failed');
  return store.getRun(run.id) ?? run;
}

export function latestRunOf(store: StateStore, lane: LaneRecord, runners: Runners): RunRecord | undefined {
  const run = store.latestRun(lane.name, lane.createdAt);
  return run ? reconcileRun(store, run, runners) : undefined;
}

/** The lane's agent state, and with `agentPhase` the phase its agent now works on. */
export function setLaneAgentState(
  store: StateStore,
  lane: string,
  agentState: AgentState,
  agentPhase?: RunPhase,
): void {
  store.updateLane(lane, (r) => ({ ...r, agentState, ...(agentPhase ? { agentPhase } : {}) }));
}

/** Resolves when the run has finished; polls the shared state, since the supervisor is another process. */
export async function waitForRun(
  store: StateStore,
  runners: Runners,
  runId: number,
  signal?: AbortSignal,
  pollMs = 200,
): Promise<RunRecord> {
  for (;;) {
    const run = store.getRun(runId);
    if (!run) throw new Error(`run ${runId} vanished from the state`);
    const current = reconcileRun(store, run, runners);
    if (!isActive(current)) return current;
    if (signal?.aborted) return current;
    await pause(pollMs, signal);
  }
}

/** Waits `ms`, or less if `signal` aborts; its abort listener lives only as long as the wait. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stopWatching();
      resolve();
    };
    const timer = setTimeout(done, ms);
    // Shared with every other wait and command under this signal: `lanes run --parallel 20` waits
    // on twenty runs at once.
    const stopWatching = onAbort(signal, done);
  });
}

/** Every token a run used, over all its models. */
export function runTokens(run: Pick<RunRecord, 'usage'>): number {
  return Object.values(run.usage ?? {}).reduce((sum, u) => sum + totalTokens(u), 0);
}

export function durationMs(run: RunRecord): number | null {
  if (!run.endedAt) return null;
  return Date.parse(run.endedAt) - Date.parse(run.startedAt);
}
