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
    .argument('<lane>')
    .option('--service <name>', 'a named service from ports.services')
    .action(
      action(runtime, async (ctx, globals, name: string, opts: { service?: string }) => {
        const { requireLane } = await import('../../app/require-lane.js');
        const lane = await requireLane(ctx, name);
        if (opts.service !== undefined && !(opts.service in lane.ports)) {
          throw new InputError(`lane ${lane.name} has no service ${JSON.stringify(opts.service)}; its services: ${Object.keys(lane.ports).join(', ')}`);
        }
        if (globals.json) return printJson(ctx.io, opts.service ? { [opts.service]: lane.ports[opts.service] } : lane.ports);
        const port = opts.service ? lane.ports[opts.service] : Object.values(lane.ports)[0];
        ctx.io.out(`${port}\n`);
      }),
    );

  program
    .command('env')
    .description("print a lane's environment (LANE, PORT, PORT_<SERVICE>, DATABASE_URL) as shell exports")
    .argument('<lane>')
    .action(
      action(runtime, async (ctx, globals, name: string) => {
        const [{ requireLane }, { laneVariables }] = await Promise.all([import('../../app/require-lane.js'), import('../../app/lane-env.js')]);
        const vars = laneVariables(await requireLane(ctx, name));
        if (globals.json) return printJson(ctx.io, vars);
        ctx.io.out(Object.entries(vars).map(([k, v]) => `export ${k}=${shellCommand([v])}\n`).join(''));
      }),
    );

  program
    .command('cd')
    .description("print a lane's directory; with shell integration (lanes shell-init) it changes into it")
    .argument('<lane>')
    .action(
      action(runtime, async (ctx, globals, name: string) => {
        const { requireLane } = await import('../../app/require-lane.js');
        const lane = await requireLane(ctx, name);
        if (globals.json) return printJson(ctx.io, { path: lane.path });
        ctx.io.out(`${lane.path}\n`);
        if (ctx.env.LANES_SHELL_INTEGRATION !== '1' && ctx.io.interactive) {
          ctx.io.err(`lanes: shell integration is not active, so lanes cannot change your directory; paste ${shellCommand(['cd', lane.path])}, or add eval "$(lanes shell-init bash)" to your shell's startup file`);
        }
      }),
    );

  program
    .command('diff')
    .description("show a lane's changes against its base (committed and uncommitted)")
    .argument('<lane>')
    .option('--stat', 'a summary instead of the patch')
    .action(
      action(runtime, async (ctx, _globals, name: string, opts: { stat?: boolean }) => {
        const [{ requireLane }, git] = await Promise.all([import('../../app/require-lane.js'), import('../../infra/git.js')]);
        const lane = await requireLane(ctx, name);
        const base = (await git.resolveCommit(lane.path, lane.base)) ? lane.base : lane.baseCommit;
        const mergeBase = (await git.git(lane.path, ['merge-base', base, 'HEAD'], { signal: ctx.signal })).stdout.trim();
        const res = await git.git(lane.path, ['diff', ...(opts.stat ? ['--stat'] : []), mergeBase], { signal: ctx.signal });
        ctx.io.out(res.stdout);
      }),
    );
}
