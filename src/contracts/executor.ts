/**
 * RemoteExecutor: runs an agent's launch somewhere other than this machine (a Kubernetes Job, an SSH
 * host) for the run's supervisor, which stays a local process: it records the run, parses the agent's
 * output with the same adapter, and answers `lanes stop` (its abort), `ls` and `logs` exactly as for a
 * local agent. A runner configured under `runners.<name>` in lanes.config.json names an executor by
 * its `type`; the run records the runner's name.
 *
 * Contract:
 * - `run` gets the launch the adapter built (program, arguments, environment, prompt file as stdin,
 *   files to write) and must run that same command remotely, with the lane's branch at the commit
 *   the lane is at, feeding each line of the agent's stdout to `onStdoutLine` as it arrives.
 * - Before it resolves, commits the agent made remotely are brought back into the lane's branch
 *   (fetched and fast-forwarded); a branch that moved locally meanwhile is never overwritten.
 * - Abort (`signal`) stops the remote agent and resolves `{ kind: 'aborted' }`; `timeoutMs` ends it as
 *   `timed-out`; a failure of the remote side (API error, unreachable host, image pull error) resolves
 *   `spawn-failed` with one line that says what and what to do. It never throws for those.
 * - Secrets (API keys, git credentials) never travel in the launch it creates or in lanes' state.
 */
import type { AgentLaunch } from './agent-adapter.js';
import type { SupervisedExit } from '../infra/exec.js';

export interface RemoteRun {
  runId: number;
  lane: string;
  branch: string;
  phase: string;
  /** The lane's worktree on this machine: where the commits come back to. */
  worktree: string;
  commonDir: string;
  /** The run's folder on this machine (prompt, launch, output). */
  runDir: string;
  /** The command as it would run locally; its `cwd` is the local worktree (the executor maps it). */
  launch: AgentLaunch;
  /** The runner's name (`runners.<name>`) and its settings as configured. */
  runner: string;
  settings: Readonly<Record<string, unknown>>;
  timeoutMs: number;
  /** lanes' environment (read for credentials the executor itself needs; never copied into a remote spec). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface RemoteRunEvents {
  onStdoutLine: (line: string) => void;
  /** The remote side's own diagnostics (pod events, ssh errors) are appended here. */
  stderrFile: string;
  /** Called once the remote agent runs, with a handle for messages (a Job's name, `user@host:pid`). */
  onStart?: (handle: string) => void;
  signal: AbortSignal;
}

/**
 * What an executor last saw of its remote agent, written to `<runDir>/remote.json` whenever it
 * changes, so that `lanes ls` shows it without contacting the runner.
 */
export const REMOTE_STATUS_FILE = 'remote.json';
export interface RemoteStatus {
  /** "job/lanes-…-7 in namespace agents". */
  handle: string;
  /** "Job active, pod Running"; "Job active, pod Pending (ImagePullBackOff)". */
  phase: string;
  updatedAt: string;
}

/** Something a run left on a runner (a Kubernetes Job), found by `lanes doctor`. */
export interface RemoteLeftover {
  /** For messages: "Job lanes-… in namespace agents (pod Running)". */
  description: string;
  /**
   * The lane and run it was made for, as its labels say. No run: state the lane keeps while it
   * exists (an SSH host's worktree).
   */
  lane: string | undefined;
  runId: number | undefined;
  remove(): Promise<void>;
}

export interface RemoteExecutor {
  /** The `type` of `runners.<name>` it serves: "kubernetes", "ssh". */
  readonly type: string;
  run(run: RemoteRun, events: RemoteRunEvents): Promise<SupervisedExit>;
  /** What `run` would create for this run (Kubernetes: the objects as YAML), creating nothing. */
  preview?(run: RemoteRun): Promise<string>;
  /** What this repository's runs left on the runner; the caller decides which are orphans. */
  leftovers?(where: {
    runner: string;
    settings: Readonly<Record<string, unknown>>;
    commonDir: string;
    /** lanes' environment (an SSH client config in LANES_SSH_CONFIG, a KUBECONFIG). */
    env: Readonly<Record<string, string | undefined>>;
  }): Promise<RemoteLeftover[]>;
}

/** The executors a supervisor can use, by type (built by src/cli/compose.ts). */
export interface RemoteExecutors {
  readonly types: readonly string[];
  get(type: string): RemoteExecutor | undefined;
}
