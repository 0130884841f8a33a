/** `lanes sync`: rebase (or merge) lanes onto their base, lane by lane; conflicts go to the lane's agent. */
import type { Command } from 'commander';
import type { SyncResult } from '../../app/landing/sync-lane.js';
import { InputError, LanesError, errorMessage } from '../../domain/errors.js';
import { action, type CliRuntime } from '../command.js';
import { printJson, table } from '../output.js';

interface SyncFailure {
  lane: string;
  status: 'refused' | 'failed';
  reason: string;
  exitCode: number;
}

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('sync')
    .description(
      "bring lanes up to date with their base (rebase, or merge); a conflict goes to the lane's agent, and a lane it cannot resolve is restored as it was",
    )
    .argument('[lane...]', 'lane names or issue numbers (default: the lane whose worktree you are in)')
    .option('--all', 'every lane')
    .option('--merge', 'merge the base into the lane instead of rebasing (config: land.syncMethod)')
    .action(
      action(runtime, async (ctx, globals, names: string[], opts: { all?: boolean; merge?: boolean }) => {
        const [{ requireLane, requireCurrentLane }, { syncLane }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/landing/sync-lane.js'),
        ]);
        if (opts.all && names.length > 0) throw new InputError('lanes sync takes lane names or --all, not both');
        const store = await ctx.store();
        const lanes = opts.all
          ? store.listLanes().filter((l) => l.lifecycle === 'ready')
          : names.length > 0
            ? await Promise.all(names.map((n) => requireLane(ctx, n, 'lanes sync')))
            : [await requireCurrentLane(ctx, 'lanes sync')];
        const results: SyncResult[] = [];
        const failures: SyncFailure[] = [];
        for (const lane of lanes) {
          try {
            results.push(
              await syncLane(ctx, lane.name, {
                ...(opts.merge ? { method: 'merge' as const } : {}),
                say: (t) => {
                  if (!globals.json) ctx.io.err(`lanes: ${t}`);
                },
              }),
            );
          } catch (err) {
            // One lane refused (or failed) is reported; the others are still synced.
            if (!(err instanceof LanesError) || ctx.signal.aborted) throw err;
            failures.push({
              lane: lane.name,
              status: err.exitCode === 3 || err.exitCode === 2 ? 'refused' : 'failed',
              reason: errorMessage(err),
              exitCode: err.exitCode,
            });
            if (!globals.json) ctx.io.err(`lanes: ${errorMessage(err)}`);
          }
        }
        if (globals.json) printJson(ctx.io, { lanes: results, failed: failures });
        else report(ctx.io, results);
        // The first refusal's code (3 work at risk, 2 a running agent), else 1 for a lane left as it was.
        if (failures.length > 0) return Math.max(...failures.map((f) => f.exitCode));
        return results.some((r) => r.status === 'restored') ? 1 : 0;
      }),
    );
}

function report(io: { out(t: string): void; err(t: string): void }, results: SyncResult[]): void {
  if (results.length === 0) return;
  io.out(
    table(
      results.map((r) => [
        r.lane,
        r.status,
        r.method,
        `${r.from.slice(0, 12)} → ${r.to.slice(0, 12)}`,
        r.conflicts.length > 0 ? r.conflicts.join(', ') : '-',
      ]),
      ['LANE', 'STATUS', 'METHOD', 'HEAD', 'CONFLICTS'],
    ),
  );
  for (const r of results) {
    if (r.status === 'restored')
      io.err(
        `lanes: ${r.lane}: ${r.reason ?? 'conflicts left'}; restored as it was (old head also at ${r.backup}); marked needs-you`,
      );
    else if (r.backup) io.err(`lanes: ${r.lane}: the previous head is kept at ${r.backup}`);
  }
}
