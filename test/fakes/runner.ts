/**
 * A runner of the tests' own, registered through the composition root's seam
 * (`composeAdapters({ extraRunners })`) under a name lanes does not ship ("remote"): it shows that
 * a runner is added without touching src/app. It records every call and, standing in for a remote
 * machine, runs the supervisor locally, detached, through the process gateway.
 */
import { join } from 'node:path';
import type { Runner, RunnerRun, RunnerStartRequest } from '../../src/contracts/runner.js';
import { signalProcess, startDetached } from '../../src/infra/exec.js';
import { isRecordedProcessAlive } from '../../src/infra/process-alive.js';

export type RunnerCall =
  | { call: 'start'; lane: string; runDir: string; supervisorArgs: string[] }
  | { call: 'stop' | 'kill'; runId: number }
  | { call: 'alive'; runId: number; answer: boolean };

export interface RecordingRunner extends Runner {
  readonly calls: RunnerCall[];
}

export function recordingRunner(name = 'remote'): RecordingRunner {
  const calls: RunnerCall[] = [];
  // The supervisor started within this allowance after the run was recorded is the run's.
  const isRuns = (run: RunnerRun, pid: number | null) =>
    pid !== null && isRecordedProcessAlive(pid, run.startedAt, 10 * 60_000);
  return {
    name,
    calls,
    async start(request: RunnerStartRequest) {
      calls.push({
        call: 'start',
        lane: request.run.lane,
        runDir: request.run.runDir,
        supervisorArgs: request.supervisor.args,
      });
      const pid = startDetached(request.supervisor.file, request.supervisor.args, {
        cwd: request.worktree,
        env: request.env,
        logFile: join(request.run.runDir, `${name}.log`),
      });
      return { supervisorPid: pid };
    },
    async stop(run) {
      calls.push({ call: 'stop', runId: run.id });
      if (isRuns(run, run.supervisorPid)) signalProcess(run.supervisorPid!, 'SIGTERM');
    },
    async kill(run) {
      calls.push({ call: 'kill', runId: run.id });
      if (isRuns(run, run.agentPid)) signalProcess(run.agentPid!, 'SIGKILL', { group: true });
      if (isRuns(run, run.supervisorPid)) signalProcess(run.supervisorPid!, 'SIGKILL');
    },
    alive(run) {
      const answer = isRuns(run, run.supervisorPid);
      calls.push({ call: 'alive', runId: run.id, answer });
      return answer;
    },
  };
}
