/** `lanes stats` and `lanes cost`: the numbers of the lanes worked, from the stored history. */
import type { Command } from 'commander';
import type { Io } from '../../app/context.js';
import type { CostResult, StatsResult } from '../../app/stats.js';
import type { CostLine } from '../../domain/stats.js';
import { action, type CliRuntime } from '../command.js';
import { printJson, table } from '../output.js';

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('stats')
    .description(
      'what lanes achieved: speed-up, first-review pass rate, fix rounds, findings, reviewer agreement, tokens and cost, and the saving from model switching',
    )
    .option('--since <date>', 'only runs started from then on (YYYY-MM-DD, midnight UTC, or an ISO date-time)')
    .action(
      action(runtime, async (ctx, globals, opts: { since?: string }) => {
        const { laneStats } = await import('../../app/stats.js');
        const result = await laneStats(ctx, opts);
        if (globals.json) printJson(ctx.io, result);
        else printStats(ctx.io, result);
      }),
    );

  program
    .command('cost')
    .description('tokens and cost per lane, phase, review round and model (removed lanes included)')
    .argument('[lane]', 'one lane (a name, or an issue number); default: every lane')
    .option('--since <date>', 'only runs started from then on (YYYY-MM-DD, midnight UTC, or an ISO date-time)')
    .action(
      action(runtime, async (ctx, globals, lane: string | undefined, opts: { since?: string }) => {
        const { laneCost } = await import('../../app/stats.js');
        const result = await laneCost(ctx, { ...opts, ...(lane === undefined ? {} : { lane }) });
        if (globals.json) printJson(ctx.io, result);
        else printCost(ctx.io, result);
      }),
    );
}

// Four decimals (agent runs cost cents); a sliver below that keeps two significant digits rather than show 0.
const usd = (n: number) => `$${n !== 0 && Math.abs(n) < 0.0001 ? n.toPrecision(2) : n.toFixed(4)}`;
const pct = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const seconds = (ms: number) =>
  ms >= 3_600_000
    ? `${(ms / 3_600_000).toFixed(2)} h`
    : ms >= 60_000
      ? `${(ms / 60_000).toFixed(1)} min`
      : `${(ms / 1000).toFixed(1)} s`;

/** Cost with what is not in it said next to it. */
function costCell(line: CostLine): string {
  return line.unpricedRuns > 0 ? `${usd(line.costUsd)} + ${line.unpricedRuns} unpriced` : usd(line.costUsd);
}

function printStats(io: Io, s: StatsResult): void {
  if (s.time.runs === 0) {
    io.out(`No agent runs${s.since ? ` since ${s.since}` : ''} yet: lanes run or lanes new starts some.\n`);
    return;
  }
  const lines = [
    `Lanes worked         ${s.lanes.worked}${s.since ? ` (runs since ${s.since})` : ''}`,
    `Wall time            ${seconds(s.time.wallMs)} (time when at least one agent ran)`,
    `Agent time           ${seconds(s.time.agentMs)} in ${s.time.runs} runs`,
    `Speed-up             ${s.time.speedup === null ? '-' : `${s.time.speedup.toFixed(2)}x`} (agent time / wall time)`,
    `First-review pass    ${pct(s.lanes.firstReviewPassRate)} (${s.lanes.firstReviewApproved} of ${s.lanes.reviewed} reviewed lanes approved in round 1)`,
    `Mean fix rounds      ${s.lanes.meanFixRounds === null ? '-' : s.lanes.meanFixRounds.toFixed(2)}`,
    `Stopped (needs you)  ${s.lanes.stoppedAtRoundLimit}`,
    `Reviewer agreement   ${pct(s.agreement.rate)} (${s.agreement.agreed} of ${s.agreement.reviewerFindings} findings of ${s.agreement.adversarialRounds} adversarial rounds raised by 2+ reviewers)`,
    `Findings             ${s.findings.total}: ${
      Object.entries(s.findings.bySeverity)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'none'
    }; ${
      Object.entries(s.findings.byCategory)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || '-'
    }`,
    `Tokens               ${s.tokens.total} (input ${s.tokens.input}, output ${s.tokens.output}, cache read ${s.tokens.cacheRead}, cache write ${s.tokens.cacheWrite})`,
    `Cost                 ${usd(s.cost.costUsd)}`,
  ];
  const m = s.modelSwitching;
  if (m.baselineModel && m.baselineUsd !== null && m.savingUsd !== null)
    lines.push(
      `One model            ${usd(m.baselineUsd)} had every token gone to ${m.baselineModel}: model switching saved ${usd(m.savingUsd)}${m.savingPercent === null ? '' : ` (${m.savingPercent.toFixed(1)}%)`}`,
    );
  io.out(`${lines.join('\n')}\n`);
  const rows = (list: (CostLine & { name: string })[]) =>
    list.map((l) => [l.name, String(l.runs), String(l.tokens.total), costCell(l)]);
  io.out(`\n${table(rows(s.byPhase.map((p) => ({ ...p, name: p.phase }))), ['PHASE', 'RUNS', 'TOKENS', 'COST'])}`);
  io.out(`\n${table(rows(s.byModel.map((p) => ({ ...p, name: p.model }))), ['MODEL', 'RUNS', 'TOKENS', 'COST'])}`);
  if (s.cost.unpricedRuns > 0)
    io.err(
      `lanes: ${s.cost.unpricedRuns} run(s) with ${s.cost.unpricedTokens} tokens have no known cost (no price for their model, none from their CLI): not in the cost, nor in the model-switching comparison`,
    );
}

function printCost(io: Io, c: CostResult): void {
  if (c.rows.length === 0) {
    io.out(`No agent runs${c.lane ? ` of ${c.lane}` : ''}${c.since ? ` since ${c.since}` : ''} yet.\n`);
    return;
  }
  const rows = c.rows.map((r) => [
    r.lane,
    r.phase,
    r.round === null ? '-' : String(r.round),
    r.model,
    String(r.runs),
    String(r.tokens.input),
    String(r.tokens.output),
    String(r.tokens.cacheRead + r.tokens.cacheWrite),
    costCell(r),
  ]);
  rows.push([
    'total',
    '',
    '',
    '',
    String(c.total.runs),
    String(c.total.tokens.input),
    String(c.total.tokens.output),
    String(c.total.tokens.cacheRead + c.total.tokens.cacheWrite),
    costCell(c.total),
  ]);
  io.out(table(rows, ['LANE', 'PHASE', 'ROUND', 'MODEL', 'RUNS', 'INPUT', 'OUTPUT', 'CACHE', 'COST']));
  if (c.total.unpricedRuns > 0)
    io.err(
      `lanes: ${c.total.unpricedRuns} run(s) have no known cost (no price for their model, none from their CLI): not in the totals`,
    );
}
