import type { Command } from 'commander';
import { LanesError, RefusedError, errorMessage } from '../../domain/errors.js';
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
    .action(
      action(runtime, async (ctx, globals, names: string[], opts: { force?: boolean; keepBranch?: boolean }) => {
        const [{ requireLane, requireCurrentLane }, { removeLane }] = await Promise.all([import('../../app/require-lane.js'), import('../../app/remove-lane.js')]);
        if (names.length === 0) names = [(await requireCurrentLane(ctx, 'lanes rm')).name];
        const results: Record<string, unknown>[] = [];
        let exitCode = 0;
        for (const name of names) {
          try {
            const lane = await requireLane(ctx, name);
            const removed = await removeLane(ctx, lane, opts);
            results.push({ lane: removed.name, removed: true, branchDeleted: removed.branchDeleted, branchKept: removed.branchKept ?? null, backup: removed.backup ?? null, notes: removed.notes });
            if (!globals.json) ctx.io.err(`lanes: removed ${removed.name}${removed.branchDeleted ? ' and its branch' : ''}${removed.backup ? `; backup in ${removed.backup}` : ''}`);
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            const code = err instanceof LanesError ? err.exitCode : 1;
            exitCode = exitCode === 0 ? code : exitCode;
            results.push({ lane: name, removed: false, error: errorMessage(err), reasons: err instanceof RefusedError ? err.reasons : [] });
            ctx.io.err(`lanes: ${errorMessage(err)}`);
            // The ways out of a refusal are part of the answer, not a detail for terminals only.
            if (err instanceof LanesError && err.hint && (ctx.io.interactive || err instanceof RefusedError)) ctx.io.err(`  hint: ${err.hint}`);
          }
        }
        if (globals.json) printJson(ctx.io, results);
        return exitCode;
      }),
    );
}
