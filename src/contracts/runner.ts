/**
 * Runner: where an agent run's supervisor lives and how lanes reaches it. The supervisor (the
 * `dist/supervisor.js` process, src/cli/supervisor.ts) runs the agent and records everything in
 * the state; a runner only starts it, asks it to stop, ends it when it does not answer, tells
 * whether it is still alive and, when it has one, hands the user its terminal.
 *
 * Contract:
 * - `start` resolves once the supervisor is started, never waits for the run to end, and throws
 *   having started nothing. It may not know the supervisor's pid (the supervisor records it).
 * - `stop` is a request: the supervisor stops the agent and records "stopped". It is never an
 *   error to stop a run whose supervisor is gone.
 * - `kill` ends the supervisor and the agent outright, for a supervisor that did not answer.
 * - `alive` answers synchronously from what the run recorded (`lanes ls` asks it for every lane),
 *   and never says yes for a process that merely reuses a recorded pid.
 * A runner that cannot signal processes on this machine (a remote one) implements the same four
 * over its own channel; nothing in src/app knows which runner a run uses beyond its name.
 */

/**
 * In a run's folder: lanes' environment for a supervisor that starts without it (a tmux pane gets
 * the tmux server's). The runner writes it, readable by the user only; the supervisor reads it
 * once and deletes it.
 */
export const SUPERVISOR_ENV_FILE = 'env.json';
/** The supervisor's flag for a run someone watches: events on stdout, and the pane kept open at the end. */
export const SUPERVISOR_SHOW_FLAG = '--show';

/** What a runner is told about a run it started (a run's row in the state). */
export interface RunnerRun {
  id: number;
  lane: string;
  runDir: string;
  /** When the run was recorded, before its supervisor started: processes that started later are not its own. */
  startedAt: string;
  supervisorPid: number | null;
  agentPid: number | null;
}

export interface RunnerStartRequest {
  run: RunnerRun;
  /** The lane's worktree: the supervisor's working directory. */
  worktree: string;
  /** The repository's git common directory (names per-repository resources such as a tmux session). */
  commonDir: string;
  /** The supervisor's program and arguments: `node …/supervisor.js <runDir>`. */
  supervisor: { file: string; args: string[] };
  /** The environment lanes runs with; the supervisor and the agent start from it. */
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

export interface RunnerStarted {
  /** The supervisor's pid when the runner knows it at once; null when the supervisor records it itself. */
  supervisorPid: number | null;
}

/** Where the user's terminal can be handed to a lane's session. */
export interface AttachTarget {
  lane: string;
  commonDir: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

export interface RunnerAttach {
  /** What the session is called, for messages: "tmux". */
  readonly sessionKind: string;
  /** Whether the lane has a session to attach to. */
  has(target: AttachTarget): Promise<boolean>;
  /** Hands the terminal to the session; resolves with the exit code when the user detaches. */
  attach(target: AttachTarget): Promise<number>;
}

export interface Runner {
  readonly name: string;
  start(request: RunnerStartRequest): Promise<RunnerStarted>;
  /** Asks the run's supervisor to stop its agent. */
  stop(run: RunnerRun): Promise<void>;
  /** Ends the run's supervisor and agent outright. */
  kill(run: RunnerRun): Promise<void>;
  /** Whether the run's supervisor is still the process the run recorded. */
  alive(run: RunnerRun): boolean;
  /** Only runners whose runs have a session a user can watch (tmux). */
  readonly attach?: RunnerAttach;
}

/** The runners a process can use, by name (built by src/cli/compose.ts). */
export interface Runners {
  /** Every name `get` answers; the first is the default. */
  readonly names: readonly string[];
  readonly defaultName: string;
  get(name: string): Runner | undefined;
}
