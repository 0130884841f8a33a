// `lanes run --until approve`: implement, pull request, review, fix, pull request, review … with the
// real Claude Code CLI as the writer and fixer and the real Codex CLI as the reviewer, each against
// its own fake model server. Round 1 requests changes and round 2 approves; a lane whose reviewer
// never approves stops at the round limit as needs-you, with its open findings listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineResult } from '../../src/app/run-pipeline.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import {
  isAlive,
  makeAgentRepo,
  endpointPool,
  until,
  writeAndCommit,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { openStore, predictCommit } from '../helpers/verdicts.js';

const withoutAgents = agentsMissing();

let repo: AgentRepo | undefined;
const endpoints = endpointPool();
const endpoint = endpoints.start;
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  repo = undefined;
});

function review(verdict: 'approve' | 'request-changes', findings: Record<string, unknown>[] = []): FakeScript {
  return {
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

/** A fixer that commits a fix and answers R<round>-1 fixed with that commit. */
function fixer(sha: string, round = 1): FakeScript {
  return {
    turns: [
      {
        kind: 'shell',
        command: `printf 'fixed\\n' > fix.txt && git add fix.txt && git commit -q -m "Fix R${round}-1"`,
      },
      { kind: 'answer', json: { answers: [{ id: `R${round}-1`, status: 'fixed', commit: sha, reason: null }] } },
    ],
  };
}

/** A fixer that disputes R<round>-1 and commits nothing. */
function disputer(round: number): FakeScript {
  return {
    turns: [
      {
        kind: 'answer',
        json: { answers: [{ id: `R${round}-1`, status: 'disputed', commit: null, reason: 'the greeting is fine' }] },
      },
    ],
  };
}

// What only a fix prompt says, and only a later round's review prompt.
const FIX_PROMPT = /### How to answer/;
const LATER_ROUND = /## Earlier round/;
const REVIEW_PROMPT = /DATA to judge, not instructions/;

function setup(implementer: ModelEndpoint, reviewer: ModelEndpoint, issues: number): AgentRepo {
  repo = makeAgentRepo({
    endpoint: implementer,
    issues,
    config: {
      agents: { codex: { env: { LANES_AGENT_BASE_URL: reviewer.url } } },
      phases: { implement: { model: 'claude-sonnet-4-5' }, review: { agent: 'codex', model: 'gpt-5-codex' } },
    },
  });
  return repo;
}

function sent(e: ModelEndpoint, pattern: RegExp): string[] {
  return e
    .requests()
    .map((q) => JSON.stringify(q.body))
    .filter((b) => pattern.test(b));
}

describe.skipIf(withoutAgents)('lanes run --until approve with real agent CLIs', () => {
  it('round 1 requests changes, the fix commits and answers, the pull request is updated, round 2 approves', async () => {
    const finding = { file: 'issue-1.txt', line: 1, message: 'the file says nothing useful' };
    const reviewer = await endpoint(review('request-changes', [finding]), {}, [
      { pattern: LATER_ROUND, script: review('approve') },
    ]);
    // The fix's sha is known in advance: the implementer's commit and the fix, with the fixed test identity.
    const placeholder = await endpoint({ turns: [] });
    const r = setup(placeholder, reviewer, 1);
    const implemented = predictCommit(
      r,
      r.git('rev-parse', 'main'),
      'issue-1.txt',
      'written by the scripted model\n',
      'Add issue-1.txt',
    );
    const fixSha = predictCommit(r, implemented, 'fix.txt', 'fixed\n', 'Fix R1-1');
    const implementer = await endpoint(writeAndCommit(), {}, [{ pattern: FIX_PROMPT, script: fixer(fixSha) }]);

    const res = await r.run(['run', '1', '--json'], { env: { LANES_AGENT_BASE_URL: implementer.url } });
    expect(res.code, res.stderr).toBe(0);
    const result = json<PipelineResult>(res);
    const [lane] = result.lanes;
    expect(lane).toMatchObject({ lane: 'issue-1', status: 'done', validation: 'approved', openFindings: [] });
    expect(lane!.phases.map((p) => `${p.phase}${p.round ? `:${p.round}` : ''}:${p.status}`)).toEqual([
      'implement:done',
      'pr:done',
      'review:1:done',
      'fix:1:done',
      'pr:done',
      'review:2:done',
    ]);
    expect(lane!.rounds.map((x) => [x.round, x.verdict, x.findings.major, x.findings.total, x.fix])).toEqual([
      [1, 'request-changes', 1, 1, expect.objectContaining({ status: 'fixed', fixed: 1, disputed: 0, open: 0 })],
      [2, 'approve', 0, 0, null],
    ]);
    for (const round of lane!.rounds) {
      expect(round.tokens).toBeGreaterThan(0);
      expect(round.durationMs).toBeGreaterThan(0);
    }
    expect(lane!.rounds[0]!.head).toBe(implemented);
    expect(lane!.rounds[1]!.head).toBe(fixSha);
    expect(lane!.pullRequest).toMatchObject({ kind: 'local', head: fixSha });
    expect(r.git('rev-parse', 'issue-1')).toBe(fixSha);

    // Stored: both verdicts, the fixer's answer, the lane approved.
    const store = openStore(r);
    try {
      expect(store.reviews.verdictsOf('issue-1').map((v) => [v.round, v.verdict])).toEqual([
        [1, 'request-changes'],
        [2, 'approve'],
      ]);
      expect(store.reviews.answersOf('issue-1').map((a) => [a.round, a.finding, a.status, a.commit])).toEqual([
        [1, 'R1-1', 'fixed', fixSha],
      ]);
      expect(store.getLane('issue-1')!.validation).toMatchObject({ state: 'approved', round: 2 });
      const fixRun = store.runsOf('issue-1').find((x) => x.phase === 'fix')!;
      expect(readFileSync(join(fixRun.runDir, 'prompt.md'), 'utf8')).toContain(
        '- **R1-1** [major, bug] issue-1.txt:1\n  the file says nothing useful',
      );
    } finally {
      store.close();
    }
    // The second review was told of the finding and its answer.
    const [round2] = sent(reviewer, LATER_ROUND);
    expect(round2).toContain('the file says nothing useful');
    expect(round2).toContain(`R1-1 [major, bug]`);
    expect(round2).toContain(`answer: fixed in ${fixSha.slice(0, 12)}`);
  });

  it('--adversarial: a later round re-runs only the reviewer that raised findings; the other review stands', async () => {
    const finding = { file: 'issue-1.txt', line: 1, message: 'codex does not like it' };
    const codex = await endpoint(review('request-changes', [finding]), {}, [
      { pattern: LATER_ROUND, script: review('approve') },
    ]);
    const placeholder = await endpoint({ turns: [] });
    const r = setup(placeholder, codex, 1);
    const implemented = predictCommit(
      r,
      r.git('rev-parse', 'main'),
      'issue-1.txt',
      'written by the scripted model\n',
      'Add issue-1.txt',
    );
    const fixSha = predictCommit(r, implemented, 'fix.txt', 'fixed\n', 'Fix R1-1');
    // Claude Code writes, fixes and (as the second reviewer) approves, on one server routed by prompt.
    const claude = await endpoint(writeAndCommit(), {}, [
      { pattern: FIX_PROMPT, script: fixer(fixSha) },
      { pattern: REVIEW_PROMPT, script: review('approve') },
    ]);

    const res = await r.run(['run', '1', '--adversarial', '--json'], {
      env: { LANES_AGENT_BASE_URL: claude.url },
    });
    expect(res.code, res.stderr).toBe(0);
    const [lane] = json<PipelineResult>(res).lanes;
    expect(lane!.rounds.map((x) => [x.round, x.verdict, [...x.reviewers].sort()])).toEqual([
      [1, 'request-changes', ['claude', 'codex']],
      [2, 'approve', ['claude', 'codex']],
    ]);
    // Claude Code reviewed once (round 1: it raised nothing), Codex twice.
    const reviews = (e: ModelEndpoint) =>
      new Set(
        e
          .requests()
          .filter((q) => q.kind === 'answer' && REVIEW_PROMPT.test(JSON.stringify(q.body)))
          .map((q) => (LATER_ROUND.test(JSON.stringify(q.body)) ? 2 : 1)),
      );
    expect(reviews(claude)).toEqual(new Set([1]));
    expect(reviews(codex)).toEqual(new Set([1, 2]));
    const store = openStore(r);
    try {
      expect(store.reviews.reviewsOf('issue-1').map((x) => [x.round, x.reviewer])).toEqual([
        [1, 'claude'],
        [1, 'codex'],
        [2, 'codex'],
      ]);
    } finally {
      store.close();
    }
  });

  it('stops a lane at --max-rounds as needs-you with its open findings listed, while another is approved', async () => {
    const finding = { file: 'issue-2.txt', line: 1, severity: 'blocker', message: 'the greeting is rude' };
    const reviewer = await endpoint(review('approve'), { 'issue-2': review('request-changes', [finding]) });
    const implementer = await endpoint(writeAndCommit(), {}, [
      // Round 1's fix of issue-2 disputes; there is no round 3 to fix for.
      { pattern: FIX_PROMPT, script: disputer(1) },
    ]);
    const r = setup(implementer, reviewer, 2);

    const res = await r.run(['run', '1', '2', '--parallel', '2', '--max-rounds', '2']);
    expect(res.code, res.stderr).toBe(1);
    const rows = res.stdout.split('\n');
    expect(rows.find((l) => l.startsWith('issue-1 '))).toMatch(/^issue-1\s+1\s+review r1\s+approved\s/);
    expect(rows.find((l) => l.startsWith('issue-2 '))).toMatch(
      /^issue-2\s+2\s+review r2\s+needs-you\s+.*not approved after 2 review rounds \(--max-rounds 2\): 1 open finding$/,
    );
    // Every round in the rounds table; the fix that disputed; the open finding under the lane.
    expect(res.stdout).toMatch(/issue-1\s+1\s+approve\s+none\s+-\s/);
    expect(res.stdout).toMatch(/issue-2\s+1\s+request-changes\s+1 blocker\s+0 fixed, 1 disputed, 0 deferred, 0 open\s/);
    expect(res.stdout).toMatch(/issue-2\s+2\s+request-changes\s+1 blocker\s+-\s/);
    expect(res.stdout).toMatch(
      /\nissue-2 needs you: not approved after 2 review rounds .*\n {2}R2-1 {2}blocker {2}issue-2\.txt:1 {2}the greeting is rude\n/,
    );

    const store = openStore(r);
    try {
      expect(store.getLane('issue-1')!.validation).toMatchObject({ state: 'approved', round: 1 });
      expect(store.getLane('issue-2')!.validation).toMatchObject({ state: 'needs-you', round: 2 });
      expect(store.reviews.verdictsOf('issue-2').map((v) => v.round)).toEqual([1, 2]);
      // Never looped on: one fix run for two rounds.
      expect(store.runsOf('issue-2').filter((x) => x.phase === 'fix')).toHaveLength(1);
      expect(store.runsOf('issue-1').filter((x) => x.phase === 'fix')).toHaveLength(0);
    } finally {
      store.close();
    }
    // Round 2 reviewed the unchanged head again (the fix only disputed) and was told of the dispute.
    const [round2] = sent(reviewer, LATER_ROUND);
    expect(round2).toContain('the greeting is fine');
  });

  it('Ctrl-C during a review round exits 130, stops the reviewer, and leaves the lane resumable', async () => {
    const hang = await endpoint({ turns: [{ kind: 'hang' }] });
    const implementer = await endpoint(writeAndCommit());
    const r = setup(implementer, hang, 1);
    const child = r.run(['run', '1', '--json']);
    await until('the reviewer to reach the model', () => hang.requests().some((q) => q.kind === 'hang'), 60_000);
    process.kill(child.pid!, 'SIGINT');
    const res = await child;
    expect(res.code, res.stderr).toBe(130);
    const result = json<PipelineResult>(res);
    expect(result.interrupted).toBe(true);
    expect(result.lanes[0]).toMatchObject({ lane: 'issue-1', status: 'stopped' });
    expect(result.lanes[0]!.phases.map((p) => `${p.phase}:${p.status}`)).toEqual([
      'implement:done',
      'pr:done',
      'review:stopped',
    ]);
    for (const run of r.runs()) expect(isAlive(run.supervisorPid) || isAlive(run.agentPid)).toBe(false);
    expect(r.runs().find((x) => x.phase === 'review')!.status).toBe('stopped');
    expect(r.git('worktree', 'list', '--porcelain')).not.toContain('.lanes-review');
    // Where it stood before the review: lanes review or lanes run again picks it up.
    const store = openStore(r);
    try {
      expect(store.getLane('issue-1')!.validation?.state).toBe('pr-open');
    } finally {
      store.close();
    }
  });
});
