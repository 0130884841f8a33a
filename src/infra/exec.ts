/**
 * The single process gateway. Every external command lanes runs (git, tmux, agent CLIs, package
 * managers, psql, hooks) goes through here: an argument array (never a shell string built from
 * data), a working directory, a timeout, an AbortSignal, captured output, and an environment
 * scrubbed of variables that would make git act on the wrong repository. A failure becomes a
 * ToolError carrying the command, exit code and stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { x } from 'tinyexec';
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

// Variables that point git at a specific repository, index or worktree: inherited from a hook
// or an outer git command they would make every git call act on the wrong tree.
const SCRUBBED = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE'];

let baseEnv: Record<string, string | undefined> = {};

/** Called once by the entry point: the environment every child starts from. */
export function setBaseEnvironment(env: Record<string, string | undefined>): void {
  baseEnv = { ...env };
}

/**
 * The inherited environment without the variables that aim git elsewhere, plus `extra`. A caller
 * may still set one of those on purpose (a scratch GIT_INDEX_FILE for a backup snapshot): only
 * what was inherited is scrubbed.
 */
export function childEnvironment(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) {
    if (v !== undefined && !SCRUBBED.includes(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

export async function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (opts.signal?.aborted) throw new InterruptedError(`interrupted before ${describeCommand(file, args)}`);
  const timeoutMs = opts.timeoutMs ?? 300_000;
  // Our own controller ends the child on timeout or on the caller's signal. The child leads its
  // own process group, so what it started (a hook's `sleep`, git's helpers) is ended with it and
  // cannot keep the output pipes, and so this call, open.
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const onCallerAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const release = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCallerAbort);
  };
  let proc: ReturnType<typeof x>;
  try {
    proc = spawnCaptured(file, args, opts, stop.signal);
  } catch (cause) {
    // spawn() throws synchronously for some failures (ENOTDIR: the working directory is a file);
    // the timer must not outlive the call, or it keeps the process alive until the timeout.
    release();
    throw spawnFailure(file, args, cause, opts.cwd);
  }
  stop.signal.addEventListener('abort', () => signalGroup(proc.pid, 'SIGKILL'), { once: true });
  let out: { stdout: string; stderr: string; exitCode: number | undefined };
  try {
    out = await proc;
  } catch (cause) {
    throw spawnFailure(file, args, cause, opts.cwd);
  } finally {
    release();
  }
  if (timedOut) throw new ToolError(`${describeCommand(file, args)} timed out after ${Math.round(timeoutMs / 1000)} s`);
  if (out.exitCode === undefined) {
    if (opts.signal?.aborted) throw new InterruptedError(`interrupted: ${describeCommand(file, args)}`);
    throw new ToolError(`${describeCommand(file, args)} was killed by signal ${proc.process?.signalCode ?? 'unknown'}`);
  }
  const result: ExecResult = { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
  if (opts.check !== false && result.exitCode !== 0) {
    throw new ExecError(file, args, result);
  }
  return result;
}

function spawnCaptured(file: string, args: readonly string[], opts: ExecOptions, signal: AbortSignal): ReturnType<typeof x> {
  return x(file, [...args], {
    throwOnError: false,
    inheritEnv: false,
    nodePath: false,
    signal,
    stdin: opts.input,
    nodeOptions: {
      cwd: opts.cwd,
      env: { ...childEnvironment(opts.env), ...(opts.gitIndexFile === undefined ? {} : { GIT_INDEX_FILE: opts.gitIndexFile }) },
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    },
  });
}

function spawnFailure(file: string, args: readonly string[], cause: unknown, cwd?: string): ToolError {
  const code = (cause as { code?: string } | undefined)?.code;
  // ENOENT/ENOTDIR also come from a working directory that is missing or a file: name that, not the program.
  if ((code === 'ENOENT' || code === 'ENOTDIR') && cwd !== undefined && !isDirectory(cwd)) {
    return new ToolError(`cannot run ${file} in ${cwd}: not a directory`, { cause });
  }
  if (code === 'ENOENT') {
    return new ToolError(`command not found: ${file}`, { hint: `install ${file} and make sure it is on PATH`, cause });
  }
  return new ToolError(`could not run ${describeCommand(file, args)}`, { cause });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export class ExecError extends ToolError {
  readonly command: string;
  readonly result: ExecResult;
  constructor(file: string, args: readonly string[], result: ExecResult) {
    const command = describeCommand(file, args);
    const detail = keyLine(result.stderr) || keyLine(result.stdout);
    super(`${command} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
    this.command = command;
    this.result = result;
  }
}

/** The line that says what went wrong: git's `fatal:`/`error:` line, else the last line (progress comes first). */
function keyLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines[lines.length - 1] ?? '';
}

export interface DetachedOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Where the child's stdout and stderr go (appended); default: discarded. */
  logFile?: string;
}

/**
 * Starts a process that outlives lanes: its own session and process group, no terminal, output to
 * a file. Used for the agent supervisor, which then records the agent's exit in the state.
 */
export function startDetached(file: string, args: readonly string[], opts: DetachedOptions): number {
  const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  try {
    const child = spawn(file, [...args], { cwd: opts.cwd, env: childEnvironment(opts.env), detached: true, stdio: ['ignore', out, out] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new ToolError(`could not start ${describeCommand(file, args)}`);
    return child.pid;
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
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

/**
 * Runs a long child (an agent) in its own process group, streaming stdout by line. On timeout or
 * abort the whole group gets SIGTERM, then SIGKILL after a grace period, so the tools an agent
 * started do not linger.
 */
export function runSupervised(file: string, args: readonly string[], opts: SupervisedOptions): Promise<SupervisedExit> {
  return new Promise((resolvePromise) => {
    const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
    const stderr = openSync(opts.stderrFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], { cwd: opts.cwd, env: childEnvironment(opts.env), detached: true, stdio: [stdin, 'pipe', stderr] });
    } finally {
      if (typeof stdin === 'number') closeSync(stdin);
      closeSync(stderr);
    }
    let ending: SupervisedExit | undefined;
    let settled = false;
    const finish = (exit: SupervisedExit) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolvePromise(exit);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const stopGroup = (why: SupervisedExit) => {
      ending ??= why;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 5_000);
      killTimer.unref();
    };
    const timer = setTimeout(() => stopGroup({ kind: 'timed-out' }), opts.timeoutMs);
    const onAbort = () => stopGroup({ kind: 'aborted' });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(err.code === 'ENOENT' ? { kind: 'not-found' } : { kind: 'spawn-failed', message: err.message });
    });
    child.on('spawn', () => {
      if (child.pid !== undefined) opts.onStart?.(child.pid);
    });
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        opts.onStdoutLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.on('close', (code, signal) => {
      if (buffered) opts.onStdoutLine(buffered);
      buffered = '';
      // The agent is gone; make sure nothing it started in its group lives on.
      signalGroup(child.pid, 'SIGKILL');
      if (ending) finish(ending);
      else if (code !== null) finish({ kind: 'exited', exitCode: code });
      else finish({ kind: 'signalled', signal: signal ?? 'unknown' });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Whether an executable is found: a path is checked as is, a bare name on PATH. */
export function findExecutable(file: string, env: Record<string, string | undefined>): string | undefined {
  const candidates = file.includes('/') ? [file] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, file));
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

/** Runs a command on the user's terminal (stdio inherited), e.g. `tmux attach`; resolves with its exit code. */
export function execOnTerminal(file: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, [...args], { cwd: opts.cwd, env: childEnvironment(opts.env), stdio: 'inherit' });
    child.on('error', (err) => reject(spawnFailure(file, args, err, opts.cwd)));
    child.on('close', (code) => resolvePromise(code ?? 1));
  });
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

/**
 * Like `exec`, but stdout stays raw bytes and stdin takes bytes: for file names that are not valid
 * UTF-8 (git stores them as bytes; decoding them as text would turn them into U+FFFD and lose them).
 */
export function execBytes(file: string, args: readonly string[], opts: BytesOptions = {}): Promise<BytesResult> {
  if (opts.signal?.aborted) return Promise.reject(new InterruptedError(`interrupted before ${describeCommand(file, args)}`));
  const timeoutMs = opts.timeoutMs ?? 300_000;
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], { cwd: opts.cwd, env: childEnvironment(opts.env), detached: true, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    } catch (cause) {
      reject(spawnFailure(file, args, cause));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let why: 'timeout' | 'abort' | undefined;
    const kill = (reason: 'timeout' | 'abort') => {
      why ??= reason;
      signalGroup(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    const onAbort = () => kill('abort');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.stdin?.on('error', () => undefined); // a child that exits early closes its stdin; its exit code tells
    child.stdin?.end(opts.input);
    child.on('error', (cause) => {
      done();
      reject(spawnFailure(file, args, cause));
    });
    child.on('close', (code, signal) => {
      done();
      const stderr = Buffer.concat(err).toString('utf8');
      if (why === 'timeout') return reject(new ToolError(`${describeCommand(file, args)} timed out after ${Math.round(timeoutMs / 1000)} s`));
      if (why === 'abort') return reject(new InterruptedError(`interrupted: ${describeCommand(file, args)}`));
      if (code === null) return reject(new ToolError(`${describeCommand(file, args)} was killed by signal ${signal ?? 'unknown'}`));
      const result: BytesResult = { stdout: Buffer.concat(out), stderr, exitCode: code };
      if (opts.check !== false && code !== 0) return reject(new ExecError(file, args, { stdout: '', stderr, exitCode: code }));
      resolvePromise(result);
    });
  });
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
