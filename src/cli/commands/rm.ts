import type { Command } from 'commander';
import type { Context } from '../../app/context.js';
import { InputError, LanesError, RefusedError, errorMessage } from '../../domain/errors.js';
import type { LaneRecord } from '../../domain/lane.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('rm')
    .alias('remove')
    .description('remove lanes (worktree, branch, ports); refuses with exit 3 when work would be lost')
    .argument('[lane...]', 'lane names or issue numbers (default: the lane whose worktree you are in)')
    .option('--force', 'remove even with uncommitted or unpushed work, after saving a backup in the state folder')
    .option('--keep-branch', 'remove only the worktree; keep the branch')
    .option(
      '--merged',
      'remove every lane whose branch has landed in its base (merge, rebase or squash) and that holds nothing else; lists what it keeps and why',
    )
    .option('--dry-run', 'with --merged: only list what would be removed and kept')
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          names: string[],
          opts: { force?: boolean; keepBranch?: boolean; merged?: boolean; dryRun?: boolean },
        ) => {
          const [{ requireLane, requireCurrentLane }, { removeLane }] = await Promise.all([
            import('../../app/lane/require-lane.js'),
            import('../../app/remove-lane.js'),
          ]);
          if (opts.merged) {
            if (names.length > 0 || opts.force)
              throw new InputError(
                'lanes rm --merged takes no lane names and no --force: it removes only lanes whose work has landed',
              );
            return removeMerged(ctx, globals.json, opts.dryRun === true, (lane) =>
              removeLane(ctx, lane, { keepBranch: opts.keepBranch === true }),
            );
          }
          if (opts.dryRun) throw new InputError('--dry-run goes with --merged (lanes rm --merged --dry-run)');
          if (names.length === 0) names = [(await requireCurrentLane(ctx, 'lanes rm')).name];
          const results: Record<string, unknown>[] = [];
          let exitCode = 0;
          for (const name of names) {
            try {
              const lane = await requireLane(ctx, name);
              const removed = await removeLane(ctx, lane, opts);
              results.push({
                lane: removed.name,
                removed: true,
                branchDeleted: removed.branchDeleted,
                branchKept: removed.branchKept ?? null,
                backup: removed.backup ?? null,
                notes: removed.notes,
              });
              if (!globals.json)
                ctx.io.err(
                  `lanes: removed ${removed.name}${removed.branchDeleted ? ' and its branch' : ''}${removed.backup ? `; backup in ${removed.backup}` : ''}`,
                );
            } catch (err) {
              if (ctx.signal.aborted) throw err;
              const code = err instanceof LanesError ? err.exitCode : 1;
              exitCode = exitCode === 0 ? code : exitCode;
              results.push({
                lane: name,
                removed: false,
                error: errorMessage(err),
                reasons: err instanceof RefusedError ? err.reasons : [],
              });
              ctx.io.err(`lanes: ${errorMessage(err)}`);
              // The ways out of a refusal are part of the answer, not a detail for terminals only.
              if (err instanceof LanesError && err.hint && (ctx.io.interactive || err instanceof RefusedError))
                ctx.io.err(`  hint: ${err.hint}`);
            }
          }
          if (globals.json) printJson(ctx.io, results);
          return exitCode;
        },
      ),
    );
}

async function removeMerged(
  ctx: Context,
  json: boolean,
  dryRun: boolean,
  remove: (lane: LaneRecord) => Promise<unknown>,
): Promise<number> {
  const { planMergedRemoval } = await import('../../app/merged-lanes.js');
  const plan = await planMergedRemoval(ctx);
  const removed: string[] = [];
  const failed: { lane: string; error: string }[] = [];
  let exitCode = 0;
  for (const lane of plan.remove) {
    if (dryRun) continue;
    try {
      await remove(lane);
      removed.push(lane.name);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // Judged again under the lane's lock at removal: something changed since the plan.
      failed.push({ lane: lane.name, error: errorMessage(err) });
      exitCode = err instanceof LanesError ? err.exitCode : 1;
    }
  }
  if (json) {
    printJson(ctx.io, {
      dryRun,
      remove: plan.remove.map((l) => l.name),
      removed,
      failed,
      kept: plan.keep.map((k) => ({ lane: k.lane.name, reason: k.reason })),
    });
  } else {
    for (const l of plan.remove)
      if (dryRun || removed.includes(l.name))
        ctx.io.err(`lanes: ${dryRun ? 'would remove' : 'removed'} ${l.name} (merged into ${l.base})`);
    for (const f of failed) ctx.io.err(`lanes: kept ${f.lane}: ${f.error}`);
    for (const k of plan.keep) ctx.io.err(`lanes: kept ${k.lane.name}: ${k.reason}`);
    if (plan.remove.length === 0) ctx.io.err('lanes: no lane has landed yet');
  }
  return exitCode;
}
