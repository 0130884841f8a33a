import type { Command } from 'commander';
import { LanesError } from '../../domain/errors.js';
import { shellCommand } from '../../domain/shell-quote.js';
import { action, type CliRuntime } from '../command.js';
import { laneJson } from '../lane-json.js';
import { printJson } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('new')
    .description('create a lane per issue (worktree, branch, ports, env) and start its agent unless --no-agent')
    .argument('<issue...>', 'issue references: 123, #123, owner/repo#123, ENG-42, or an issue URL')
    .option(
      '--base <ref>',
      'branch, tag or commit to start from (default: config base, else the remote default branch, else main/master)',
    )
    .option('--no-agent', 'create the lane only')
    .option('--agent <agent>', 'agent to start instead of the configured one')
    .option(
      '--source <source>',
      'issue source for this command instead of config issues.source: local, github, linear or jira',
    )
    .option('--allow-closed', 'make lanes for closed issues too')
    .option('--parallel <n>', 'lanes built at once', (v: string) => Math.max(1, Number.parseInt(v, 10) || 1), 4)
    .action(
      action(
        runtime,
        async (
          ctx,
          globals,
          issues: string[],
          opts: { base?: string; agent: boolean | string; parallel: number; source?: string; allowClosed?: boolean },
        ) => {
          const { createLanes } = await import('../../app/create-lane.js');
          if (opts.agent !== false) {
            // Before any lane is made: an unknown agent, a missing CLI or missing credentials.
            const { requireAgentsReady } = await import('../../app/agents/preflight.js');
            requireAgentsReady(
              await ctx.config(),
              await ctx.agentAdapters(),
              ctx.env,
              [{ phase: 'implement', agent: typeof opts.agent === 'string' ? opts.agent : undefined }],
              {
                hint: 'pass --no-agent to make the lanes without starting agents',
              },
            );
          }
          const result = await createLanes(ctx, issues, {
            base: opts.base,
            parallel: opts.parallel,
            source: opts.source,
            allowClosed: opts.allowClosed,
          });
          if (globals.json) {
            printJson(ctx.io, {
              base: result.base,
              baseCommit: result.baseCommit,
              lanes: result.created.map((l) => laneJson(l)),
              failed: result.failed.map((f) => ({
                issue: f.issue,
                lane: f.lane,
                error: f.error.message,
                exitCode: f.error.exitCode,
              })),
            });
          } else {
            for (const lane of result.created) {
              const ports = Object.entries(lane.ports)
                .map(([s, p]) => `${s}=${p}`)
                .join(' ');
              ctx.io.out(`${lane.name}\t${lane.path}\t${ports}\n`);
              ctx.io.err(
                `lanes: created ${lane.name} on branch ${lane.branch} from ${lane.base}; cd into it with: ${shellCommand(['cd', lane.path])}`,
              );
            }
          }
          for (const f of result.failed) ctx.io.err(`lanes: ${f.lane}: ${f.error.message}`);
          let exitCode = result.failed[0]?.error.exitCode;
          if (opts.agent !== false) {
            const { startAgent } = await import('../../app/agents/start-agent.js');
            for (const lane of result.created) {
              try {
                const run = await startAgent(ctx, lane, {
                  phase: 'implement',
                  agent: typeof opts.agent === 'string' ? opts.agent : undefined,
                });
                ctx.io.err(
                  `lanes: ${lane.name}: started ${run.agent}; follow it with: ${shellCommand(['lanes', 'logs', lane.name, '-f'])}`,
                );
              } catch (err) {
                // The lane itself is made and kept: the agent can be started again with lanes start.
                ctx.io.err(`lanes: ${lane.name}: agent not started: ${(err as Error).message}`);
                exitCode ??= err instanceof LanesError ? err.exitCode : 1;
              }
            }
          }
          return exitCode;
        },
      ),
    );
}
