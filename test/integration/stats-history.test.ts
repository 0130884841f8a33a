// The use cases of lanes stats and lanes cost over a real state file: history of removed lanes, a lane
// made again under a removed one's name, --since, a run no price covers, an adversarial round.
import { afterEach, describe, expect, it } from 'vitest';
import { laneCost, laneStats } from '../../src/app/stats.js';
import type { Context } from '../../src/app/context.js';
import type { Finding } from '../../src/domain/review.js';
import type { VerdictRecord } from '../../src/infra/review-store.js';
import type { RunRecord, StateStore } from '../../src/infra/store.js';
import { makeLaneRepo, type LaneRepo } from '../helpers/lane-repo.js';
import { finding } from '../helpers/verdicts.js';

let repo: LaneRepo | undefined;
let ctx: Context | undefined;
afterEach(() => {
  ctx?.close();
  repo?.cleanup();
  repo = ctx = undefined;
});

function addRun(
  store: StateStore,
  lane: string,
  phase: string,
  model: string,
  startedAt: string,
  endedAt: string,
  usage: NonNullable<RunRecord['usage']>,
  costUsd: number | null,
): number {
  const id = store.insertRun({
    lane,
    phase,
    agent: 'x',
    adapter: 'claude',
    model,
    runner: 'headless',
    runDir: '/none',
    startedAt,
  });
  store.updateRun(id, { status: 'done', endedAt, usage, costUsd });
  return id;
}

function addVerdict(
  store: StateStore,
  lane: string,
  round: number,
  verdict: VerdictRecord['verdict'],
  createdAt: string,
  findings: Finding[] = [],
  adversarial = false,
): void {
  store.reviews.insertVerdict({
    lane,
    round,
    head: 'h',
    base: 'b',
    verdict,
    findings,
    audit: { criteria: [], scopeDrift: [] },
    disputes: [],
    disagreements: [],
    reviewers: adversarial ? ['claude', 'codex'] : ['claude'],
    reviewIds: [],
    adversarial,
    createdAt,
  });
}

const u = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0 });

describe('lanes stats and lanes cost over the stored history', () => {
  it('count a removed lane and its successor of the same name apart, filter by --since, and say what is unpriced', async () => {
    repo = await makeLaneRepo({});
    ctx = repo.context();
    const store = await ctx.store();
    // The first issue-1: implemented, approved in round 1, then removed (now).
    addRun(
      store,
      'issue-1',
      'implement',
      'claude-sonnet-4-5',
      '2025-03-01T10:00:00.000Z',
      '2025-03-01T10:00:10.000Z',
      { 'claude-sonnet-4-5': u(1000, 200) },
      0.006,
    );
    addVerdict(store, 'issue-1', 1, 'approve', '2025-03-01T10:01:00.000Z');
    store.recordRemoved('issue-1', 'issue-1', false);
    // A second issue-1, later: its round 1 requests changes (two reviewers agree on one of two findings).
    addRun(
      store,
      'issue-1',
      'implement',
      'claude-sonnet-4-5',
      '2100-01-01T00:00:00.000Z',
      '2100-01-01T00:00:20.000Z',
      { 'claude-sonnet-4-5': u(2000, 0) },
      0.006,
    );
    const reviewRun = addRun(
      store,
      'issue-1',
      'review',
      'my-llama',
      '2100-01-01T00:00:30.000Z',
      '2100-01-01T00:00:40.000Z',
      { 'my-llama': u(100, 10) },
      null,
    );
    store.reviews.insertReview({
      lane: 'issue-1',
      round: 1,
      head: 'h',
      base: 'b',
      reviewer: 'llama',
      adapter: 'command',
      model: 'my-llama',
      status: 'done',
      runIds: [reviewRun],
      answer: null,
      audited: true,
      error: null,
      startedAt: '2100-01-01T00:00:30.000Z',
      endedAt: '2100-01-01T00:00:40.000Z',
    });
    addVerdict(
      store,
      'issue-1',
      1,
      'request-changes',
      '2100-01-01T00:00:41.000Z',
      [
        finding('R1-1', { reviewers: ['claude', 'codex'], category: 'security', severity: 'blocker' }),
        finding('R1-2', { reviewers: ['codex'], category: 'bug', severity: 'minor' }),
      ],
      true,
    );

    const all = await laneStats(ctx);
    expect(all.lanes).toMatchObject({
      worked: 2,
      reviewed: 2,
      firstReviewApproved: 1,
      firstReviewPassRate: 0.5,
      meanFixRounds: 0,
    });
    expect(all.agreement).toEqual({ adversarialRounds: 1, reviewerFindings: 2, agreed: 1, rate: 0.5 });
    expect(all.findings.byCategory).toMatchObject({ security: 1, bug: 1 });
    expect(all.time).toMatchObject({ runs: 3, agentMs: 40_000, wallMs: 40_000, speedup: 1 });
    expect(all.cost).toMatchObject({ runs: 3, costUsd: 0.012, unpricedRuns: 1, unpricedTokens: 110 });
    expect(all.modelSwitching).toMatchObject({ baselineModel: 'claude-sonnet-4-5', excludedRuns: 1 });
    expect(all.modelSwitching.savingUsd).toBeCloseTo(0, 12);

    const later = await laneStats(ctx, { since: '2050-01-01' });
    expect(later.since).toBe('2050-01-01T00:00:00.000Z');
    expect(later.lanes).toMatchObject({ worked: 1, reviewed: 1, firstReviewApproved: 0, firstReviewPassRate: 0 });
    expect(later.time.runs).toBe(2);

    const cost = await laneCost(ctx, { lane: '1' });
    expect(cost.lane).toBe('issue-1');
    expect(cost.rows.map((r) => [r.phase, r.round, r.model, r.runs, r.costUsd, r.unpricedRuns])).toEqual([
      ['implement', null, 'claude-sonnet-4-5', 2, 0.012, 0],
      ['review', 1, 'my-llama', 1, 0, 1],
    ]);
    await expect(laneCost(ctx, { lane: 'issue-9' })).rejects.toThrow(
      'unknown lane "issue-9"; lanes with a history: issue-1',
    );
    await expect(laneStats(ctx, { since: '2025-02-30' })).rejects.toThrow('--since "2025-02-30" is not a date');
  });
});
