import type { Command } from 'commander';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('doctor')
    .description('find orphaned worktrees, records, branches, leases and interrupted operations; --fix repairs what is safe')
    .option('--fix', 'repair what can be repaired without losing work')
    .action(
      action(runtime, async (ctx, globals, opts: { fix?: boolean }) => {
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
