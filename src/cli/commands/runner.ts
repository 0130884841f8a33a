/** `lanes runner manifest`: what a run on a runner configured under `runners` would create. */
import { Option, type Command } from 'commander';
import { AGENT_PHASES, type AgentPhase } from '../../domain/phases.js';
import { action, type CliRuntime } from '../command.js';
import { printJson } from '../output.js';
import { listed } from './agents.js';

export function register(program: Command, runtime: CliRuntime): void {
  const runner = program.command('runner').description('runners configured under "runners" (Kubernetes, SSH)');
  runner
    .command('manifest')
    .description(
      'print what a run of <lane> on <runner> would create (Kubernetes: the ConfigMap and Job as YAML), without creating anything; for review and kubectl apply --dry-run=server',
    )
    .argument('<runner>', 'a runner name under "runners" in lanes.config.json')
    .argument('<lane>', 'a lane (issue-123, or 123)')
    .addOption(new Option('--phase <phase>', listed(AGENT_PHASES)).choices(AGENT_PHASES).default('implement'))
    .action(
      action(runtime, async (ctx, globals, runnerName: string, lane: string, opts: { phase: AgentPhase }) => {
        const { runnerManifest } = await import('../../app/agents/runner-manifest.js');
        const manifest = await runnerManifest(ctx, runnerName, lane, opts.phase);
        if (globals.json) printJson(ctx.io, { runner: runnerName, lane, phase: opts.phase, manifest });
        else ctx.io.out(manifest);
        return 0;
      }),
    );
}
