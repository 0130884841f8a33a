/**
 * The profile's commands (`validate.commands`, lint and tests) run in the review checkout before a
 * reviewer starts, each after the user approved its exact text once, with the lane's environment.
 * A failure (or a timeout) is lanes' own blocker finding carrying the end of the output; the
 * reviewer sees every result.
 */
import { stripTerminalControls } from '../../domain/terminal-text.js';
import type { Finding } from '../../domain/review.js';
import { LANES_REVIEWER } from '../../domain/review.js';
import type { CommandResult } from '../../domain/review-prompt.js';
import { exec, ExecError } from '../../infra/exec.js';
import type { Context } from '../context.js';
import { quoted } from '../lane/hooks.js';

const TAIL_LINES = 40;
const TAIL_BYTES = 4_000;

export async function runValidationCommands(
  ctx: Context,
  commands: readonly string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  say: (text: string) => void,
): Promise<CommandResult[]> {
  const results: CommandResult[] = [];
  for (const command of commands) {
    say(`running ${quoted(command)} in the review checkout`);
    try {
      const res = await exec('sh', ['-c', command], {
        cwd,
        env: { ...ctx.env, ...env },
        signal: ctx.signal,
        timeoutMs,
        check: false,
      });
      results.push({
        command,
        exitCode: res.exitCode,
        timedOut: false,
        tail: tailOf([res.stdout.trimEnd(), res.stderr.trimEnd()].filter(Boolean).join('\n')),
      });
    } catch (err) {
      if (err instanceof ExecError && err.failure.timedOut) {
        results.push({ command, exitCode: null, timedOut: true, tail: tailOf(err.failure.stderrTail) });
        continue;
      }
      throw err;
    }
  }
  return results;
}

export function tailOf(output: string): string {
  const clean = stripTerminalControls(output, { keepLayout: true }).trimEnd();
  const lines = clean.split('\n').slice(-TAIL_LINES).join('\n');
  return Buffer.byteLength(lines) > TAIL_BYTES ? `…${lines.slice(-TAIL_BYTES)}` : lines;
}

/** A failed command as a blocker finding of lanes itself. */
export function commandFindings(results: readonly CommandResult[]): Finding[] {
  return results
    .filter((r) => r.timedOut || r.exitCode !== 0)
    .map((r) => ({
      id: '',
      severity: 'blocker' as const,
      category: 'bug' as const,
      file: null,
      line: null,
      endLine: null,
      message: `\`${r.command}\` ${r.timedOut ? 'timed out' : `failed (exit ${r.exitCode ?? '?'})`} in the review checkout${r.tail ? `:\n${r.tail}` : ''}`,
      suggestion: `Make \`${r.command}\` pass.`,
      confidence: 1,
      reviewers: [LANES_REVIEWER],
    }));
}
