/**
 * What the local runners (headless, tmux) share: their supervisor is a process on this machine
 * that records its pid in the run, so stopping, killing and liveness are signals through the
 * process gateway, each guarded against a pid the kernel has since given to someone else.
 */
import type { Runner, RunnerRun } from '../../contracts/runner.js';
import { signalProcess } from '../../infra/exec.js';
import { isProcessAlive, isRecordedProcessAlive } from '../../infra/process-alive.js';

/**
 * A run's started_at is written before its supervisor is spawned, and the issue is fetched in
 * between (over the network for remote trackers); a process that started later than this after
 * it cannot be the run's supervisor or agent, but a pid reused by a newer process is.
 */
const RUN_SPAWN_ALLOWANCE_MS = 10 * 60_000;

/** Whether `pid`, recorded for this run (its supervisor or agent), is still that process. */
function isRunProcessAlive(run: RunnerRun, pid: number): boolean {
  return isRecordedProcessAlive(pid, run.startedAt, RUN_SPAWN_ALLOWANCE_MS);
}

/**
 * A live process under the recorded pid that started too late to be the run's: signalling it
 * would hit a stranger. A dead leader's process group can only still be the run's, so it is fair game.
 */
function isReused(run: RunnerRun, pid: number): boolean {
  return isProcessAlive(pid) && !isRunProcessAlive(run, pid);
}

export const localProcessControl: Pick<Runner, 'stop' | 'kill' | 'alive'> = {
  async stop(run) {
    // The supervisor stops the agent's process group (SIGKILL after 5 s) and records the outcome.
    if (run.supervisorPid !== null && !isReused(run, run.supervisorPid)) signalProcess(run.supervisorPid, 'SIGTERM');
  },
  async kill(run) {
    // The agent leads its own process group: what it started goes with it.
    if (run.agentPid !== null && !isReused(run, run.agentPid)) signalProcess(run.agentPid, 'SIGKILL', { group: true });
    if (run.supervisorPid !== null && !isReused(run, run.supervisorPid)) signalProcess(run.supervisorPid, 'SIGKILL');
  },
  alive(run) {
    return run.supervisorPid !== null && isRunProcessAlive(run, run.supervisorPid);
  },
};
