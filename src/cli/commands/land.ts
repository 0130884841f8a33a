/** `lanes land`: the local merge queue (sync, test, advance the base) over named or approved lanes. */
import type { Command } from 'commander';
import type { LandResult } from '../../app/landing/land.js';
import { action, type CliRuntime } from '../command.js';
import { oneLine, printJson, table } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('land')
    .description(
      'land lanes in order: sync each onto its base, run validate.commands, then fast-forward the base (or merge the GitHub pull request)',
    )
    .argument('[lane...]', 'lane names or issue numbers (a lane without an approving review lands only when named)')
    .option('--approved', 'every lane whose latest review approved it')
    .option('--dry-run', 'show the order and the predicted conflicts of every pair; change nothing')
    .action(
      action(runtime, async (ctx, globals, names: string[], opts: { approved?: boolean; dryRun?: boolean }) => {
        const { landLanes } = await import('../../app/landing/land.js');
        const result = await landLanes(ctx, {
          lanes: names,
          approved: opts.approved === true,
          dryRun: opts.dryRun === true,
          say: (t) => {
            if (!globals.json) ctx.io.err(`lanes: ${t}`);
          },
        });
        for (const w of result.warnings) ctx.io.err(`lanes: warning: ${w}`);
        if (globals.json) printJson(ctx.io, result);
        else report(ctx.io, result);
        if (result.dryRun) return 0;
        return result.lanes.every((l) => l.status === 'landed') ? 0 : 1;
      }),
    );
}

function report(io: { out(t: string): void; err(t: string): void }, result: LandResult): void {
  if (result.dryRun) {
    io.out(
      table(
        result.order.map((o, i) => [
          String(i + 1),
          o.lane,
          o.approved ? 'approved' : 'not approved',
          o.conflictsWith.length > 0 ? o.conflictsWith.join(', ') : '-',
        ]),
        ['#', 'LANE', 'REVIEW', 'CONFLICTS WITH'],
      ),
    );
    const conflicting = result.pairs.filter((p) => p.conflicts.length > 0);
    if (conflicting.length === 0) io.out('no conflicts predicted between any two lanes\n');
    else
      io.out(
        table(
          conflicting.map((p) => [p.a, p.b, oneLine(p.conflicts.join(', '), 100)]),
          ['LANE', 'LANE', 'CONFLICTING FILES'],
        ),
      );
    return;
  }
  io.out(
    table(
      result.lanes.map((l) => [
        l.lane,
        l.status,
        l.via ?? '-',
        l.head ? l.head.slice(0, 12) : '-',
        String(l.attempts),
        oneLine(
          l.reason ?? (l.pullRequest ? `pull request #${l.pullRequest.number} (${l.pullRequest.method})` : ''),
          80,
        ) || '-',
      ]),
      ['LANE', 'STATUS', 'VIA', 'HEAD', 'TRIES', 'NOTE'],
    ),
  );
  const landed = result.lanes.filter((l) => l.status === 'landed');
  if (landed.length > 0) io.err(`lanes: ${landed.length} landed; lanes rm --merged removes them`);
}
