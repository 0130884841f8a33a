import type { Command } from 'commander';
import { action, type CliRuntime } from '../command.js';
import { lanePhase } from '../../domain/lane.js';
import type { Context } from '../../app/context.js';
import type { LaneView } from '../../app/list-lanes.js';
import { BOARD_COLUMNS, BOARD_TITLES, boardColumn } from '../../domain/board.js';
import { InputError } from '../../domain/errors.js';
import { stripTerminalControls } from '../../domain/terminal-text.js';
import { laneJson } from '../lane-json.js';
import { oneLine, printJson, table } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('ls')
    .alias('list')
    .description('list lanes with phase, agent state, ahead/behind, dirty files, ports and path')
    .option('--watch', 'show the board (lanes by state) in the terminal, redrawn in place as lanes change')
    .action(
      action(runtime, async (ctx, globals, opts: { watch?: boolean }) => {
        if (opts.watch) return watchBoard(ctx, globals.json);
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

/**
 * `lanes ls --watch`: the dashboard's board in the terminal, redrawn in place whenever the state
 * changes (and every few seconds, for the clocks). Only on a terminal: redrawing into a file or a
 * pipe makes no sense, and scripts have `lanes watch --json` and `lanes ls --json`.
 */
async function watchBoard(ctx: Context, json: boolean): Promise<void> {
  if (json || process.stdout.isTTY !== true)
    throw new InputError(
      'lanes ls --watch redraws the board in place and needs a terminal (without --json); for lines use lanes watch [--json], for data lanes ls --json',
    );
  const [{ listLanes }, { watchState }] = await Promise.all([
    import('../../app/list-lanes.js'),
    import('../../app/ui/state-watch.js'),
  ]);
  const store = await ctx.store();
  let drawing = false;
  let again = false;
  const draw = async () => {
    if (drawing) return void (again = true);
    drawing = true;
    try {
      do {
        again = false;
        const lanes = await listLanes(ctx);
        const width = process.stdout.columns || 100;
        process.stdout.write(`\x1b[H\x1b[2J${boardText(lanes, width)}`);
      } while (again && !ctx.signal.aborted);
    } finally {
      drawing = false;
    }
  };
  const watcher = watchState(store, () => void draw(), { signal: ctx.signal });
  const clock = setInterval(() => void draw(), 5_000);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(clock);
  watcher.stop();
}

function boardText(lanes: LaneView[], width: number): string {
  const clip = (text: string) => stripTerminalControls(text, { keepLayout: false }).slice(0, width - 1);
  const out = [`lanes: ${lanes.length} lanes · ${new Date().toLocaleTimeString()} · Ctrl-C to quit`, ''];
  for (const column of BOARD_COLUMNS) {
    const here = lanes.filter((l) => boardColumn(l) === column);
    out.push(`${BOARD_TITLES[column].toUpperCase()} (${here.length})`);
    for (const l of here) {
      const cost = l.costUsd !== null ? ` $${l.costUsd.toFixed(3)}` : '';
      const review = reviewCell(l);
      out.push(
        clip(
          `  ${l.name.padEnd(16)} ${lanePhase(l).padEnd(10)} ${l.agentState.padEnd(8)} ${review === '-' ? '' : `${review} `}${oneLine(l.issue.title, 40)}${cost}`,
        ),
      );
    }
  }
  return `${out.join('\n')}\n`;
}
