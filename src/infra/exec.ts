/**
 * The single process gateway. Every external command lanes runs (git, tmux, agent CLIs, package
 * managers, psql, hooks) goes through here: an argument array (never a shell string built from
 * data), a working directory, a timeout, an AbortSignal, captured output, and an environment
 * scrubbed of variables that would make git act on the wrong repository. A failure becomes a
 * ToolError carrying the command, exit code and stderr.
 */
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

export function childEnvironment(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...baseEnv, ...extra })) {
    if (v !== undefined && !SCRUBBED.includes(k)) env[k] = v;
  }
  return env;
}

export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

export async function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (opts.signal?.aborted) throw new InterruptedError(`interrupted before ${describeCommand(file, args)}`);
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const proc = x(file, [...args], {
    throwOnError: false,
    inheritEnv: false,
    nodePath: false,
    timeout: timeoutMs,
    signal: opts.signal,
    stdin: opts.input,
    nodeOptions: {
      cwd: opts.cwd,
      env: childEnvironment(opts.env),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    },
  });
  let out: { stdout: string; stderr: string; exitCode: number | undefined };
  try {
    out = await proc;
  } catch (cause) {
    const err = cause as { name?: string; cause?: { name?: string } };
    if (err.name === 'AbortError' && err.cause?.name === 'TimeoutError') {
      throw new ToolError(`${describeCommand(file, args)} timed out after ${Math.round(timeoutMs / 1000)} s`, { cause });
    }
    throw spawnFailure(file, args, cause);
  }
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

function spawnFailure(file: string, args: readonly string[], cause: unknown): ToolError {
  const code = (cause as { code?: string } | undefined)?.code;
  if (code === 'ENOENT') {
    return new ToolError(`command not found: ${file}`, { hint: `install ${file} and make sure it is on PATH`, cause });
  }
  return new ToolError(`could not run ${describeCommand(file, args)}`, { cause });
}

export class ExecError extends ToolError {
  readonly command: string;
  readonly result: ExecResult;
  constructor(file: string, args: readonly string[], result: ExecResult) {
    const command = describeCommand(file, args);
    const detail = firstLine(result.stderr) || firstLine(result.stdout);
    super(`${command} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ''}`);
    this.command = command;
    this.result = result;
  }
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean)[0] ?? '';
}
