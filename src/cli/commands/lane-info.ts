/** `lanes port`, `lanes env`, `lanes cd`, `lanes diff`: a lane's facts for scripts and people. */
import type { Command } from 'commander';
import { InputError } from '../../domain/errors.js';
import { shellCommand } from '../../domain/shell-quote.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('port')
    .description("print a lane's port (the first service, or --service S)")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option('--service <name>', 'a named service from ports.services')
    .action(
      action(runtime, async (ctx, globals, name: string | undefined, opts: { service?: string }) => {
        const { requireLane } = await import('../../app/lane/require-lane.js');
        const lane = await requireLane(ctx, name, 'lanes port');
        if (opts.service !== undefined && !(opts.service in lane.ports)) {
          throw new InputError(
            `lane ${lane.name} has no service ${JSON.stringify(opts.service)}; its services: ${Object.keys(lane.ports).join(', ')}`,
          );
        }
        if (globals.json)
          return printJson(ctx.io, opts.service ? { [opts.service]: lane.ports[opts.service] } : lane.ports);
        const port = opts.service ? lane.ports[opts.service] : Object.values(lane.ports)[0];
        ctx.io.out(`${port}\n`);
      }),
    );

  program
    .command('env')
    .description("print a lane's environment (LANE, PORT, PORT_<SERVICE>, DATABASE_URL) as shell exports")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .action(
      action(runtime, async (ctx, globals, name: string | undefined) => {
        const [{ requireLane }, { laneVariables }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/lane/lane-env.js'),
        ]);
        const vars = laneVariables(await requireLane(ctx, name, 'lanes env'));
        if (globals.json) return printJson(ctx.io, vars);
        ctx.io.out(
          Object.entries(vars)
            .map(([k, v]) => `export ${k}=${shellCommand([v])}\n`)
            .join(''),
        );
      }),
    );

  program
    .command('cd')
    .description(
      "print a lane's directory (without a lane: the main worktree); with shell integration (lanes shell-init) it changes into it",
    )
    .argument('[lane]', 'lane name or issue number (default: the main worktree)')
    .action(
      action(runtime, async (ctx, globals, name: string | undefined) => {
        const { requireLane } = await import('../../app/lane/require-lane.js');
        // Like a bare `cd` going home: no lane means back to the main worktree.
        const path = name === undefined ? (await ctx.repo()).mainRoot : (await requireLane(ctx, name, 'lanes cd')).path;
        if (globals.json) return printJson(ctx.io, { path });
        ctx.io.out(`${path}\n`);
        if (ctx.env.LANES_SHELL_INTEGRATION !== '1' && ctx.io.interactive) {
          ctx.io.err(
            `lanes: shell integration is not active, so lanes cannot change your directory; paste ${shellCommand(['cd', path])}, or add eval "$(lanes shell-init bash)" to your shell's startup file`,
          );
        }
      }),
    );

  program
    .command('diff')
    .description("show a lane's changes against its base: committed, uncommitted and untracked files")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option('--stat', 'a summary instead of the patch')
    .action(
      action(runtime, async (ctx, _globals, name: string | undefined, opts: { stat?: boolean }) => {
        const [{ requireLane }, { laneDiff }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/lane-diff.js'),
        ]);
        const lane = await requireLane(ctx, name, 'lanes diff');
        ctx.io.out(await laneDiff(ctx, lane, opts));
      }),
    );
}
