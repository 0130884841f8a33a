import { describe, expect, it } from 'vitest';
import type { TokenUsage } from './agent-events.js';
import {
  computeStats,
  costByModel,
  costReport,
  laneKey,
  laneName,
  modelSwitching,
  parseSince,
  unionMs,
  type StatsRun,
  type StatsVerdict,
} from './stats.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const u = (input: number, output = 0, cacheRead = 0, cacheWrite = 0): TokenUsage => ({
  input,
  output,
  cacheRead,
  cacheWrite,
});

function run(
  id: number,
  lane: string,
  phase: string,
  from: number,
  to: number | null,
  over: Partial<StatsRun>,
): StatsRun {
  return {
    id,
    lane,
    phase,
    model: null,
    finished: true,
    startedAt: at(from),
    endedAt: to === null ? null : at(to),
    usage: null,
    costUsd: null,
    ...over,
  };
}

// Costs by hand from the price table (USD per million tokens):
// r1 sonnet 1000 in × 3 + 200 out × 15 = 0.006 (the CLI's own figure);
// r2 gpt-5: 2000 × 1.25 + 100 × 10 + 1000 cached × 0.125 = 0.003625;
// r3 a model with no price and no cost from its CLI: unpriced;
// r4 failed before any reply: no tokens, no cost;
// r5 the CLI said 0.0013 for sonnet 100 in (0.0003 by the table) and haiku 1000 in (0.001).
const RUNS: StatsRun[] = [
  run(1, 'A', 'implement', 0, 10, {
    model: 'claude-sonnet-4-5',
    usage: { 'claude-sonnet-4-5': u(1000, 200) },
    costUsd: 0.006,
  }),
  run(2, 'B', 'implement', 5, 15, {
    model: 'gpt-5-codex',
    usage: { 'gpt-5-codex': u(2000, 100, 1000) },
    costUsd: 0.003625,
  }),
  run(3, 'A', 'review', 20, 25, { model: 'mystery-model', usage: { 'mystery-model': u(500, 50) } }),
  run(4, 'C', 'implement', 30, 31, { model: 'gpt-5-mini' }),
  run(5, 'A', 'fix', 40, 50, {
    model: 'claude-sonnet-4-5',
    usage: { 'claude-sonnet-4-5': u(100), 'claude-haiku-4-5': u(1000) },
    costUsd: 0.0013,
  }),
];

type F = StatsVerdict['findings'][number];
const f = (category: F['category'], severity: F['severity'], ...reviewers: string[]): F => ({
  category,
  severity,
  reviewers,
});

const VERDICTS: StatsVerdict[] = [
  // A's round 1 was reviewed twice (the same head again); the later verdict is the round's.
  { lane: 'A', round: 1, verdict: 'approve', findings: [], adversarial: true, createdAt: at(25) },
  {
    lane: 'A',
    round: 1,
    verdict: 'request-changes',
    findings: [
      f('bug', 'major', 'claude', 'codex'),
      f('missing-test', 'minor', 'codex'),
      f('other', 'blocker', 'lanes'),
    ],
    adversarial: true,
    createdAt: at(26),
  },
  {
    lane: 'A',
    round: 2,
    verdict: 'approve',
    findings: [f('style', 'nit', 'claude')],
    adversarial: true,
    createdAt: at(55),
  },
  {
    lane: 'B',
    round: 1,
    verdict: 'approve',
    findings: [f('style', 'nit', 'codex')],
    adversarial: false,
    createdAt: at(16),
  },
];

describe('computeStats', () => {
  const report = computeStats({
    runs: RUNS,
    verdicts: VERDICTS,
    needsYou: new Set(['C', 'Z']),
    configuredModels: ['claude-opus-4-1'],
    now: new Date(T0 + 3600_000),
  });

  it('counts lanes, first-review passes, fix rounds and lanes stopped', () => {
    expect(report.lanes).toEqual({
      worked: 3,
      reviewed: 2,
      firstReviewApproved: 1, // B; A's round 1 ended in a request for changes
      firstReviewPassRate: 0.5,
      meanFixRounds: 0.5, // A: 1, B: 0
      stoppedAtRoundLimit: 1, // C (Z has no run in the window)
    });
  });

  it('measures wall time as the union of the runs and agent time as their sum', () => {
    // [0,15] ∪ [20,25] ∪ [30,31] ∪ [40,50] = 15 + 5 + 1 + 10 s; the sum is 10 + 10 + 5 + 1 + 10 s.
    expect(report.time).toEqual({
      runs: 5,
      firstStart: at(0),
      lastEnd: at(50),
      wallMs: 31_000,
      agentMs: 36_000,
      speedup: 36 / 31,
    });
  });

  it('counts the findings of each round once, by category and by severity', () => {
    expect(report.findings).toEqual({
      total: 5,
      byCategory: {
        bug: 1,
        'missing-test': 1,
        'unmet-criterion': 0,
        'scope-drift': 0,
        security: 0,
        style: 2,
        other: 1,
      },
      bySeverity: { blocker: 1, major: 1, minor: 1, nit: 2 },
    });
  });

  it("agreement: adversarial findings two reviewers raised, over those any reviewer raised (lanes' own left out)", () => {
    expect(report.agreement).toEqual({ adversarialRounds: 2, reviewerFindings: 3, agreed: 1, rate: 1 / 3 });
  });

  it('sums tokens and known cost, and counts the runs it could not price', () => {
    expect(report.tokens).toEqual({ input: 4600, output: 350, cacheRead: 1000, cacheWrite: 0, total: 5950 });
    expect(report.cost.runs).toBe(5);
    expect(report.cost.costUsd).toBeCloseTo(0.010925, 12);
    expect(report.cost).toMatchObject({ unpricedRuns: 1, unpricedTokens: 550, runsWithoutUsage: 1 });
  });

  it('per phase', () => {
    expect(report.byPhase.map((p) => [p.phase, p.runs, p.tokens.total, p.unpricedRuns])).toEqual([
      ['implement', 3, 4300, 0],
      ['review', 1, 550, 1],
      ['fix', 1, 1100, 0],
    ]);
    expect(report.byPhase.map((p) => p.costUsd)).toEqual([expect.closeTo(0.009625, 12), 0, expect.closeTo(0.0013, 12)]);
  });

  it("per model, a two-model run's cost split in proportion to the price table", () => {
    expect(report.byModel.map((m) => [m.model, m.runs, m.tokens.input, m.tokens.output, m.unpricedRuns])).toEqual([
      ['claude-haiku-4-5', 1, 1000, 0, 0],
      ['claude-sonnet-4-5', 2, 1100, 200, 0],
      ['gpt-5-codex', 1, 2000, 100, 0],
      ['gpt-5-mini', 1, 0, 0, 0],
      ['mystery-model', 1, 500, 50, 1],
    ]);
    expect(report.byModel.map((m) => m.costUsd)).toEqual([
      expect.closeTo(0.001, 12),
      expect.closeTo(0.0063, 12),
      expect.closeTo(0.003625, 12),
      0,
      0,
    ]);
  });

  it('prices the priced runs on the most expensive configured or used model', () => {
    // claude-opus-4-1 ($15 / $75 / $1.50 cached): 4100 in, 300 out, 1000 cached = 0.0855.
    const s = report.modelSwitching;
    expect(s.baselineModel).toBe('claude-opus-4-1');
    expect(s.baselineUsd).toBeCloseTo(0.0855, 12);
    expect(s.actualUsd).toBeCloseTo(0.010925, 12);
    expect(s.savingUsd).toBeCloseTo(0.074575, 12);
    expect(s.savingPercent).toBeCloseTo((0.074575 / 0.0855) * 100, 9);
    expect(s.excludedRuns).toBe(1);
  });

  it('an empty history gives zeros and nulls, never NaN', () => {
    const empty = computeStats({ runs: [], verdicts: [], needsYou: new Set(), configuredModels: [], now: new Date() });
    expect(empty.lanes).toEqual({
      worked: 0,
      reviewed: 0,
      firstReviewApproved: 0,
      firstReviewPassRate: null,
      meanFixRounds: null,
      stoppedAtRoundLimit: 0,
    });
    expect(empty.time).toEqual({ runs: 0, firstStart: null, lastEnd: null, wallMs: 0, agentMs: 0, speedup: null });
    expect(empty.agreement.rate).toBeNull();
    expect(empty.modelSwitching).toEqual({
      baselineModel: null,
      baselineUsd: null,
      actualUsd: 0,
      savingUsd: null,
      savingPercent: null,
      excludedRuns: 0,
    });
  });

  it('a run still going counts up to now', () => {
    const live = computeStats({
      runs: [run(1, 'A', 'implement', 0, null, { finished: false })],
      verdicts: [],
      needsYou: new Set(),
      configuredModels: [],
      now: new Date(T0 + 7000),
    });
    expect(live.time).toMatchObject({ wallMs: 7000, agentMs: 7000, speedup: 1, lastEnd: null });
  });
});

describe('model switching', () => {
  it('judges the most expensive model on the actual token mix', () => {
    // Output-heavy: gpt-5 ($10 out) beats gpt-4o ($2.50 in, $10 out)? Equal output price; gpt-4o's input is dearer.
    const runs = [run(1, 'A', 'implement', 0, 1, { usage: { 'gpt-5-mini': u(1000, 1000) }, costUsd: 0.00225 })];
    const s = modelSwitching(runs, ['gpt-5', 'gpt-4o']);
    // gpt-4o: 1000 × 2.5 + 1000 × 10 = 0.0125; gpt-5: 0.01125; gpt-5-mini: 0.00225.
    expect(s.baselineModel).toBe('gpt-4o');
    expect(s.baselineUsd).toBeCloseTo(0.0125, 12);
    expect(s.savingUsd).toBeCloseTo(0.01025, 12);
    expect(s.savingPercent).toBeCloseTo(82, 9);
  });

  it('a model with no price is never the baseline', () => {
    const runs = [run(1, 'A', 'implement', 0, 1, { usage: { 'my-llama': u(1000) } })];
    expect(modelSwitching(runs, ['my-llama'])).toMatchObject({ baselineModel: null, excludedRuns: 1, actualUsd: 0 });
  });
});

describe('costByModel', () => {
  it('gives a one-model run its whole cost and splits by tokens when the table cannot price a part', () => {
    expect(costByModel({ model: 'x', costUsd: 0.5, usage: { x: u(10) } })).toEqual({ x: 0.5 });
    expect(costByModel({ model: 'x', costUsd: 0.4, usage: { x: u(30), y: u(10) } })).toEqual({
      x: expect.closeTo(0.3, 12),
      y: expect.closeTo(0.1, 12),
    });
    expect(costByModel({ model: 'x', costUsd: null, usage: { x: u(10) } })).toBeNull();
    expect(costByModel({ model: 'x', costUsd: 0, usage: null })).toEqual({ x: 0 });
  });
});

describe('costReport', () => {
  it('breaks cost down per lane, phase, round and model, with totals', () => {
    const names = RUNS.map((r) => ({ ...r, laneName: r.lane }));
    const report = costReport(
      names,
      new Map([
        [3, 1],
        [5, 1],
      ]),
    );
    expect(report.rows.map((r) => [r.lane, r.phase, r.round, r.model, r.runs, r.tokens.total, r.unpricedRuns])).toEqual(
      [
        ['A', 'implement', null, 'claude-sonnet-4-5', 1, 1200, 0],
        ['A', 'review', 1, 'mystery-model', 1, 550, 1],
        ['A', 'fix', 1, 'claude-haiku-4-5', 1, 1000, 0],
        ['A', 'fix', 1, 'claude-sonnet-4-5', 1, 100, 0],
        ['B', 'implement', null, 'gpt-5-codex', 1, 3100, 0],
        ['C', 'implement', null, 'gpt-5-mini', 1, 0, 0],
      ],
    );
    expect(report.rows.map((r) => r.costUsd)).toEqual([
      expect.closeTo(0.006, 12),
      0,
      expect.closeTo(0.001, 12),
      expect.closeTo(0.0003, 12),
      expect.closeTo(0.003625, 12),
      0,
    ]);
    expect(report.lanes.map((l) => [l.lane, l.runs, l.tokens.total, l.unpricedRuns])).toEqual([
      ['A', 3, 2850, 1],
      ['B', 1, 3100, 0],
      ['C', 1, 0, 0],
    ]);
    expect(report.lanes[0]!.costUsd).toBeCloseTo(0.0073, 12);
    expect(report.total).toMatchObject({ runs: 5, unpricedRuns: 1 });
    expect(report.total.tokens.total).toBe(5950);
    expect(report.total.costUsd).toBeCloseTo(0.010925, 12);
  });
});

describe('windows and lane keys', () => {
  it('parses --since as a day (midnight UTC) or an ISO date-time, and rejects the rest', () => {
    expect(parseSince('2025-03-01')?.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(parseSince('2025-03-01T12:30:00Z')?.toISOString()).toBe('2025-03-01T12:30:00.000Z');
    expect(parseSince('2025-03-01T12:30:00+02:00')?.toISOString()).toBe('2025-03-01T10:30:00.000Z');
    for (const bad of ['yesterday', '2025-02-30', '2025-13-01', '03/01/2025', '', '2025-03-01T25:00:00Z'])
      expect(parseSince(bad), bad).toBeUndefined();
  });

  it('tells the incarnations of a lane name apart by the removals between them', () => {
    const removals = [at(100), at(200)];
    expect(laneKey('issue-1', at(50), removals)).toBe('issue-1#1');
    expect(laneKey('issue-1', at(150), removals)).toBe('issue-1#2');
    expect(laneKey('issue-1', at(250), removals)).toBe('issue-1');
    expect(laneKey('issue-1', at(250), [])).toBe('issue-1');
    expect(laneName('issue-1#2')).toBe('issue-1');
  });

  it('measures the union of overlapping, nested and touching intervals', () => {
    expect(
      unionMs([
        [0, 10],
        [2, 5],
        [10, 12],
        [20, 21],
        [30, 30],
      ]),
    ).toBe(13);
    expect(unionMs([])).toBe(0);
  });
});
