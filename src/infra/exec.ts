/**
 * The single process gateway. Every external command lanes runs (git, tmux, agent CLIs, package
 * managers, psql, hooks) goes through here: an argument array (never a shell string built from
 * data), a working directory, a timeout, an AbortSignal, captured output, and an environment
 * scrubbed of variables that would make git act on the wrong repository.
 *
 * One way to spawn: every function below starts its child through `spawnChild`. A failure is an
 * ExecError (a ToolError) or, when the caller cancelled, an ExecInterruptedError; both carry the
 * command, exit code, signal, the tail of stderr and the `timedOut`/`canceled` flags, with a
 * one-line message.
 *
 * The gateway is an object (`createGateway({ env })`) holding the environment every child starts
 * from. The exported functions (`exec`, `execBytes`, …) are thin wrappers over the gateway the
 * entry point installs once with `installGateway` (cli/program.ts and cli/supervisor.ts, through
 * `setBaseEnvironment`): that is the one seam, so callers keep importing plain functions.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, appendFileSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { onAbort } from '../domain/abort-watch.js';
import { InterruptedError, ToolError } from '../domain/errors.js';

export interface ExecOptions {
  cwd?: string;
  /** Extra variables layered over the scrubbed environment. */
  env?: Record<string, string | undefined>;
  /** Milliseconds; default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Text written to the child's stdin, which is then closed. */
  input?: string;
  /** When false, a non-zero exit is returned rather than thrown. */
  check?: boolean;
  /**
   * A scratch index for git (GIT_INDEX_FILE), e.g. to mark untracked files intent-to-add without
   * touching the worktree's real index. Only ever set this way: an inherited one is scrubbed.
   */
  gitIndexFile?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface DetachedOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Where the child's stdout and stderr go (appended); default: discarded. */
  logFile?: string;
}

export interface SupervisedOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** A file read as stdin, then EOF; without it stdin is closed. */
  stdinFile?: string;
  /** Called with each line of stdout as it arrives. */
  onStdoutLine: (line: string) => void;
  /** stderr is appended here. */
  stderrFile: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called once the child runs, with its pid. */
  onStart?: (pid: number) => void;
}

export type SupervisedExit =
  | { kind: 'exited'; exitCode: number }
  | { kind: 'signalled'; signal: string }
  | { kind: 'timed-out' }
  | { kind: 'aborted' }
  | { kind: 'not-found' }
  | { kind: 'spawn-failed'; message: string };

export interface TerminalOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface BytesOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Raw bytes written to stdin, which is then closed. */
  input?: Buffer;
  check?: boolean;
}

export interface BytesResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** What is known about a command that did not succeed (the fields execa reports). */
export interface ProcessFailure {
  /** The command as a person would type it (describeCommand). */
  command: string;
  /** Null when it never exited on its own: not started, killed by a signal, timed out, cancelled. */
  exitCode: number | null;
  signal: string | null;
  /** The last part of what it wrote on stderr. */
  stderrTail: string;
  timedOut: boolean;
  canceled: boolean;
}

/**
 * A command failed: not found, non-zero exit, killed, timed out. Exit 1 (lanes' own exit code is
 * `exitCode`; the command's is `failure.exitCode`).
 */
export class ExecError extends ToolError {
  readonly failure: ProcessFailure;
  /** Everything it printed, when it ran to a non-zero exit. */
  readonly result: ExecResult | undefined;
  constructor(
    message: string,
    failure: ProcessFailure,
    opts: { hint?: string; cause?: unknown; result?: ExecResult } = {},
  ) {
    super(message, { ...(opts.hint === undefined ? {} : { hint: opts.hint }), cause: opts.cause });
    this.failure = failure;
    this.result = opts.result;
  }

  get command(): string {
    return this.failure.command;
  }
}

/** A command ended because the caller's signal was aborted (Ctrl-C). Exit 130. */
export class ExecInterruptedError extends InterruptedError {
  readonly failure: ProcessFailure;
  constructor(message: string, failure: Omit<ProcessFailure, 'timedOut' | 'canceled'>) {
    super(message);
    this.failure = { ...failure, timedOut: false, canceled: true };
  }

  get command(): string {
    return this.failure.command;
  }
}

/** The process gateway: every way lanes runs a program, from one base environment. */
export interface Gateway {
  /** The base environment without the variables that aim git elsewhere, plus `extra`. */
  environment(extra?: Record<string, string | undefined>): Record<string, string>;
  /** Runs a command to its end, capturing its output as text. */
  exec(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Like exec, with stdout and stdin as raw bytes (file names git stores as bytes). */
  execBytes(file: string, args: readonly string[], opts?: BytesOptions): Promise<BytesResult>;
  /** Starts a process that outlives lanes; returns its pid. */
  startDetached(file: string, args: readonly string[], opts: DetachedOptions): number;
  /** Runs a long child (an agent), streaming stdout by line; resolves with how it ended, never rejects. */
  runSupervised(file: string, args: readonly string[], opts: SupervisedOptions): Promise<SupervisedExit>;
  /** Runs a command on the user's terminal (stdio inherited); resolves with its exit code. */
  execOnTerminal(file: string, args: readonly string[], opts?: TerminalOptions): Promise<number>;
}

// Variables that point git at a specific repository, index or worktree: inherited from a hook
// or an outer git command they would make every git call act on the wrong tree.
const SCRUBBED = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
];

const DEFAULT_TIMEOUT_MS = 300_000;
/** How much of stderr a failure keeps: enough for the error a tool printed last. */
const STDERR_TAIL_CHARS = 4_000;
/** An agent asked to stop (SIGTERM) gets this long before its group is killed. */
const SUPERVISED_GRACE_MS = 5_000;

export function createGateway(opts: { env: Record<string, string | undefined> }): Gateway {
  const base: Readonly<Record<string, string | undefined>> = Object.freeze({ ...opts.env });

  const environment = (extra: Record<string, string | undefined> = {}): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) {
      if (v !== undefined && !SCRUBBED.includes(k)) env[k] = v;
    }
    // A caller may still set one of the scrubbed variables on purpose: only what was inherited goes.
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  };

  return {
    environment,

    async exec(file, args, o = {}) {
      const env = {
        ...environment(o.env),
        ...(o.gitIndexFile === undefined ? {} : { GIT_INDEX_FILE: o.gitIndexFile }),
      };
      const out = await capture(file, args, {
        cwd: o.cwd,
        env,
        input: o.input,
        timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: o.signal,
      });
      const result: ExecResult = { stdout: out.stdout.toString('utf8'), stderr: out.stderr, exitCode: out.exitCode };
      if (o.check !== false && result.exitCode !== 0) throw exitFailure(file, args, result, result.stdout);
      return result;
    },

    async execBytes(file, args, o = {}) {
      const out = await capture(file, args, {
        cwd: o.cwd,
        env: environment(o.env),
        input: o.input,
        timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: o.signal,
      });
      // Raw stdout is not text to quote in a message: the key line comes from stderr alone.
      if (o.check !== false && out.exitCode !== 0)
        throw exitFailure(file, args, { stdout: '', stderr: out.stderr, exitCode: out.exitCode }, '');
      return out;
    },

    startDetached(file, args, o) {
      const env = environment(o.env);
      // spawn reports a missing program or folder only after it returns (an 'error' event), too
      // late for a caller that needs the pid now: both are checked first, with exec's messages.
      if (!isDirectory(o.cwd)) throw notStarted(file, args, `cannot run ${file} in ${o.cwd}: not a directory`);
      // Without PATH, spawn searches the system's default directories (libuv's _PATH_DEFPATH); so does the check.
      if (findExecutable(file, { PATH: env.PATH ?? '/usr/bin:/bin' }) === undefined)
        throw notStarted(file, args, `command not found: ${file}`, `install ${file} and make sure it is on PATH`);
      const out = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
      try {
        const child = spawnChild(file, args, { cwd: o.cwd, env, detached: true, stdio: ['ignore', out, out] });
        // Node emits a spawn failure after this call returned, with no pid set: the throw below is
        // the report, and the reason, which only the event carries, goes to the log.
        child.on('error', (err) => {
          if (o.logFile)
            appendFileSync(o.logFile, `lanes: could not start ${describeCommand(file, args)}: ${err.message}\n`);
        });
        child.unref();
        if (child.pid === undefined)
          throw notStarted(
            file,
            args,
            `could not start ${describeCommand(file, args)}`,
            o.logFile ? `the reason is in ${o.logFile}` : undefined,
          );
        return child.pid;
      } finally {
        if (typeof out === 'number') closeSync(out);
      }
    },

    runSupervised(file, args, o) {
      return new Promise((resolvePromise) => {
        const stdin = o.stdinFile ? openSync(o.stdinFile, 'r') : 'ignore';
        const stderr = openSync(o.stderrFile, 'a');
        let child: ChildProcess;
        try {
          child = spawnChild(file, args, {
            cwd: o.cwd,
            env: environment(o.env),
            detached: true,
            stdio: [stdin, 'pipe', stderr],
          });
        } catch (cause) {
          resolvePromise({ kind: 'spawn-failed', message: cause instanceof Error ? cause.message : String(cause) });
          return;
        } finally {
          if (typeof stdin === 'number') closeSync(stdin);
          closeSync(stderr);
        }
        let ending: SupervisedExit | undefined;
        let settled = false;
        let killTimer: NodeJS.Timeout | undefined;
        const finish = (exit: SupervisedExit) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(killTimer);
          stopListening();
          resolvePromise(exit);
        };
        const stopGroup = (why: SupervisedExit) => {
          ending ??= why;
          signalGroup(child.pid, 'SIGTERM');
          killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), SUPERVISED_GRACE_MS);
          killTimer.unref();
        };
        const timer = setTimeout(() => stopGroup({ kind: 'timed-out' }), o.timeoutMs);
        const stopListening = onAbort(o.signal, () => stopGroup({ kind: 'aborted' }));

        child.on('error', (err: NodeJS.ErrnoException) => {
          finish(err.code === 'ENOENT' ? { kind: 'not-found' } : { kind: 'spawn-failed', message: err.message });
        });
        child.on('spawn', () => {
          if (child.pid !== undefined) o.onStart?.(child.pid);
        });
        let buffered = '';
        child.stdout?.setEncoding('utf8');
        child.stdout?.on('data', (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf('\n')) !== -1) {
            o.onStdoutLine(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
          }
        });
        child.on('close', (code, signal) => {
          if (buffered) o.onStdoutLine(buffered);
          buffered = '';
          // The agent is gone; make sure nothing it started in its group lives on.
          signalGroup(child.pid, 'SIGKILL');
          if (ending) finish(ending);
          else if (code !== null) finish({ kind: 'exited', exitCode: code });
          else finish({ kind: 'signalled', signal: signal ?? 'unknown' });
        });
      });
    },

    execOnTerminal(file, args, o = {}) {
      return new Promise((resolvePromise, reject) => {
        let child: ChildProcess;
        try {
          child = spawnChild(file, args, { cwd: o.cwd, env: environment(o.env), detached: false, stdio: 'inherit' });
        } catch (cause) {
          reject(spawnFailure(file, args, cause, o.cwd));
          return;
        }
        let settled = false;
        child.on('error', (err) => {
          settled = true;
          reject(spawnFailure(file, args, err, o.cwd));
        });
        child.on('close', (code) => {
          if (!settled) resolvePromise(code ?? 1);
        });
      });
    },
  };
}

// ---- the installed gateway: the one seam the entry points set ----

// Until an entry point installs one, children start from an empty environment: nothing is
// inherited by accident (tests that run commands without installing give each its own PATH).
let installed: Gateway = createGateway({ env: {} });

/** Called once by an entry point: the gateway every exported function below runs through. */
export function installGateway(gateway: Gateway): void {
  installed = gateway;
}

/** Installs a gateway whose children start from `env` (the entry points' one call). */
export function setBaseEnvironment(env: Record<string, string | undefined>): void {
  installGateway(createGateway({ env }));
}

/** See Gateway.environment. */
export function childEnvironment(extra: Record<string, string | undefined> = {}): Record<string, string> {
  return installed.environment(extra);
}

export function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return installed.exec(file, args, opts);
}

/**
 * Like `exec`, but stdout stays raw bytes and stdin takes bytes: for file names that are not valid
 * UTF-8 (git stores them as bytes; decoding them as text would turn them into U+FFFD and lose them).
 */
export function execBytes(file: string, args: readonly string[], opts: BytesOptions = {}): Promise<BytesResult> {
  return installed.execBytes(file, args, opts);
}

/**
 * Starts a process that outlives lanes: its own session and process group, no terminal, output to
 * a file. Used for the agent supervisor, which then records the agent's exit in the state.
 */
export function startDetached(file: string, args: readonly string[], opts: DetachedOptions): number {
  return installed.startDetached(file, args, opts);
}

/**
 * Runs a long child (an agent) in its own process group, streaming stdout by line. On timeout or
 * abort the whole group gets SIGTERM, then SIGKILL after a grace period, so the tools an agent
 * started do not linger.
 */
export function runSupervised(file: string, args: readonly string[], opts: SupervisedOptions): Promise<SupervisedExit> {
  return installed.runSupervised(file, args, opts);
}

/** Runs a command on the user's terminal (stdio inherited), e.g. `tmux attach`; resolves with its exit code. */
export function execOnTerminal(file: string, args: readonly string[], opts: TerminalOptions = {}): Promise<number> {
  return installed.execOnTerminal(file, args, opts);
}

// ---- pure helpers ----

export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/** Whether an executable is found: a path is checked as is, a bare name on PATH. */
export function findExecutable(file: string, env: Record<string, string | undefined>): string | undefined {
  const candidates = file.includes('/')
    ? [file]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

// ---- the one spawn path and what it shares ----

/** The only place lanes starts a process. */
function spawnChild(
  file: string,
  args: readonly string[],
  opts: { cwd?: string | undefined; env: Record<string, string>; detached: boolean; stdio: StdioOptions },
): ChildProcess {
  return spawn(file, [...args], { cwd: opts.cwd, env: opts.env, detached: opts.detached, stdio: opts.stdio });
}

interface CaptureRequest {
  cwd?: string | undefined;
  env: Record<string, string>;
  input?: string | Buffer | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

interface Captured {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a child to its end with captured output; resolves with any exit code, rejects when it could
 * not start, timed out, was killed by a signal or cancelled. The child leads its own process
 * group, so what it started (a hook's `sleep`, git's helpers) is killed with it on timeout or
 * cancel and cannot keep the output pipes, and so this call, open.
 */
function capture(file: string, args: readonly string[], req: CaptureRequest): Promise<Captured> {
  const command = describeCommand(file, args);
  if (req.signal?.aborted) {
    return Promise.reject(
      new ExecInterruptedError(`interrupted before ${command}`, {
        command,
        exitCode: null,
        signal: null,
        stderrTail: '',
      }),
    );
  }
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawnChild(file, args, {
        cwd: req.cwd,
        env: req.env,
        detached: true,
        stdio: [req.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (cause) {
      // spawn() throws synchronously for some failures (ENOTDIR: the working directory is a file).
      reject(spawnFailure(file, args, cause, req.cwd));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let why: 'timeout' | 'abort' | undefined;
    const kill = (reason: 'timeout' | 'abort') => {
      why ??= reason;
      signalGroup(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), req.timeoutMs);
    const stopListening = onAbort(req.signal, () => kill('abort'));
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      fn();
    };
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    if (child.stdin) {
      // A child that exits without reading closes its stdin (EPIPE): its exit code says what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(req.input);
    }
    // A failed spawn emits 'error' and then 'close': the error is the report.
    child.on('error', (cause) => settle(() => reject(spawnFailure(file, args, cause, req.cwd))));
    child.on('close', (code, signal) =>
      settle(() => {
        const stderr = Buffer.concat(err).toString('utf8');
        const failure = { command, exitCode: code, signal, stderrTail: tailOf(stderr) };
        if (why === 'timeout')
          reject(
            new ExecError(`${command} timed out after ${Math.round(req.timeoutMs / 1000)} s`, {
              ...failure,
              timedOut: true,
              canceled: false,
            }),
          );
        else if (why === 'abort') reject(new ExecInterruptedError(`interrupted: ${command}`, failure));
        else if (code === null)
          reject(
            new ExecError(`${command} was killed by signal ${signal ?? 'unknown'}`, {
              ...failure,
              timedOut: false,
              canceled: false,
            }),
          );
        else resolvePromise({ stdout: Buffer.concat(out), stderr, exitCode: code });
      }),
    );
  });
}

function exitFailure(file: string, args: readonly string[], result: ExecResult, stdoutText: string): ExecError {
  const command = describeCommand(file, args);
  const detail = keyLine(result.stderr) || keyLine(stdoutText);
  return new ExecError(
    `${command} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`,
    {
      command,
      exitCode: result.exitCode,
      signal: null,
      stderrTail: tailOf(result.stderr),
      timedOut: false,
      canceled: false,
    },
    { result },
  );
}

function notStarted(file: string, args: readonly string[], message: string, hint?: string, cause?: unknown): ExecError {
  return new ExecError(
    message,
    {
      command: describeCommand(file, args),
      exitCode: null,
      signal: null,
      stderrTail: '',
      timedOut: false,
      canceled: false,
    },
    { ...(hint === undefined ? {} : { hint }), cause },
  );
}

function spawnFailure(file: string, args: readonly string[], cause: unknown, cwd?: string): ExecError {
  const code = (cause as { code?: string } | undefined)?.code;
  // ENOENT/ENOTDIR also come from a working directory that is missing or a file: name that, not the program.
  if ((code === 'ENOENT' || code === 'ENOTDIR') && cwd !== undefined && !isDirectory(cwd)) {
    return notStarted(file, args, `cannot run ${file} in ${cwd}: not a directory`, undefined, cause);
  }
  if (code === 'ENOENT')
    return notStarted(file, args, `command not found: ${file}`, `install ${file} and make sure it is on PATH`, cause);
  return notStarted(file, args, `could not run ${describeCommand(file, args)}`, undefined, cause);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The line that says what went wrong: git's `fatal:`/`error:` line, else the last line (progress comes first). */
function keyLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[lines.length - 1] ?? '';
}

function tailOf(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.length > STDERR_TAIL_CHARS ? trimmed.slice(-STDERR_TAIL_CHARS) : trimmed;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

// ---- Signals ----------------------------------------------------------------------------------
// The one place lanes signals a process it does not hold a handle to (a run's supervisor started
// by another lanes command, a liveness check), so no module outside the gateway calls process.kill.

/** `sent`; `gone`: no such process (or group); `not-permitted`: it exists but belongs to someone else. */
export type SignalOutcome = 'sent' | 'gone' | 'not-permitted';

/**
 * Sends `signal` to a process, or with `group` to the process group it leads. Signal 0 checks
 * whether the process exists without sending anything.
 */
export function signalProcess(pid: number, signal: NodeJS.Signals | 0, opts: { group?: boolean } = {}): SignalOutcome {
  try {
    process.kill(opts.group ? -pid : pid, signal);
    return 'sent';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'not-permitted' : 'gone';
  }
}
