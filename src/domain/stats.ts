/**
 * The numbers of `lanes stats` and `lanes cost`: pure arithmetic over stored runs and verdicts (the
 * app layer reads and filters them). Nothing is guessed: a run whose cost is unknown (its model has
 * no price and its CLI gave none) is counted and reported, never priced at 0, and left out of both
 * sides of the model-switching comparison.
 */
import { addUsage, totalTokens, ZERO_USAGE, type TokenUsage } from './agent-events.js';
import { costOf, DEFAULT_PRICES, priceFor, type PriceTable } from './pricing.js';
import {
  FINDING_CATEGORIES,
  LANES_REVIEWER,
  SEVERITIES,
  type Finding,
  type FindingCategory,
  type Severity,
  type Verdict,
} from './review.js';

/** A run as the numbers need it. `lane` is the lane's key (see laneKey): one per lane incarnation. */
export interface StatsRun {
  id: number;
  lane: string;
  phase: string;
  model: string | null;
  /** Whether the run has finished (done, failed, stopped): an unfinished one counts up to `now`. */
  finished: boolean;
  startedAt: string;
  endedAt: string | null;
  usage: Record<string, TokenUsage> | null;
  costUsd: number | null;
}

export interface StatsVerdict {
  lane: string;
  round: number;
  verdict: Verdict;
  findings: readonly Pick<Finding, 'category' | 'severity' | 'reviewers'>[];
  adversarial: boolean;
  createdAt: string;
}

export interface Tokens extends TokenUsage {
  total: number;
}

export interface CostLine {
  runs: number;
  tokens: Tokens;
  /** USD of the runs whose cost is known (priced); the unpriced ones are counted apart. */
  costUsd: number;
  /** Runs that reported tokens but have no cost (no price for the model, none from the CLI). */
  unpricedRuns: number;
}

export interface StatsReport {
  lanes: {
    /** Lanes (incarnations: a lane made again under a removed one's name counts again) with a run in the window. */
    worked: number;
    /** Lanes with a round-1 verdict in the window. */
    reviewed: number;
    /** Of those, the lanes whose round-1 verdict (its last, should the head be reviewed again) approved. */
    firstReviewApproved: number;
    /** firstReviewApproved / reviewed; null when none was reviewed. */
    firstReviewPassRate: number | null;
    /** Mean over reviewed lanes of (highest review round − 1): each later round exists because a fix answered. */
    meanFixRounds: number | null;
    /** Lanes worked whose validation stopped as needs-you (the round limit, or a fix run that failed). */
    stoppedAtRoundLimit: number;
  };
  time: {
    runs: number;
    firstStart: string | null;
    lastEnd: string | null;
    /** Union of the runs' intervals: time when at least one agent ran. */
    wallMs: number;
    /** Sum of the runs' durations. */
    agentMs: number;
    /** agentMs / wallMs: the parallel speed-up achieved; null with no wall time. */
    speedup: number | null;
  };
  findings: {
    /** Findings of each round's verdict (a finding still open in the next round is counted again there). */
    total: number;
    byCategory: Record<FindingCategory, number>;
    bySeverity: Record<Severity, number>;
  };
  agreement: {
    adversarialRounds: number;
    /** Merged findings of adversarial rounds raised by at least one reviewer agent (lanes' own checks excluded). */
    reviewerFindings: number;
    /** Of those, the ones two or more reviewers raised. */
    agreed: number;
    /** agreed / reviewerFindings; null when there were none. */
    rate: number | null;
  };
  tokens: Tokens;
  cost: CostLine & {
    /** Runs that reported no tokens at all (failed at start, still starting): nothing to price. */
    runsWithoutUsage: number;
    unpricedTokens: number;
  };
  byPhase: (CostLine & { phase: string })[];
  byModel: (CostLine & { model: string })[];
  modelSwitching: ModelSwitching;
}

export interface ModelSwitching {
  /** The priced model among those configured or used that would have cost the most for these tokens. */
  baselineModel: string | null;
  /** The priced runs' tokens, every one at the baseline model's prices. */
  baselineUsd: number | null;
  /** What the same (priced) runs cost. */
  actualUsd: number;
  savingUsd: number | null;
  /** savingUsd / baselineUsd × 100. */
  savingPercent: number | null;
  /** Runs left out of the comparison: their actual cost is unknown. */
  excludedRuns: number;
}

export interface StatsInput {
  runs: readonly StatsRun[];
  verdicts: readonly StatsVerdict[];
  /** Keys of lanes whose validation is needs-you. */
  needsYou: ReadonlySet<string>;
  /** Models named in the config (phases.*.model, agents.*.model); the models runs used are added. */
  configuredModels: readonly string[];
  now: Date;
  prices?: PriceTable;
}

// ---- windows and lane keys ----

/** `--since`: an ISO date-time or YYYY-MM-DD (midnight UTC); undefined when it is neither. */
export function parseSince(text: string): Date | undefined {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A day the calendar does not have (2025-02-30) would otherwise roll over into the next month.
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  const date = t.length === 10 ? day : new Date(t.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Which incarnation of a lane name a record belongs to: the history outlives lanes, and a lane made
 * again under a removed one's name is another lane. `removals`: the times lanes of that name were
 * removed. The current incarnation keeps the bare name.
 */
export function laneKey(name: string, at: string, removals: readonly string[]): string {
  const later = removals.filter((r) => r >= at).length;
  return later === 0 ? name : `${name}#${removals.length - later + 1}`;
}

/** The name part of a lane key. */
export function laneName(key: string): string {
  return key.replace(/#\d+$/, '');
}

// ---- tokens and cost ----

function tokensOf(u: TokenUsage): Tokens {
  return { ...u, total: totalTokens(u) };
}

function runUsage(run: Pick<StatsRun, 'usage'>): TokenUsage {
  return Object.values(run.usage ?? {}).reduce(addUsage, ZERO_USAGE);
}

function hasTokens(run: Pick<StatsRun, 'usage'>): boolean {
  return totalTokens(runUsage(run)) > 0;
}

/**
 * The run's cost split by model. A run of one model: all of it. Several (a CLI that called a small
 * model on the side): in proportion to what the price table says each part cost, else to tokens.
 * null when the run's cost is unknown.
 */
export function costByModel(
  run: Pick<StatsRun, 'usage' | 'costUsd' | 'model'>,
  prices: PriceTable = DEFAULT_PRICES,
): Record<string, number> | null {
  if (run.costUsd === null) return null;
  const entries = Object.entries(run.usage ?? {}).filter(([, u]) => totalTokens(u) > 0);
  if (entries.length === 0) return { [run.model ?? 'unknown']: run.costUsd };
  if (entries.length === 1) return { [entries[0]![0]]: run.costUsd };
  const table = entries.map(([m, u]) => costOf(u, m, prices));
  const tableTotal = table.reduce<number>((a, b) => a + (b ?? 0), 0);
  const byTable = table.every((c) => c !== undefined) && tableTotal > 0;
  const tokenTotal = entries.reduce((a, [, u]) => a + totalTokens(u), 0);
  const out: Record<string, number> = {};
  entries.forEach(([m, u], i) => {
    const share = byTable ? table[i]! / tableTotal : totalTokens(u) / tokenTotal;
    out[m] = (run.costUsd ?? 0) * share;
  });
  return out;
}

function emptyLine(): CostLine {
  return { runs: 0, tokens: tokensOf(ZERO_USAGE), costUsd: 0, unpricedRuns: 0 };
}

function addToLine(line: CostLine, usage: TokenUsage, cost: number | null, unpriced: boolean): void {
  line.runs++;
  line.tokens = tokensOf(addUsage(line.tokens, usage));
  if (cost !== null) line.costUsd += cost;
  if (unpriced) line.unpricedRuns++;
}

/** A run's parts per model: tokens and cost (null when unknown). A run with no usage is one part of its model. */
function modelParts(run: StatsRun, prices: PriceTable): { model: string; usage: TokenUsage; cost: number | null }[] {
  const split = costByModel(run, prices);
  const entries = Object.entries(run.usage ?? {}).filter(([, u]) => totalTokens(u) > 0);
  if (entries.length === 0) return [{ model: run.model ?? 'unknown', usage: ZERO_USAGE, cost: run.costUsd }];
  return entries.map(([model, usage]) => ({ model, usage, cost: split ? (split[model] ?? 0) : null }));
}

// ---- the report ----

function lastOfEachRound(verdicts: readonly StatsVerdict[]): StatsVerdict[] {
  const last = new Map<string, StatsVerdict>();
  for (const v of [...verdicts].sort((a, b) => a.createdAt.localeCompare(b.createdAt)))
    last.set(`${v.lane}\n${v.round}`, v);
  return [...last.values()];
}

/** Length of the union of intervals (ms). */
export function unionMs(intervals: readonly (readonly [number, number])[]): number {
  const sorted = [...intervals].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [s, e] of sorted) {
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else if (e > end) end = e;
  }
  if (end > start) total += end - start;
  return total;
}

function runInterval(run: StatsRun, now: Date): [number, number] | undefined {
  const start = Date.parse(run.startedAt);
  if (run.endedAt) return [start, Date.parse(run.endedAt)];
  return run.finished ? undefined : [start, Math.max(start, now.getTime())];
}

export function computeStats(input: StatsInput): StatsReport {
  const prices = input.prices ?? DEFAULT_PRICES;
  const { runs } = input;

  // Lanes and rounds.
  const worked = new Set(runs.map((r) => r.lane));
  const rounds = lastOfEachRound(input.verdicts);
  const firstRound = rounds.filter((v) => v.round === 1);
  const reviewed = new Set(firstRound.map((v) => v.lane));
  const approved = firstRound.filter((v) => v.verdict === 'approve').length;
  const highest = new Map<string, number>();
  for (const v of rounds) if (reviewed.has(v.lane)) highest.set(v.lane, Math.max(highest.get(v.lane) ?? 0, v.round));
  const fixRounds = [...highest.values()].reduce((a, r) => a + (r - 1), 0);

  // Time.
  const intervals = runs.map((r) => runInterval(r, input.now)).filter((i): i is [number, number] => i !== undefined);
  const agentMs = intervals.reduce((a, [s, e]) => a + Math.max(0, e - s), 0);
  const wallMs = unionMs(intervals);
  const starts = runs.map((r) => r.startedAt).sort();
  const ends = runs
    .map((r) => r.endedAt)
    .filter((e): e is string => e !== null)
    .sort();

  // Findings and agreement.
  const byCategory = Object.fromEntries(FINDING_CATEGORIES.map((c) => [c, 0])) as Record<FindingCategory, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let adversarialRounds = 0;
  let reviewerFindings = 0;
  let agreed = 0;
  for (const v of rounds) {
    for (const f of v.findings) {
      byCategory[f.category]++;
      bySeverity[f.severity]++;
    }
    if (!v.adversarial) continue;
    adversarialRounds++;
    for (const f of v.findings) {
      const agents = new Set(f.reviewers.filter((r) => r !== LANES_REVIEWER));
      if (agents.size === 0) continue;
      reviewerFindings++;
      if (agents.size >= 2) agreed++;
    }
  }

  // Tokens and cost.
  const total = emptyLine();
  const phases = new Map<string, CostLine>();
  const models = new Map<string, CostLine>();
  let runsWithoutUsage = 0;
  let unpricedTokens = 0;
  for (const run of runs) {
    const usage = runUsage(run);
    const unpriced = run.costUsd === null && hasTokens(run);
    if (!hasTokens(run) && run.costUsd === null) runsWithoutUsage++;
    if (unpriced) unpricedTokens += totalTokens(usage);
    addToLine(total, usage, run.costUsd, unpriced);
    const phase = phases.get(run.phase) ?? emptyLine();
    phases.set(run.phase, phase);
    addToLine(phase, usage, run.costUsd, unpriced);
    for (const part of modelParts(run, prices)) {
      const line = models.get(part.model) ?? emptyLine();
      models.set(part.model, line);
      addToLine(line, part.usage, part.cost, unpriced);
    }
  }

  return {
    lanes: {
      worked: worked.size,
      reviewed: reviewed.size,
      firstReviewApproved: approved,
      firstReviewPassRate: reviewed.size > 0 ? approved / reviewed.size : null,
      meanFixRounds: reviewed.size > 0 ? fixRounds / reviewed.size : null,
      stoppedAtRoundLimit: [...worked].filter((l) => input.needsYou.has(l)).length,
    },
    time: {
      runs: runs.length,
      firstStart: starts[0] ?? null,
      lastEnd: ends[ends.length - 1] ?? null,
      wallMs,
      agentMs,
      speedup: wallMs > 0 ? agentMs / wallMs : null,
    },
    findings: {
      total: Object.values(bySeverity).reduce((a, b) => a + b, 0),
      byCategory,
      bySeverity,
    },
    agreement: {
      adversarialRounds,
      reviewerFindings,
      agreed,
      rate: reviewerFindings > 0 ? agreed / reviewerFindings : null,
    },
    tokens: total.tokens,
    cost: { ...total, runsWithoutUsage, unpricedTokens },
    byPhase: [...phases.entries()].map(([phase, line]) => ({ phase, ...line })).sort((a, b) => order(a.phase, b.phase)),
    byModel: [...models.entries()].map(([model, line]) => ({ model, ...line })).sort((a, b) => order(a.model, b.model)),
    modelSwitching: modelSwitching(runs, input.configuredModels, prices),
  };
}

const PHASE_ORDER = ['plan', 'implement', 'review', 'fix', 'audit', 'lint', 'heal'];
function order(a: string, b: string): number {
  const ia = PHASE_ORDER.indexOf(a);
  const ib = PHASE_ORDER.indexOf(b);
  if (ia !== ib && ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0 !== ib >= 0) return ia >= 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the priced runs' tokens would have cost on the single most expensive model: among the priced
 * models configured or used, the one that prices these very tokens highest (prices differ per kind
 * of token, so "most expensive" is judged on the actual mix).
 */
export function modelSwitching(
  runs: readonly StatsRun[],
  configuredModels: readonly string[],
  prices: PriceTable = DEFAULT_PRICES,
): ModelSwitching {
  const priced = runs.filter((r) => r.costUsd !== null);
  const excludedRuns = runs.filter((r) => r.costUsd === null && hasTokens(r)).length;
  const actualUsd = priced.reduce((a, r) => a + (r.costUsd ?? 0), 0);
  const usages = priced.flatMap((r) => Object.values(r.usage ?? {}));
  const candidates = [
    ...new Set([
      ...configuredModels,
      ...runs.flatMap((r) => [...(r.model ? [r.model] : []), ...Object.keys(r.usage ?? {})]),
    ]),
  ]
    .filter((m) => priceFor(m, prices) !== undefined)
    .sort();
  let best: { model: string; usd: number } | undefined;
  for (const model of candidates) {
    const usd = usages.reduce((a, u) => a + (costOf(u, model, prices) ?? 0), 0);
    if (!best || usd > best.usd) best = { model, usd };
  }
  if (!best || usages.every((u) => totalTokens(u) === 0))
    return {
      baselineModel: best?.model ?? null,
      baselineUsd: null,
      actualUsd,
      savingUsd: null,
      savingPercent: null,
      excludedRuns,
    };
  const savingUsd = best.usd - actualUsd;
  return {
    baselineModel: best.model,
    baselineUsd: best.usd,
    actualUsd,
    savingUsd,
    savingPercent: best.usd > 0 ? (savingUsd / best.usd) * 100 : null,
    excludedRuns,
  };
}

// ---- lanes cost ----

export interface CostRow extends CostLine {
  lane: string;
  phase: string;
  /** The review round of a review run; the round a fix run answered; null for implement and plan. */
  round: number | null;
  model: string;
}

export interface CostReport {
  rows: CostRow[];
  lanes: (CostLine & { lane: string })[];
  total: CostLine;
}

/** Cost per lane, phase, round and model. `roundOf`: a run's round (review or fix), when it has one. */
export function costReport(
  runs: readonly (StatsRun & { laneName: string })[],
  roundOf: ReadonlyMap<number, number>,
  prices: PriceTable = DEFAULT_PRICES,
): CostReport {
  const rows = new Map<string, CostRow>();
  const lanes = new Map<string, CostLine>();
  const total = emptyLine();
  for (const run of runs) {
    const usage = runUsage(run);
    const unpriced = run.costUsd === null && hasTokens(run);
    addToLine(total, usage, run.costUsd, unpriced);
    const lane = lanes.get(run.laneName) ?? emptyLine();
    lanes.set(run.laneName, lane);
    addToLine(lane, usage, run.costUsd, unpriced);
    const round = roundOf.get(run.id) ?? null;
    for (const part of modelParts(run, prices)) {
      const key = JSON.stringify([run.laneName, run.phase, round, part.model]);
      const row = rows.get(key) ?? { lane: run.laneName, phase: run.phase, round, model: part.model, ...emptyLine() };
      rows.set(key, row);
      addToLine(row, part.usage, part.cost, unpriced);
    }
  }
  const sorted = [...rows.values()].sort(
    (a, b) =>
      (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0) ||
      (a.round ?? 0) - (b.round ?? 0) ||
      order(a.phase, b.phase) ||
      order(a.model, b.model),
  );
  return {
    rows: sorted,
    lanes: [...lanes.entries()].map(([lane, line]) => ({ lane, ...line })).sort((a, b) => order(a.lane, b.lane)),
    total,
  };
}
