/**
 * The agent supervisor: a small process lanes starts per run, detached or inside tmux, that runs
 * the agent and writes down what happened. It owns the run's row in the state from "running" to
 * its end: output line by line (output.jsonl, the CLI's own machine output, is the transcript),
 * stderr, exit, session id, tokens and cost per model. SIGTERM (lanes stop, Ctrl-C in lanes run)
 * stops the agent's whole process group and records "stopped"; the phase timeout records "failed".
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AgentAdapters, AgentEvent, AgentLaunch } from '../../contracts/agent-adapter.js';
import type { RemoteExecutors } from '../../contracts/executor.js';
import { summarizeAgentEvents } from '../../domain/agent-events.js';
import { ToolError } from '../../domain/errors.js';
import { COMMITTING_PHASES } from '../../domain/phases.js';
import { exec, runSupervised, type SupervisedExit } from '../../infra/exec.js';
import { StateStore, type RunStatus } from '../../infra/store.js';
import { noCommitWarning } from './commit-check.js';
import { parseLaunchSpec } from './launch-spec.js';
import { renderEvent } from './render-events.js';
import { agentStateOf, setLaneAgentState } from './runs.js';

export interface SupervisorSpec {
  commonDir: string;
  runId: number;
  lane: string;
  adapter: string;
  model: string | null;
  timeoutMs: number;
  launch: AgentLaunch;
  /** The phase and the lane's branch: an implementing phase is expected to commit on it. */
  phase?: string;
  branch?: string;
  /**
   * A run beside the lane's own agent (a reviewer): it records only its run, never the lane's agent
   * state, so two reviewers and the lane's state do not overwrite each other.
   */
  leavesLaneState?: boolean;
  /** A runner configured under `runners`: the agent runs through that type's executor, not here. */
  remote?: { runner: string; type: string; settings: Record<string, unknown> };
}

export interface SuperviseOptions {
  /** Print the agent's events (a tmux pane someone may watch). */
  show: boolean;
  write: (text: string) => void;
  /** The agent adapters, from the entry point's composition root. */
  agents: AgentAdapters;
  /** The remote executors (Kubernetes, SSH), for a run whose launch names one. */
  executors?: RemoteExecutors;
}

export async function supervise(runDir: string, opts: SuperviseOptions): Promise<number> {
  const spec = parseLaunchSpec(readFileSync(join(runDir, 'launch.json'), 'utf8'));
  const adapter = opts.agents.get(spec.adapter);
  if (!adapter)
    throw new ToolError(
      `${join(runDir, 'launch.json')}: unknown agent adapter ${JSON.stringify(spec.adapter)} (accepted: ${opts.agents.names.join(', ')})`,
    );
  const store = StateStore.open(spec.commonDir);
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => controller.abort());

  // A run stopped before its supervisor got going (Ctrl-C right after a tmux start) stays stopped:
  // a finished row is never updated, so this is also the check.
  if (!store.updateRun(spec.runId, { status: 'running', supervisorPid: process.pid })) {
    store.close();
    if (opts.show) opts.write('lanes: this run was stopped before it started\n');
    return 1;
  }
  if (!spec.leavesLaneState) setLaneAgentState(store, spec.lane, 'running');
  for (const file of spec.launch.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }

  const parser = adapter.createParser();
  const events: AgentEvent[] = [];
  const output = createWriteStream(join(runDir, 'output.jsonl'));
  const take = (produced: AgentEvent[]) => {
    for (const event of produced) {
      events.push(event);
      if (opts.show) {
        const line = renderEvent(event);
        if (line) opts.write(`${line}\n`);
      }
    }
  };
  const expectsCommit = spec.branch !== undefined && COMMITTING_PHASES.includes(spec.phase ?? '');
  const tipBefore = expectsCommit ? await branchTip(spec.launch.cwd, spec.branch!) : undefined;
  const stdinFile = spec.launch.stdin === 'closed' ? undefined : spec.launch.stdin.file;
  const onStdoutLine = (line: string) => {
    output.write(`${line}\n`);
    take(parser.push(line));
  };
  const exit = spec.remote
    ? await runRemote(spec, spec.remote, runDir, opts.executors, onStdoutLine, controller.signal)
    : await runSupervised(spec.launch.file, spec.launch.args, {
        cwd: spec.launch.cwd,
        env: spec.launch.env,
        ...(stdinFile ? { stdinFile } : {}),
        stderrFile: join(runDir, 'stderr.log'),
        timeoutMs: spec.timeoutMs,
        signal: controller.signal,
        onStart: (pid) => store.updateRun(spec.runId, { agentPid: pid }),
        onStdoutLine,
      });
  take(parser.end());
  await new Promise<void>((resolve) => output.end(resolve));

  const exitCode = exit.kind === 'exited' ? exit.exitCode : null;
  const summary = summarizeAgentEvents(events, { ...(spec.model ? { model: spec.model } : {}), exitCode });
  // A command agent is named by its program ("aider"), a known CLI by its product name.
  const displayName = spec.adapter === 'command' ? basename(spec.launch.file) : adapter.displayName;
  const { status, reason: failure } = outcome(exit, summary.ok, summary.error, spec, displayName, runDir);
  let reason = failure;
  // A done run that left its branch where it was: still done, with the warning as its reason.
  if (
    status === 'done' &&
    expectsCommit &&
    tipBefore !== undefined &&
    (await branchTip(spec.launch.cwd, spec.branch!)) === tipBefore
  ) {
    reason = noCommitWarning(spec.branch!, events);
  }
  writeFileSync(join(runDir, 'summary.json'), `${JSON.stringify({ status, reason, exit, summary }, null, 2)}\n`);
  if (summary.text) writeFileSync(join(runDir, 'result.md'), `${summary.text}\n`);
  store.updateRun(spec.runId, {
    status,
    endedAt: new Date().toISOString(),
    exitCode,
    reason,
    sessionId: summary.sessionId ?? null,
    usage: summary.usageByModel,
    costUsd: summary.costUsd ?? null,
    costSource: summary.costSource,
  });
  if (!spec.leavesLaneState) setLaneAgentState(store, spec.lane, agentStateOf(status));
  if (opts.show) opts.write(`\nlanes: agent ${status}${reason ? `: ${reason}` : ''}\n`);
  store.close();
  return status === 'done' ? 0 : 1;
}

/** The run through the executor of its runner's type; a type this lanes does not have fails the run. */
async function runRemote(
  spec: SupervisorSpec,
  remote: NonNullable<SupervisorSpec['remote']>,
  runDir: string,
  executors: RemoteExecutors | undefined,
  onStdoutLine: (line: string) => void,
  signal: AbortSignal,
): Promise<SupervisedExit> {
  const executor = executors?.get(remote.type);
  if (!executor) {
    const known = executors?.types.join(', ') || 'none';
    return {
      kind: 'spawn-failed',
      message: `runner ${remote.runner}: type ${remote.type} is not known (known: ${known})`,
    };
  }
  return executor.run(
    {
      runId: spec.runId,
      lane: spec.lane,
      branch: spec.branch ?? '',
      phase: spec.phase ?? '',
      worktree: spec.launch.cwd,
      commonDir: spec.commonDir,
      runDir,
      launch: spec.launch,
      runner: remote.runner,
      settings: remote.settings,
      timeoutMs: spec.timeoutMs,
      env: process.env,
    },
    { onStdoutLine, stderrFile: join(runDir, 'stderr.log'), signal },
  );
}

function outcome(
  exit: SupervisedExit,
  ok: boolean,
  error: string | undefined,
  spec: SupervisorSpec,
  displayName: string,
  runDir: string,
): { status: RunStatus; reason: string | null } {
  switch (exit.kind) {
    case 'exited':
      if (exit.exitCode === 0 && ok) return { status: 'done', reason: null };
      // The CLI's own error (an API error in its result) says most; a bare exit code says little
      // without the last thing the program wrote on stderr (e.g. "cannot open /dev/tty").
      if (error && !/^(exited with code|no result yet|killed by a signal)/.test(error))
        return { status: 'failed', reason: error };
      return {
        status: 'failed',
        reason: `${displayName} exited with code ${exit.exitCode}${exit.exitCode === 0 ? ' without a result' : ''}${lastStderrLine(runDir)}`,
      };
    case 'timed-out':
      return {
        status: 'failed',
        reason: `timed out after ${formatDuration(spec.timeoutMs)} (phases.<phase>.timeoutMinutes); the agent was stopped, the worktree and transcript are kept`,
      };
    case 'aborted':
      return { status: 'stopped', reason: 'stopped; lanes start resumes the lane' };
    case 'signalled':
      return { status: 'failed', reason: `${displayName} was killed by ${exit.signal}` };
    case 'not-found':
      return { status: 'failed', reason: `${displayName} CLI not found: ${spec.launch.file}` };
    case 'spawn-failed':
      // A remote executor's line already says what failed where (a dropped connection, an API error).
      return {
        status: 'failed',
        reason: spec.remote ? exit.message : `could not start ${displayName}: ${exit.message}`,
      };
  }
}

/** The commit the branch points at; undefined when git cannot say (the check is then skipped). */
async function branchTip(cwd: string, branch: string): Promise<string | undefined> {
  try {
    const res = await exec('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
      cwd,
      check: false,
      timeoutMs: 30_000,
    });
    return res.exitCode === 0 ? res.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

function lastStderrLine(runDir: string): string {
  try {
    const lines = readFileSync(join(runDir, 'stderr.log'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const last = lines[lines.length - 1];
    return last ? `: ${last.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
