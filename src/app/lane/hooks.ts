/**
 * Repository hooks (`hooks.postCreate`, `hooks.preRemove`, `database.afterBranch`): commands a
 * repository's config asks lanes to run. A cloned repository must not be able to run code on the
 * user's machine by itself, so each exact command text runs only after the user approved it once
 * (interactively, or with --yes); the approval is remembered in the state.
 */
import { InputError, ToolError } from '../../domain/errors.js';
import { visibleControls } from '../../domain/terminal-text.js';
import { exec } from '../../infra/exec.js';
import type { Context } from '../context.js';

/**
 * Asks for each command not approved yet, before anything is made. The prompt shows the command
 * with its control characters as escapes (`\r`, `\x1b`, bidi overrides): a command such as
 * `curl …|sh\r\x1b[2Knpm test` must not be displayed as `npm test`. `why` says what running it
 * means when that is not obvious (an install runs the packages' own scripts).
 */
export async function requireApproval(
  ctx: Context,
  commands: readonly string[],
  what: string,
  explain: { why?: string; hint?: string } = {},
): Promise<void> {
  const { why, hint = 'run once interactively to approve it, or pass --yes to approve it for scripts' } = explain;
  const store = await ctx.store();
  for (const command of commands) {
    if (store.isApproved(command)) continue;
    if (ctx.yes) {
      store.approve(command);
      continue;
    }
    const answer = await ctx.io.confirm(
      `lanes: ${what} wants to run: ${visibleControls(command)}\n${why ? `${why}\n` : ''}Approve this command (remembered for this repository)?`,
    );
    if (answer === undefined) {
      throw new InputError(`${what} ${quoted(command)} is not approved yet`, { hint });
    }
    if (!answer) throw new InputError(`${what} ${quoted(command)} was not approved; nothing was changed`);
    store.approve(command);
  }
}

/** A command in a message, in quotes, its control characters shown as the approval prompt shows them. */
export function quoted(command: string): string {
  return `"${visibleControls(command).replace(/"/g, '\\"')}"`;
}

/**
 * Runs approved hook commands in order through `sh -c`; the lane's values arrive as environment variables, never in the
 * command text.
 */
export async function runHooks(
  ctx: Context,
  commands: readonly string[],
  what: string,
  cwd: string,
  env: Record<string, string>,
): Promise<void> {
  for (const command of commands) {
    ctx.io.err(`lanes: running ${what}: ${visibleControls(command)}`);
    const res = await exec('sh', ['-c', command], {
      cwd,
      env: { ...ctx.env, ...env },
      signal: ctx.signal,
      timeoutMs: 30 * 60_000,
      check: false,
    });
    if (res.exitCode !== 0) {
      const tail = `${res.stderr}${res.stdout}`.trim().split('\n').slice(-5).join(' | ');
      throw new ToolError(`${what} ${quoted(command)} failed (exit ${res.exitCode})${tail ? `: ${tail}` : ''}`);
    }
  }
}
