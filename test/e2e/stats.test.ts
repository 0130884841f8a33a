// `lanes stats` and `lanes cost` after a real pipeline: three lanes through `lanes run --until approve`
// with the real Claude Code CLI implementing (claude-sonnet-4-5) and fixing (claude-haiku-4-5) and the
// real Codex CLI reviewing (gpt-5-codex), each reply with tokens the fake model server reports.
// issue-2's review requests changes in round 1 and approves in round 2; the others approve at once.
// Every expected number is computed here from the scripts' usage and the price table; times are
// checked against the runs the state recorded.
import { afterEach, describe, expect, it } from 'vitest';
import type { CostResult, StatsResult } from '../../src/app/stats.js';
import { costOf } from '../../src/domain/pricing.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { makeAgentRepo, endpointPool, writeAndCommit, type AgentRepo, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { predictCommit } from '../helpers/verdicts.js';

const withoutAgents = agentsMissing();

let repo: AgentRepo | undefined;
const endpoints = endpointPool();
const endpoint = endpoints.start;
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  repo = undefined;
});

type Usage = { input: number; output: number; cacheRead: number; cacheWrite: number };
// Tokens of every reply, per role; distinct so a mix-up shows.
const IMPLEMENT: Usage = { input: 1000, output: 200, cacheRead: 400, cacheWrite: 100 };
const FIX: Usage = { input: 700, output: 90, cacheRead: 0, cacheWrite: 0 };
const REVIEW: Usage = { input: 2000, output: 150, cacheRead: 500, cacheWrite: 0 };
const MODELS = { implement: 'claude-sonnet-4-5', fix: 'claude-haiku-4-5', review: 'gpt-5-codex' } as const;
// Replies per run, from the scripts: write, shell, text; the answer; shell, answer.
const REPLIES = { implement: 3, review: 1, fix: 2 } as const;

function review(verdict: 'approve' | 'request-changes', findings: Record<string, unknown>[] = []): FakeScript {
  return {
    usage: REVIEW,
    turns: [
      {
        kind: 'answer',
        json: {
          verdict,
          findings: findings.map((f, i) => ({
            id: `F${i + 1}`,
            severity: 'major',
            category: 'bug',
            file: null,
            line: null,
            endLine: null,
            message: 'something is wrong',
            suggestion: null,
            confidence: 0.8,
            reviewers: [],
            ...f,
          })),
          audit: { criteria: [], scopeDrift: [] },
          disputes: [],
        },
      },
    ],
  };
}

function fixer(sha: string): FakeScript {
  return {
    usage: FIX,
    turns: [
      { kind: 'shell', command: `printf 'fixed\\n' > fix.txt && git add fix.txt && git commit -q -m "Fix R1-1"` },
      { kind: 'answer', json: { answers: [{ id: 'R1-1', status: 'fixed', commit: sha, reason: null }] } },
    ],
  };
}

const FIX_PROMPT = /### How to answer/;
const LATER_ROUND = /## Earlier round/;

const add = (a: Usage, b: Usage): Usage => ({
  input: a.input + b.input,
  output: a.output + b.output,
  cacheRead: a.cacheRead + b.cacheRead,
  cacheWrite: a.cacheWrite + b.cacheWrite,
});
const times = (u: Usage, n: number): Usage => ({
  input: u.input * n,
  output: u.output * n,
  cacheRead: u.cacheRead * n,
  cacheWrite: u.cacheWrite * n,
});
const tokens = (u: Usage) => ({ ...u, total: u.input + u.output + u.cacheRead + u.cacheWrite });
const price = (u: Usage, model: string) => costOf(u, model)!;

describe.skipIf(withoutAgents)('lanes stats and lanes cost after lanes run with real agent CLIs', () => {
  it('print exactly the numbers the scripts and the price table imply', async () => {
    const reviewer = await endpoint(
      review('approve'),
      { 'issue-2': review('request-changes', [{ file: 'issue-2.txt', line: 1, message: 'says nothing useful' }]) },
      [{ pattern: LATER_ROUND, script: review('approve') }],
    );
    const placeholder = await endpoint({ turns: [] });
    repo = makeAgentRepo({
      endpoint: placeholder,
      issues: 3,
      config: {
        // Claude's own model is the dearest and never used: the phases name cheaper ones.
        agents: { claude: { model: 'claude-opus-4-1' }, codex: { env: { LANES_AGENT_BASE_URL: reviewer.url } } },
        phases: {
          implement: { model: MODELS.implement },
          fix: { agent: 'claude', model: MODELS.fix },
          review: { agent: 'codex', model: MODELS.review },
        },
      },
    });
    const r = repo;
    const implemented = predictCommit(
      r,
      r.git('rev-parse', 'main'),
      'issue-2.txt',
      'written by the scripted model\n',
      'Add issue-2.txt',
    );
    const fixSha = predictCommit(r, implemented, 'fix.txt', 'fixed\n', 'Fix R1-1');
    const implementer = await endpoint({ ...writeAndCommit(), usage: IMPLEMENT }, {}, [
      { pattern: FIX_PROMPT, script: fixer(fixSha) },
    ]);

    const res = await r.run(['run', '1', '2', '3', '--until', 'approve', '--json'], {
      env: { LANES_AGENT_BASE_URL: implementer.url },
    });
    expect(res.code, res.stderr).toBe(0);

    // The replies the scripts imply are the replies the fake servers gave, per model.
    const replies = (e: ModelEndpoint, model: string) =>
      e.requests().filter((q) => q.turn !== undefined && q.model === model).length;
    expect(replies(implementer, MODELS.implement)).toBe(3 * REPLIES.implement);
    expect(replies(implementer, MODELS.fix)).toBe(REPLIES.fix);
    expect(replies(reviewer, MODELS.review)).toBe(4 * REPLIES.review);

    const perRun = {
      implement: times(IMPLEMENT, REPLIES.implement),
      review: times(REVIEW, REPLIES.review),
      fix: times(FIX, REPLIES.fix),
    };
    const cost = {
      implement: price(perRun.implement, MODELS.implement),
      review: price(perRun.review, MODELS.review),
      fix: price(perRun.fix, MODELS.fix),
    };
    // 3 implement runs, 4 reviews (issue-2 twice), 1 fix.
    const byPhase = {
      implement: times(perRun.implement, 3),
      review: times(perRun.review, 4),
      fix: perRun.fix,
    };
    const all = add(add(byPhase.implement, byPhase.review), byPhase.fix);
    const actual = 3 * cost.implement + 4 * cost.review + cost.fix;
    // The dearest model for this very mix, among those configured or used.
    const candidates = ['claude-opus-4-1', MODELS.implement, MODELS.fix, MODELS.review];
    const onEach = candidates.map((m) => [m, price(all, m)] as const).sort((a, b) => b[1] - a[1]);
    const [baselineModel, baselineUsd] = onEach[0]!;

    const stats = json<StatsResult>(await r.run(['stats', '--json']));
    expect(stats.since).toBeNull();
    expect(stats.lanes).toEqual({
      worked: 3,
      reviewed: 3,
      firstReviewApproved: 2,
      firstReviewPassRate: 2 / 3,
      meanFixRounds: 1 / 3,
      stoppedAtRoundLimit: 0,
    });
    expect(stats.findings).toEqual({
      total: 1,
      byCategory: {
        bug: 1,
        'missing-test': 0,
        'unmet-criterion': 0,
        'scope-drift': 0,
        security: 0,
        style: 0,
        other: 0,
      },
      bySeverity: { blocker: 0, major: 1, minor: 0, nit: 0 },
    });
    expect(stats.agreement).toEqual({ adversarialRounds: 0, reviewerFindings: 0, agreed: 0, rate: null });
    expect(stats.tokens).toEqual(tokens(all));
    expect(stats.cost).toMatchObject({ runs: 8, unpricedRuns: 0, unpricedTokens: 0, runsWithoutUsage: 0 });
    expect(stats.cost.costUsd).toBeCloseTo(actual, 12);
    expect(stats.byPhase.map((p) => [p.phase, p.runs, p.tokens, p.unpricedRuns])).toEqual([
      ['implement', 3, tokens(byPhase.implement), 0],
      ['review', 4, tokens(byPhase.review), 0],
      ['fix', 1, tokens(byPhase.fix), 0],
    ]);
    expect(stats.byPhase.map((p) => p.costUsd)).toEqual([
      expect.closeTo(3 * cost.implement, 12),
      expect.closeTo(4 * cost.review, 12),
      expect.closeTo(cost.fix, 12),
    ]);
    expect(stats.byModel.map((m) => [m.model, m.runs, m.tokens])).toEqual([
      [MODELS.fix, 1, tokens(byPhase.fix)],
      [MODELS.implement, 3, tokens(byPhase.implement)],
      [MODELS.review, 4, tokens(byPhase.review)],
    ]);
    expect(stats.byModel.map((m) => m.costUsd)).toEqual([
      expect.closeTo(cost.fix, 12),
      expect.closeTo(3 * cost.implement, 12),
      expect.closeTo(4 * cost.review, 12),
    ]);
    expect(baselineModel).toBe('claude-opus-4-1');
    expect(stats.modelSwitching).toEqual({
      baselineModel,
      baselineUsd: expect.closeTo(baselineUsd, 12),
      actualUsd: expect.closeTo(actual, 12),
      savingUsd: expect.closeTo(baselineUsd - actual, 12),
      savingPercent: expect.closeTo(((baselineUsd - actual) / baselineUsd) * 100, 9),
      excludedRuns: 0,
    });

    // Times: what the state recorded, not the clock's values.
    const runs = r.runs();
    expect(runs).toHaveLength(8);
    // Claude Code priced its own runs; Codex gives no cost, so lanes priced those from the table.
    expect(new Set(runs.map((x) => `${x.model}:${x.costSource}`))).toEqual(
      new Set([`${MODELS.implement}:agent`, `${MODELS.fix}:agent`, `${MODELS.review}:price-table`]),
    );
    const spans = runs.map((x) => [Date.parse(x.startedAt), Date.parse(x.endedAt!)] as const);
    const agentMs = spans.reduce((a, [s, e]) => a + (e - s), 0);
    expect(stats.time.runs).toBe(8);
    expect(stats.time.agentMs).toBe(agentMs);
    expect(stats.time.speedup).toBeCloseTo(stats.time.agentMs / stats.time.wallMs, 12);
    expect(stats.time.wallMs).toBeLessThanOrEqual(agentMs);
    expect(stats.time.wallMs).toBeGreaterThanOrEqual(Math.max(...spans.map(([s, e]) => e - s)));
    expect(stats.time.firstStart).toBe(runs.map((x) => x.startedAt).sort()[0]);
    expect(stats.time.lastEnd).toBe(runs.map((x) => x.endedAt!).sort()[7]);
    expect(stats.time.wallMs).toBeLessThanOrEqual(Date.parse(stats.time.lastEnd!) - Date.parse(stats.time.firstStart!));

    // lanes cost: per lane, phase, round and model.
    const costs = json<CostResult>(await r.run(['cost', '--json']));
    const row = (lane: string, phase: keyof typeof MODELS, round: number | null) => [
      lane,
      phase,
      round,
      MODELS[phase],
      1,
      tokens(perRun[phase]),
    ];
    expect(costs.rows.map((x) => [x.lane, x.phase, x.round, x.model, x.runs, x.tokens])).toEqual([
      row('issue-1', 'implement', null),
      row('issue-1', 'review', 1),
      row('issue-2', 'implement', null),
      row('issue-2', 'review', 1),
      row('issue-2', 'fix', 1),
      row('issue-2', 'review', 2),
      row('issue-3', 'implement', null),
      row('issue-3', 'review', 1),
    ]);
    expect(costs.rows.map((x) => x.costUsd)).toEqual(
      costs.rows.map((x) => expect.closeTo(cost[x.phase as keyof typeof cost], 12)),
    );
    expect(costs.lanes.map((l) => [l.lane, l.runs, l.costUsd])).toEqual([
      ['issue-1', 2, expect.closeTo(cost.implement + cost.review, 12)],
      ['issue-2', 4, expect.closeTo(cost.implement + 2 * cost.review + cost.fix, 12)],
      ['issue-3', 2, expect.closeTo(cost.implement + cost.review, 12)],
    ]);
    expect(costs.total).toEqual({ runs: 8, tokens: tokens(all), costUsd: expect.closeTo(actual, 12), unpricedRuns: 0 });

    // One lane, by issue number; the history outlives the lane.
    const rm = await r.run(['rm', '2', '--force']);
    expect(rm.code, rm.stderr).toBe(0);
    const one = json<CostResult>(await r.run(['cost', '2', '--json']));
    expect(one.lane).toBe('issue-2');
    expect(one.rows.map((x) => [x.phase, x.round])).toEqual([
      ['implement', null],
      ['review', 1],
      ['fix', 1],
      ['review', 2],
    ]);
    const after = json<StatsResult>(await r.run(['stats', '--json']));
    expect(after.lanes).toEqual(stats.lanes);
    expect(after.cost).toEqual(stats.cost);

    // A window after everything: nothing; text output says so.
    const later = json<StatsResult>(await r.run(['stats', '--since', '2999-01-01', '--json']));
    expect(later).toMatchObject({ since: '2999-01-01T00:00:00.000Z', lanes: { worked: 0, reviewed: 0 } });
    expect(later.time.runs).toBe(0);
    const text = await r.run(['stats']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Lanes worked +3$/m);
    expect(text.stdout).toMatch(/^First-review pass +66\.7% \(2 of 3 reviewed lanes approved in round 1\)$/m);
    expect(text.stdout).toMatch(
      /^One model +\$\d+\.\d{4} had every token gone to claude-opus-4-1: model switching saved \$\d+\.\d{4} \(\d+\.\d%\)$/m,
    );
    const costText = await r.run(['cost']);
    expect(costText.stdout).toMatch(/^issue-2 +fix +1 +claude-haiku-4-5 +1 +1400 +180 +0 +\$/m);
  });

  it('bad input: a --since that is not a date, an unknown lane', async () => {
    const placeholder = await endpoint({ turns: [] });
    repo = makeAgentRepo({ endpoint: placeholder, issues: 1 });
    const since = await repo.run(['stats', '--since', 'last week']);
    expect(since.code).toBe(2);
    expect(since.stderr.trim()).toBe(
      'lanes: --since "last week" is not a date; give YYYY-MM-DD (midnight UTC) or an ISO date-time such as 2025-03-01T12:00:00Z',
    );
    const lane = await repo.run(['cost', 'nope']);
    expect(lane.code).toBe(2);
    expect(lane.stderr).toContain('unknown lane "nope"; no lane has run an agent yet');
    const empty = await repo.run(['stats', '--json']);
    expect(empty.code).toBe(0);
    expect(json<StatsResult>(empty).lanes.worked).toBe(0);
  });
});
