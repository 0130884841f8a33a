/** `lanes start`, `lanes stop`, `lanes logs`, `lanes attach`: an agent phase in a lane. */
import { Option, type Command } from 'commander';
import { RUNNER_NAMES } from '../../adapters/runners/names.js';
import { InputError } from '../../domain/errors.js';
import { AGENT_PHASES, type AgentPhase } from '../../domain/phases.js';
import { shellCommand } from '../../domain/shell-quote.js';
import { action, type CliRuntime } from '../command.js';
import { jsonSafeForTerminal, printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('start')
    .description("start an agent phase in a lane (headless, or in tmux when the agent's runner is tmux)")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .addOption(new Option('--phase <phase>', listed(AGENT_PHASES)).choices(AGENT_PHASES).default('implement'))
    .option('--agent <agent>', 'agent to run instead of the configured one')
    .option('--model <model>', 'model to ask for instead of the configured one')
    .addOption(
      new Option('--runner <runner>', `${listed(RUNNER_NAMES)}, or a name under "runners" in lanes.config.json`),
    )
    .option('--resume', "continue the lane's previous session of the same agent")
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          name: string | undefined,
          opts: { phase: AgentPhase; agent?: string; model?: string; runner?: string; resume?: boolean },
        ) => {
          const [{ requireLane }, { startAgent }] = await Promise.all([
            import('../../app/lane/require-lane.js'),
            import('../../app/agents/start-agent.js'),
          ]);
          const lane = await requireLane(ctx, name, 'lanes start');
          const run = await startAgent(ctx, lane, opts);
          if (globals.json) return printJson(ctx.io, run);
          ctx.io.out(`${run.id}\n`);
          ctx.io.err(
            `lanes: started ${run.agent} (${run.phase}) in ${lane.name}; follow it with: ${shellCommand(['lanes', 'logs', lane.name, '-f'])}`,
          );
        },
      ),
    );

  program
    .command('stop')
    .description("stop a lane's running agent (the lane stays resumable with lanes start)")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option('--all', "stop every lane's running agent")
    .action(
      action(runtime, async (ctx, globals, name: string | undefined, opts: { all?: boolean }) => {
        const [{ requireLane }, { stopAgent, stopAllAgents }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/agents/stop-agent.js'),
        ]);
        if (opts.all) {
          if (name !== undefined)
            throw new InputError(`lanes stop takes a lane or --all, not both (got ${JSON.stringify(name)} and --all)`);
          const runs = await stopAllAgents(ctx);
          if (globals.json) return printJson(ctx.io, runs);
          if (runs.length === 0) return ctx.io.err('lanes: no agent is running');
          for (const run of runs) ctx.io.err(`lanes: ${run.lane}: agent ${run.status}`);
          return;
        }
        const run = await stopAgent(ctx, await requireLane(ctx, name, 'lanes stop'));
        if (globals.json) return printJson(ctx.io, run);
        ctx.io.err(`lanes: ${run.lane}: agent ${run.status}`);
      }),
    );

  program
    .command('logs')
    .description("show a lane's latest agent transcript; -f follows it")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .option('-f, --follow', 'keep printing until the agent ends')
    .option('--raw', "print the CLI's own machine output unchanged")
    .action(
      action(runtime, async (ctx, _globals, name: string | undefined, opts: { follow?: boolean; raw?: boolean }) => {
        const [{ requireLane }, { showLogs }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/agents/read-logs.js'),
        ]);
        await showLogs(ctx, await requireLane(ctx, name, 'lanes logs'), {
          follow: opts.follow === true,
          raw: opts.raw === true,
          write: (t) => ctx.io.out(opts.raw ? jsonSafeForTerminal(t) : t),
        });
      }),
    );

  program
    .command('attach')
    .description("attach to a lane's tmux session (agents run with the tmux runner)")
    .argument('[lane]', 'lane name or issue number (default: the lane whose worktree you are in)')
    .action(
      action(runtime, async (ctx, _globals, name: string | undefined) => {
        const [{ requireLane }, { attachAgent }] = await Promise.all([
          import('../../app/lane/require-lane.js'),
          import('../../app/agents/attach-agent.js'),
        ]);
        return attachAgent(ctx, await requireLane(ctx, name, 'lanes attach'));
      }),
    );
}

/** "a, b or c", for option help built from a list of names. */
export function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
