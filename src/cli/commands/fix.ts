/** `lanes fix`: a new implementer session answers the latest review's findings. */
import type { Command } from 'commander';
import type { FixResult } from '../../app/validation/fix-lane.js';
import { findingPlace } from '../../domain/fix-rounds.js';
import { action, type CliRuntime } from '../command.js';
import { oneLine, printJson, table } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('fix')
    .description(
      "give the latest review's findings to a new implementer session; it answers each one fixed, disputed or deferred",
    )
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option(
      '--agent <agent>',
      'implementer agent (default: phases.fix.agent, else the agent that implemented the lane)',
    )
    .option('--model <model>', 'model to ask for instead of the configured one')
    .action(
      action(runtime, async (ctx, globals, name: string | undefined, opts: { agent?: string; model?: string }) => {
        const [{ requireLane }, { fixLane }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/validation/fix-lane.js'),
        ]);
        const lane = await requireLane(ctx, name, 'lanes fix');
        const result = await fixLane(ctx, lane.name, {
          ...opts,
          onStarted: (run, round) => {
            if (!globals.json)
              ctx.io.err(
                `lanes: ${lane.name}: fixing the findings of review round ${round} with ${run.agent}${run.model ? ` ${run.model}` : ''} (run ${run.id}); lanes logs ${lane.name} -f follows it`,
              );
          },
        });
        if (globals.json) printJson(ctx.io, result);
        else report(ctx.io, result);
        return result.status === 'fixed' ? 0 : result.status === 'stopped' ? 130 : 1;
      }),
    );
}

function report(io: { out(t: string): void; err(t: string): void }, result: FixResult): void {
  const rows = result.findings.map((f) => [
    f.id,
    f.severity,
    oneLine(findingPlace(f), 40),
    f.answer?.status ?? 'open',
    f.answer
      ? oneLine(
          [f.answer.commit ? f.answer.commit.slice(0, 12) : '', f.answer.reason ?? ''].filter(Boolean).join(' ') || '-',
          100,
        )
      : oneLine(`unanswered, stays open: ${f.message}`, 100),
  ]);
  io.out(table(rows, ['FINDING', 'SEVERITY', 'WHERE', 'ANSWER', 'COMMIT / REASON']));
  if (result.status !== 'fixed') {
    io.err(`lanes: ${result.lane}: ${result.validation.reason ?? `the fix run ${result.run.status}`}`);
    return;
  }
  const count = (s: string) => result.findings.filter((f) => f.answer?.status === s).length;
  io.err(
    `lanes: ${result.lane}: round ${result.round} answered: ${count('fixed')} fixed, ${count('disputed')} disputed, ${count('deferred')} deferred, ${result.unanswered.length} open; the next review (lanes review ${result.lane}) judges them`,
  );
  if (result.answerError) io.err(`lanes: warning: ${result.validation.reason}; the findings stay open`);
  if (result.unknown.length > 0)
    io.err(`lanes: warning: answers to findings the round does not have were ignored: ${result.unknown.join(', ')}`);
}
