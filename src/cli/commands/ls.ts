import type { Command } from 'commander';
import { action, type CliRuntime } from '../command.js';
import { lanePhase } from '../../domain/lane.js';
import type { LaneView } from '../../app/list-lanes.js';
import { laneJson } from '../lane-json.js';
import { oneLine, printJson, table } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('ls')
    .alias('list')
    .description('list lanes with phase, agent state, ahead/behind, dirty files, ports and path')
    .action(
      action(runtime, async (ctx, globals) => {
        const [{ listLanes }, { isNoCommitWarning }] = await Promise.all([
          import('../../app/list-lanes.js'),
          import('../../app/agents/commit-check.js'),
        ]);
        const lanes = await listLanes(ctx);
        // A done agent that committed nothing is done, with a warning that says so.
        const warningsOf = (l: (typeof lanes)[number]) =>
          l.agent?.status === 'done' && isNoCommitWarning(l.agent.reason) ? [l.agent.reason!] : [];
        if (globals.json) {
          return printJson(
            ctx.io,
            lanes.map((l) =>
              laneJson(l, {
                ahead: l.ahead,
                behind: l.behind,
                dirty: l.dirty,
                missing: l.missing,
                agent: l.agent,
                validation: l.validation ?? null,
                review: l.review,
                pr: l.pr,
                rounds: l.rounds,
                tokens: l.tokens,
                costUsd: l.costUsd,
                warnings: warningsOf(l),
                ...(l.error ? { error: l.error } : {}),
              }),
            ),
          );
        }
        if (lanes.length === 0) return ctx.io.err('lanes: no lanes yet (lanes new <issue> creates one)');
        const rows = lanes.map((l) => [
          l.name,
          oneLine(`${l.issue.id} ${l.issue.title}`, 40),
          l.branch,
          l.base,
          l.missing ? 'missing' : l.ahead === null ? '?' : `+${l.ahead} -${l.behind}`,
          l.dirty === null ? '-' : String(l.dirty),
          Object.entries(l.ports)
            .map(([s, p]) => `${s}:${p}`)
            .join(' '),
          l.database ? `${l.database.provider}:${l.database.name}` : '-',
          lanePhase(l),
          l.agent
            ? `${l.agent.agent}:${l.agentState}${warningsOf(l).length > 0 ? '-no-commits' : ''}${l.agent.exitCode !== null && l.agent.exitCode !== 0 ? `(${l.agent.exitCode})` : ''} ${((l.agent.durationMs ?? 0) / 1000).toFixed(0)}s${l.agent.tokens ? ` ${l.agent.tokens}tok` : ''}${l.agent.costUsd !== null ? ` $${l.agent.costUsd.toFixed(3)}` : ''}${l.agent.remote ? ` ${l.agent.remote.runner}: ${l.agent.remote.phase}` : ''}`
            : l.agentState,
          reviewCell(l),
          l.costUsd !== null ? `$${l.costUsd.toFixed(3)}` : '-',
          l.path,
        ]);
        ctx.io.out(
          table(rows, [
            'LANE',
            'ISSUE',
            'BRANCH',
            'BASE',
            'AHEAD/BEHIND',
            'DIRTY',
            'PORTS',
            'DATABASE',
            'PHASE',
            'AGENT',
            'REVIEW',
            'COST',
            'PATH',
          ]),
        );
        for (const l of lanes)
          for (const warning of warningsOf(l)) ctx.io.err(`lanes: warning: ${l.name}: the agent ${warning}`);
      }),
    );
}

/** PR and verdict in one cell: `#12 r2 changes-requested 3 open`, `local r1 approved`, `needs-you`. */
function reviewCell(l: LaneView): string {
  const parts: string[] = [];
  if (l.pr) parts.push(l.pr.kind === 'github' && l.pr.number !== null ? `#${l.pr.number}` : 'local');
  const state = l.validation?.state;
  if (l.review) {
    parts.push(`r${l.review.round}`);
    parts.push(state && state !== 'approved' && state !== 'changes-requested' ? state : l.review.verdict);
    if (l.review.openFindings > 0) parts.push(`${l.review.openFindings} open`);
  } else if (state && state !== 'pr-open') parts.push(state);
  return parts.length > 0 ? parts.join(' ') : '-';
}
