// `lanes run` with the real Claude Code and Codex CLIs against the fake model server: lanes run at
// once, each agent commits on its own branch, and what the agent was told is saved.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  COMMIT_SUBJECT,
  makeAgentRepo,
  startModelEndpoint,
  writeAndCommit,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';

const withoutAgents = agentsMissing();

interface PhaseJson {
  phase: string;
  runId: number;
  status: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  reason: string | null;
  tokens: number;
  costUsd: number | null;
}
interface RunJson {
  lanes: { lane: string; issue: string; status: string; reason: string | null; phases: PhaseJson[] }[];
  wallMs: number;
  agentMs: number;
  interrupted: boolean;
}
interface LsJson {
  name: string;
  agentState: string;
  phase: string;
  agent: {
    agent: string;
    status: string;
    tokens: number;
    costUsd: number | null;
    model: string | null;
    exitCode: number | null;
  } | null;
}

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
afterEach(async () => {
  await repo?.dispose();
  await endpoint?.close();
  repo = endpoint = undefined;
});

const RULES = '# Rules\n\n- Always write tests first.\n- Never use `eval`.\n';
const BODY = (id: number) =>
  `Lane ${id} must write its file.\n\nQuotes "like this", a $(subshell) and \`backticks\` stay as they are.\n`;

function expectCommittedOnOwnBranchOnly(r: AgentRepo, lanes: string[], mainHead: string): void {
  for (const lane of lanes) {
    expect(r.git('log', '--format=%s', `main..${lane}`)).toBe(COMMIT_SUBJECT(lane));
    const commit = r.git('rev-parse', lane);
    const holders = r.git('branch', '--format=%(refname:short)', '--contains', commit).split('\n');
    expect(holders).toEqual([lane]);
    expect(r.git('show', '--name-only', '--format=', commit)).toBe(`${lane}.txt`);
  }
  // The main worktree: same commit, nothing changed or added.
  expect(r.git('rev-parse', 'main')).toBe(mainHead);
  expect(r.git('status', '--porcelain', '--untracked-files=all')).toBe('');
  for (const lane of lanes) expect(existsSync(join(r.root, `${lane}.txt`))).toBe(false);
}

describe.skipIf(withoutAgents)('lanes run with real agent CLIs', () => {
  it('runs three Claude Code lanes at once; each commit lands on its own branch only; main is untouched', async () => {
    endpoint = await startModelEndpoint(writeAndCommit({ delayMs: 300 }));
    repo = makeAgentRepo({ endpoint, issues: 3, files: { 'CLAUDE.md': RULES }, issueBody: BODY });
    const mainHead = repo.git('rev-parse', 'main');

    const res = await repo.run(['run', '1', '2', '3', '--parallel', '3', '--until', 'implement', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const result = json<RunJson>(res);
    expect(result.interrupted).toBe(false);
    expect(result.lanes.map((l) => [l.lane, l.status])).toEqual([
      ['issue-1', 'done'],
      ['issue-2', 'done'],
      ['issue-3', 'done'],
    ]);
    const phases = result.lanes.map((l) => l.phases[0]!);
    // Overlap: every agent started before any of them ended.
    const lastStart = Math.max(...phases.map((p) => Date.parse(p.startedAt)));
    const firstEnd = Math.min(...phases.map((p) => Date.parse(p.endedAt)));
    expect(lastStart).toBeLessThan(firstEnd);
    expect(result.agentMs).toBeGreaterThan(result.wallMs * 1.2);
    for (const p of phases) {
      expect(p).toMatchObject({ phase: 'implement', status: 'done', reason: null });
      expect(p.tokens).toBe(3 * 1200);
      expect(p.costUsd).toBeGreaterThan(0);
    }
    expectCommittedOnOwnBranchOnly(repo, ['issue-1', 'issue-2', 'issue-3'], mainHead);

    const ls = json<LsJson[]>(await repo.run(['ls', '--json']));
    expect(ls.map((l) => [l.name, l.agentState])).toEqual([
      ['issue-1', 'done'],
      ['issue-2', 'done'],
      ['issue-3', 'done'],
    ]);
    for (const lane of ls)
      expect(lane.agent).toMatchObject({
        agent: 'claude',
        status: 'done',
        tokens: 3600,
        model: 'claude-sonnet-4-5',
        exitCode: 0,
      });

    // The prompt is saved beside the transcript: the issue verbatim and the repository's rules.
    const run = repo.runs().find((r) => r.lane === 'issue-2')!;
    const prompt = readFileSync(join(run.runDir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('# Issue 2: Issue number 2');
    expect(prompt).toContain(BODY(2).trim());
    expect(prompt).toContain('## Repository rules (CLAUDE.md)');
    expect(prompt).toContain(RULES.trim());
    expect(prompt).toContain('branch issue-2');
    expect(readFileSync(join(run.runDir, 'output.jsonl'), 'utf8')).toContain('"type":"result"');
    // What reached the model is that same prompt.
    const sent = endpoint
      .requests()
      .filter((r) => r.vendor === 'anthropic' && r.turn === 0)
      .map((r) => JSON.stringify(r.body));
    expect(sent.some((b) => b.includes(JSON.stringify(BODY(2).trim()).slice(1, -1)))).toBe(true);

    const logs = await repo.run(['logs', 'issue-1']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('→ Write');
    expect(logs.stdout).toContain('→ Bash');
    expect(logs.stdout).toContain('Committed the work.');
    expect(logs.stdout).toMatch(/# done\s*$/);
  });

  it('runs Codex lanes with --agent codex and prices their tokens from the price table', async () => {
    endpoint = await startModelEndpoint(writeAndCommit());
    repo = makeAgentRepo({ endpoint, issues: 2, config: { phases: { implement: { model: 'gpt-5-codex' } } } });
    const mainHead = repo.git('rev-parse', 'main');

    const res = await repo.run([
      'run',
      '1',
      '2',
      '--parallel',
      '2',
      '--agent',
      'codex',
      '--until',
      'implement',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const result = json<RunJson>(res);
    expect(result.lanes.map((l) => l.status)).toEqual(['done', 'done']);
    for (const l of result.lanes) expect(l.phases[0]).toMatchObject({ status: 'done', tokens: 3600 });
    expectCommittedOnOwnBranchOnly(repo, ['issue-1', 'issue-2'], mainHead);
    const ls = json<LsJson[]>(await repo.run(['ls', '--json']));
    for (const lane of ls) {
      expect(lane.agentState).toBe('done');
      expect(lane.agent).toMatchObject({ agent: 'codex', model: 'gpt-5-codex', tokens: 3600 });
      expect(lane.agent!.costUsd).toBeCloseTo(0.00975, 8);
    }
  });
});
