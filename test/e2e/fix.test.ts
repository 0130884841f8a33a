// `lanes fix` with the real Claude Code CLI against the fake model server: a new implementer session
// gets the stored findings (a verdict written into the real state file, as lanes review stores it),
// commits a fix and answers each finding; lanes checks the commits and stores the answers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectFixAnswers, type FixResult } from '../../src/app/validation/fix-lane.js';
import { createContext } from '../../src/app/context.js';
import { composeAdapters } from '../../src/cli/compose.js';
import { setBaseEnvironment } from '../../src/infra/exec.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { makeAgentRepo, endpointPool, until, type AgentRepo, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json, ROOT } from '../helpers/repo.js';
import { commitInLane, finding, insertVerdict, openStore, predictCommit } from '../helpers/verdicts.js';

const withoutAgents = agentsMissing();

let repo: AgentRepo | undefined;
const endpoints = endpointPool();
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  repo = undefined;
});

async function endpointFor(script: FakeScript): Promise<ModelEndpoint> {
  const endpoint = await endpoints.start(script);
  return endpoint;
}

const FIX_MESSAGE = 'Fix R1-1';
const FIX_FILE = 'fix.txt';
const FIX_CONTENT = 'fixed\n';

/** The fixer: commits the fix of R1-1, then answers every finding but R1-5. */
function fixerScript(fixSha: string, opts: { delayMs?: number } = {}): FakeScript {
  const delay = opts.delayMs ? { delayMs: opts.delayMs } : {};
  const answers = {
    answers: [
      { id: 'R1-1', status: 'fixed', commit: fixSha.slice(0, 10), reason: null },
      { id: 'R1-2', status: 'disputed', commit: null, reason: 'the value is validated by the caller' },
      { id: 'R1-3', status: 'deferred', commit: null, reason: 'belongs to issue 9' },
      { id: 'R1-4', status: 'fixed', commit: 'deadbeef', reason: null },
      { id: 'R9-9', status: 'fixed', commit: null, reason: null },
    ],
  };
  return {
    turns: [
      {
        kind: 'shell',
        command: `printf 'fixed\\n' > ${FIX_FILE} && git add ${FIX_FILE} && git commit -q -m "${FIX_MESSAGE}"`,
        ...delay,
      },
      // Claude Code is given the answer schema: the answer comes through its StructuredOutput tool.
      { kind: 'answer', json: answers, ...delay },
    ],
  };
}

const FINDINGS = [
  finding('R1-1', { severity: 'blocker', message: 'Crashes on empty input.' }),
  finding('R1-2', { severity: 'major', category: 'security', line: 2 }),
  finding('R1-3', { severity: 'minor', category: 'scope-drift', file: null, line: null }),
  finding('R1-4', { severity: 'minor', category: 'missing-test' }),
  finding('R1-5', { severity: 'nit', category: 'style' }),
];

/** A repository with lane issue-1 holding one commit of its own. */
async function laneRepo(endpoint: ModelEndpoint): Promise<{ r: AgentRepo; head: string }> {
  const r = makeAgentRepo({ endpoint, issues: 1 });
  repo = r;
  const made = await r.run(['new', '1', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  const head = commitInLane(r, 'issue-1', 'work.txt', 'work\n', 'Add work.txt');
  return { r, head };
}

interface ValidationJson {
  state: string;
  round: number;
  reason: string | null;
}
function laneValidation(r: AgentRepo): ValidationJson | undefined {
  const store = openStore(r);
  try {
    return store.getLane('issue-1')?.validation;
  } finally {
    store.close();
  }
}

describe.skipIf(withoutAgents)('lanes fix with the real Claude Code CLI', () => {
  it('refuses a lane without a review, and one whose review approved it', async () => {
    const { r } = await laneRepo(await endpointFor({ turns: [] }));
    const none = await r.run(['fix', 'issue-1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('lane issue-1 has no review to fix yet; review it first: lanes review issue-1');
    insertVerdict(r, 'issue-1', { verdict: 'approve' });
    const approved = await r.run(['fix', '1']);
    expect(approved.code).toBe(2);
    expect(approved.stderr).toContain('approved it; nothing to fix');
    expect(r.runs()).toEqual([]);
  });

  it('answers each finding fixed, disputed or deferred; checks the commits; stores the answers', async () => {
    // The sha is known in advance: the same commit on the same parent, with the fixed test identity.
    const endpoint = await endpoints.start({ turns: [] });
    const { r, head } = await laneRepo(endpoint);
    const fixSha = predictCommit(r, head, FIX_FILE, FIX_CONTENT, FIX_MESSAGE);
    const fixer = await endpointFor(fixerScript(fixSha));
    const verdict = insertVerdict(r, 'issue-1', { findings: FINDINGS });

    const res = await r.run(['fix', 'issue-1', '--json'], { env: { LANES_AGENT_BASE_URL: fixer.url } });
    expect(res.code, res.stderr).toBe(0);
    const result = json<FixResult>(res);
    expect(result).toMatchObject({ lane: 'issue-1', round: 1, verdictId: verdict.id, status: 'fixed' });
    expect(result.run).toMatchObject({ agent: 'claude', status: 'done' });
    expect(result.findings.map((f) => [f.id, f.answer?.status ?? null, f.answer?.commit ?? null])).toEqual([
      ['R1-1', 'fixed', fixSha],
      ['R1-2', 'disputed', null],
      ['R1-3', 'deferred', null],
      ['R1-4', 'fixed', null],
      ['R1-5', null, null],
    ]);
    expect(result.findings[3]!.answer!.reason).toBe('commit deadbeef is not on the branch issue-1');
    expect(result.unanswered).toEqual(['R1-5']);
    expect(result.unknown).toEqual(['R9-9']);
    expect(result.validation).toMatchObject({ state: 'fixed', round: 1, reason: null });
    expect(r.git('rev-parse', 'issue-1')).toBe(fixSha);

    // Stored for the next review: one answer per answered finding, with the run that gave it.
    const store = openStore(r);
    const answers = store.reviews.answersOf('issue-1');
    store.close();
    expect(answers.map((a) => [a.round, a.finding, a.status, a.commit, a.reason])).toEqual([
      [1, 'R1-1', 'fixed', fixSha, null],
      [1, 'R1-2', 'disputed', null, 'the value is validated by the caller'],
      [1, 'R1-3', 'deferred', null, 'belongs to issue 9'],
      [1, 'R1-4', 'fixed', null, 'commit deadbeef is not on the branch issue-1'],
    ]);
    expect(new Set(answers.map((a) => a.runId))).toEqual(new Set([result.run.id]));
    expect(laneValidation(r)).toMatchObject({ state: 'fixed', round: 1 });

    // A new session, told every finding, given the answer schema; nothing resumed.
    const run = r.runs().find((x) => x.id === result.run.id)!;
    expect(run.phase).toBe('fix');
    const prompt = readFileSync(join(run.runDir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('- **R1-1** [blocker, bug] work.txt:1\n  Crashes on empty input.\n  Suggestion: fix R1-1');
    expect(prompt).toContain('- **R1-3** [minor, scope-drift] (whole change)');
    expect(JSON.parse(readFileSync(join(run.runDir, 'answer.schema.json'), 'utf8'))).toMatchObject({
      type: 'object',
      required: ['answers'],
    });
    const launch = JSON.parse(readFileSync(join(run.runDir, 'launch.json'), 'utf8')) as { launch: { args: string[] } };
    expect(launch.launch.args).not.toContain('--resume');
    const first = fixer.requests().find((q) => q.vendor === 'anthropic' && q.turn === 0)!;
    expect(JSON.stringify(first.body)).toContain('Crashes on empty input.');
    // A writer (it may edit and commit) whose final answer the CLI checks against the schema.
    expect(first.offeredTools).toEqual(expect.arrayContaining(['Bash', 'Edit', 'StructuredOutput']));
    expect(fixer.requests().some((q) => q.kind === 'answer' && q.tool?.name === 'StructuredOutput')).toBe(true);

    // The table for people: one line per finding with its answer.
    const again = await r.run(['fix', 'issue-1'], { env: { LANES_AGENT_BASE_URL: fixer.url } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/R1-2\s+major\s+work\.txt:2\s+disputed\s+the value is validated by the caller/);
    expect(again.stdout).toMatch(/R1-5\s+nit\s+work\.txt:1\s+open\s+unanswered, stays open/);
    expect(again.stderr).toContain('round 1 answered:');
  });

  it('a fix run that fails: exit 1 with the reason, needs-you, nothing stored, and lanes fix works again', async () => {
    const broken = await endpointFor({ turns: [{ kind: 'error', status: 400, message: 'model refused the request' }] });
    const { r, head } = await laneRepo(broken);
    insertVerdict(r, 'issue-1', { findings: FINDINGS });

    const res = await r.run(['fix', 'issue-1']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/issue-1: the fix run failed: .+; lanes fix issue-1 starts a new one/);
    expect(laneValidation(r)).toMatchObject({ state: 'needs-you', round: 1 });
    expect(r.git('rev-parse', 'issue-1')).toBe(head);
    const store = openStore(r);
    expect(store.reviews.answersOf('issue-1')).toEqual([]);
    expect(store.getLane('issue-1')?.agentState).toBe('failed');
    store.close();

    // Resumable: the next lanes fix starts a new session and stores its answers.
    const fixSha = predictCommit(r, head, FIX_FILE, FIX_CONTENT, FIX_MESSAGE);
    const fixer = await endpointFor(fixerScript(fixSha));
    const ok = await r.run(['fix', 'issue-1', '--json'], { env: { LANES_AGENT_BASE_URL: fixer.url } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<FixResult>(ok).status).toBe('fixed');
    expect(laneValidation(r)).toMatchObject({ state: 'fixed' });
  });

  it('Ctrl-C stops the fix run: exit 130, the lane back to changes-requested, nothing stored', async () => {
    const hang = await endpointFor({ turns: [{ kind: 'hang' }] });
    const { r, head } = await laneRepo(hang);
    insertVerdict(r, 'issue-1', { findings: FINDINGS });
    const running = r.run(['fix', 'issue-1']);
    await until('the fix agent to reach the model', () =>
      hang.requests().some((q) => q.vendor === 'anthropic' && q.kind === 'hang'),
    );
    process.kill(running.pid!, 'SIGINT');
    const res = await running;
    expect(res.code, res.stderr).toBe(130);
    const [run] = r.runs();
    expect(run).toMatchObject({ phase: 'fix', status: 'stopped' });
    expect(laneValidation(r)).toMatchObject({ state: 'changes-requested', round: 1 });
    expect(r.git('rev-parse', 'issue-1')).toBe(head);
    const store = openStore(r);
    expect(store.reviews.answersOf('issue-1')).toEqual([]);
    store.close();
  });

  it('a lanes fix killed while its agent works loses nothing: the answers are collected afterwards, once', async () => {
    const endpoint = await endpointFor({ turns: [] });
    const { r, head } = await laneRepo(endpoint);
    const fixSha = predictCommit(r, head, FIX_FILE, FIX_CONTENT, FIX_MESSAGE);
    const fixer = await endpointFor(fixerScript(fixSha, { delayMs: 1500 }));
    insertVerdict(r, 'issue-1', { findings: FINDINGS });

    const running = r.run(['fix', 'issue-1'], { env: { LANES_AGENT_BASE_URL: fixer.url } });
    await until('the fix run to start', () => r.runs().find((x) => x.phase === 'fix' && x.status === 'running'));
    process.kill(running.pid!, 'SIGKILL');
    await running;
    const done = await until('the fix run to end on its own', () =>
      r.runs().find((x) => x.phase === 'fix' && x.status === 'done'),
    );
    expect(r.git('rev-parse', 'issue-1')).toBe(fixSha);

    setBaseEnvironment(r.env);
    const ctx = createContext({
      cwd: r.root,
      env: { ...r.env, ...r.agentEnv },
      signal: new AbortController().signal,
      io: { out: () => undefined, err: () => undefined, interactive: false, confirm: async () => undefined },
      packageRoot: ROOT,
      adapters: composeAdapters(),
    });
    try {
      const lane = (await ctx.store()).getLane('issue-1')!;
      const collected = await collectFixAnswers(ctx, lane);
      expect(collected.map((c) => [c.runId, c.round, c.answers.length, c.unanswered])).toEqual([
        [done.id, 1, 4, ['R1-5']],
      ]);
      expect(laneValidation(r)).toMatchObject({ state: 'fixed', round: 1 });
      // Once: a second collection finds nothing new.
      expect(await collectFixAnswers(ctx, lane)).toEqual([]);
      expect((await ctx.store()).reviews.answersOf('issue-1').map((a) => a.finding)).toEqual([
        'R1-1',
        'R1-2',
        'R1-3',
        'R1-4',
      ]);
    } finally {
      ctx.close();
    }
  });
});
