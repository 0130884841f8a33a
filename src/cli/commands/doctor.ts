import type { Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('doctor')
    .description(
      'find orphaned worktrees, records, branches, leases and interrupted operations; --fix repairs what is safe',
    )
    .option('--fix', 'repair what can be repaired without losing work')
    .option('--rebuild-state', 'move a damaged state database aside and rebuild the lanes from their git worktrees')
    .option('--force', 'with --rebuild-state: rebuild even when the state database is sound')
    .action(
      action(runtime, async (ctx, globals, opts: { fix?: boolean; rebuildState?: boolean; force?: boolean }) => {
        if (opts.force && !opts.rebuildState)
          throw new InputError('--force goes with --rebuild-state (lanes doctor --rebuild-state --force)');
        if (opts.rebuildState) {
          if (opts.fix)
            throw new InputError(
              '--rebuild-state and --fix do not go together; rebuild first, then run lanes doctor --fix',
            );
          const { rebuildState } = await import('../../app/rebuild-state.js');
          const result = await rebuildState(ctx, { force: opts.force === true });
          if (globals.json) return void printJson(ctx.io, result);
          for (const path of result.movedAside) ctx.io.err(`lanes: moved aside: ${path}`);
          for (const l of result.lanes) {
            const ports = Object.entries(l.ports)
              .map(([s, p]) => `${s}=${p}`)
              .join(',');
            const changed =
              l.portsChanged.length > 0 ? `  (new port for ${l.portsChanged.join(', ')}: the old one is taken)` : '';
            ctx.io.out(`rebuilt  ${l.name}  issue ${l.issue}  branch ${l.branch}  ${ports}  ${l.path}${changed}\n`);
          }
          for (const s of result.skipped) ctx.io.out(`skipped  ${s.path}: ${s.reason}\n`);
          for (const b of result.backups) ctx.io.err(`lanes: backup kept: ${b}`);
          ctx.io.err(
            `lanes: rebuilt ${result.lanes.length} lane(s) (${result.reason}); not recovered: ${result.notRecovered.join('; ')}`,
          );
          return 0;
        }
        const { doctor } = await import('../../app/doctor.js');
        const problems = await doctor(ctx, { fix: opts.fix === true });
        if (globals.json) printJson(ctx.io, { problems });
        else if (problems.length === 0) ctx.io.err('lanes: healthy: no problems found');
        else for (const p of problems) ctx.io.out(`${p.fixed ? 'fixed' : 'found'}  ${p.kind}  ${p.detail}\n`);
        // Problems left unfixed are a failed check for scripts.
        return problems.some((p) => !p.fixed) ? 1 : 0;
      }),
    );
}
