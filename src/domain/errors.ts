/**
 * Typed errors. Every error a user can cause or meet carries the exit code the command-line
 * contract gives it, a one-line message naming the input and what is accepted, an optional hint,
 * and the cause. The CLI catches them once, at the top.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  refused: 3,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class LanesError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode: ExitCodeValue; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode;
    this.hint = opts.hint;
  }
}

/** Bad input or usage: exit 2. */
export class InputError extends LanesError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: ExitCode.badInput });
  }
}

/** A tool or service failed: exit 1. */
export class ToolError extends LanesError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: ExitCode.failed });
  }
}

/** Refused to protect work: exit 3. */
export class RefusedError extends LanesError {
  readonly reasons: string[];
  constructor(message: string, opts: { hint?: string; reasons?: string[] } = {}) {
    super(message, { ...opts, exitCode: ExitCode.refused });
    this.reasons = opts.reasons ?? [];
  }
}

/** The user or a signal interrupted: exit 130. */
export class InterruptedError extends LanesError {
  constructor(message = 'interrupted', opts: { cause?: unknown } = {}) {
    super(message, { ...opts, exitCode: ExitCode.interrupted });
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What is wrong with the state database, for callers that recover (doctor --rebuild-state). */
export type StateProblem = 'corrupt' | 'read-only' | 'locked' | 'full' | 'io' | 'cannot-open';

/**
 * The state database (`.git/lanes/state.db`) cannot be used: corrupt, read-only, locked by
 * another process, on a full disk. Exit 1; the message names the file and the way out, on one
 * line, because a person meets this with no idea what lanes keeps where.
 */
export class StateError extends ToolError {
  readonly problem: StateProblem;
  readonly file: string;
  constructor(message: string, opts: { problem: StateProblem; file: string; hint?: string; cause?: unknown }) {
    super(message, opts);
    this.problem = opts.problem;
    this.file = opts.file;
  }
}
