/**
 * Agents a new user gets wrong (issue 9): an agent name with a typo, a CLI without credentials, and
 * an agent that says it is done without committing. Names are checked before anything is made;
 * the last is run with the real Claude Code CLI against the scripted model server.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AGENTS_BIN,
  makeAgentRepo,
  startModelEndpoint,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { addIssue, json, lanes, makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo | undefined;
let agentRepo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
afterEach(async () => {
  repo?.cleanup();
  await agentRepo?.dispose();
  await endpoint?.close();
  repo = agentRepo = endpoint = undefined;
});

const ACCEPTED =
  'accepted: claude, codex, gemini, opencode, command, or a name added under "agents" in lanes.config.json';

function repoWithIssue(config?: Record<string, unknown>): TempRepo {
  const r = makeRepo(config ? { files: { 'lanes.config.json': JSON.stringify(config) } } : {});
  addIssue(r, 1, 'first');
  r.commitAll('issue');
  return r;
}

function expectNothingMade(r: TempRepo): void {
  expect(existsSync(join(r.parent, 'app-worktrees', 'issue-1'))).toBe(false);
  expect(r.git('branch', '--list', 'issue-1')).toBe('');
}

describe('an unknown agent name', () => {
  for (const command of [
    ['new', '1'],
    ['run', '1'],
  ]) {
    it(`lanes ${command.join(' ')} --agent claud: exit 2, did you mean claude, no lane`, () => {
      repo = repoWithIssue();
      const res = lanes(repo, [...command, '--agent', 'claud']);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`lanes: --agent "claud" is not a known agent; did you mean "claude"? (${ACCEPTED})\n`);
      expectNothingMade(repo);
      expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
    });
  }

  it('lanes start --agent claud: exit 2 and the lane is left as it was (no failed run)', () => {
    repo = repoWithIssue();
    expect(lanes(repo, ['new', '1', '--no-agent']).code).toBe(0);
    const res = lanes(repo, ['start', '1', '--agent', 'claud']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`lanes: --agent "claud" is not a known agent; did you mean "claude"? (${ACCEPTED})\n`);
    expect(
      json<{ phase: string; agentState: string; agent: unknown }[]>(lanes(repo, ['ls', '--json']))[0],
    ).toMatchObject({ phase: 'ready', agentState: 'none', agent: null });
  });

  it('"agent" in lanes.config.json is checked by every command, naming the key', () => {
    repo = repoWithIssue({ agent: 'claud' });
    for (const args of [['new', '1'], ['ls'], ['port', '1']]) {
      const res = lanes(repo, args);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(
        `lanes: lanes.config.json: agent "claud" is not a known agent; did you mean "claude"? (accepted: claude, codex, gemini, opencode, command, or a name added under "agents")\n`,
      );
    }
    expectNothingMade(repo);
  });

  it('phases.<phase>.agent is checked too, and a configured agent counts as a known name', () => {
    repo = repoWithIssue({ agents: { reviewer: { adapter: 'codex' } }, phases: { implement: { agent: 'reviewr' } } });
    const res = lanes(repo, ['run', '1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      'lanes: lanes.config.json: phases.implement.agent "reviewr" is not a known agent; did you mean "reviewer"? (accepted: reviewer, claude, codex, gemini, opencode, command, or a name added under "agents")\n',
    );
    expectNothingMade(repo);
  });
});

describe.skipIf(agentsMissing() || process.platform === 'darwin')('lanes run checks its whole plan first', () => {
  it('stops once, before making lanes, when the agents have no credentials; naming each agent', () => {
    repo = makeRepo({ files: { 'lanes.config.json': JSON.stringify({ phases: { plan: { agent: 'codex' } } }) } });
    for (const id of [1, 2, 3]) addIssue(repo, id, `issue ${id}`);
    repo.commitAll('issues');
    // The real CLIs on PATH, but no key, no login in the isolated HOME, and no model endpoint.
    const res = lanes(repo, ['run', '1', '2', '3'], { env: { PATH: `${AGENTS_BIN}:${repo.env.PATH}` } });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      'lanes: Codex (agent "codex") has no credentials: set OPENAI_API_KEY, or run `codex login`, or point every agent at a model endpoint with LANES_AGENT_BASE_URL; ' +
        'Claude Code (agent "claude") has no credentials: set ANTHROPIC_API_KEY, or run `claude` once to log in, or point every agent at a model endpoint with LANES_AGENT_BASE_URL\n',
    );
    expect(json(lanes(repo, ['ls', '--json']))).toEqual([]);
    expect(repo.git('branch', '--list', 'issue-*')).toBe('');
  });

  it('lanes new checks the agent it would start too, and says how to make the lane without it', () => {
    repo = repoWithIssue();
    const res = lanes(repo, ['new', '1'], { env: { PATH: `${AGENTS_BIN}:${repo.env.PATH}` } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^lanes: Claude Code \(agent "claude"\) has no credentials: /);
    expectNothingMade(repo);
    // No terminal here, so the hint is not printed; -v shows it.
    const verbose = lanes(repo, ['new', '1', '-v'], { env: { PATH: `${AGENTS_BIN}:${repo.env.PATH}` } });
    expect(verbose.stderr).toContain('hint: pass --no-agent to make the lanes without starting agents');
  });
});

/** Writes a file and says it is done, committing nothing; optionally after a `git commit` that fails. */
function writeWithoutCommit(opts: { failingCommit?: boolean } = {}): FakeScript {
  return {
    usage: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 },
    turns: [
      { kind: 'write', path: 'work.txt', content: 'written, never committed\n', text: 'Writing work.txt.' },
      ...(opts.failingCommit ? [{ kind: 'shell' as const, command: 'git commit -m "Add work"' }] : []),
      { kind: 'text', text: 'Done.' },
    ],
  };
}

describe.skipIf(agentsMissing())('an agent that is done without committing', () => {
  it('lanes run shows done-no-commits with the failed git commit, and lanes ls warns about it', async () => {
    endpoint = await startModelEndpoint(writeWithoutCommit(), {
      'issue-2': writeWithoutCommit({ failingCommit: true }),
    });
    agentRepo = makeAgentRepo({ endpoint, issues: 2 });
    const res = await agentRepo.run(['run', '1', '2', '--until', 'implement']);
    expect(res.code, res.stderr).toBe(0);
    const rows = res.stdout.split('\n');
    expect(rows.find((l) => l.startsWith('issue-1'))).toMatch(
      /implement\s+done-no-commits .*finished without a new commit on branch issue-1 \(lanes diff shows what it left uncommitted\)$/,
    );
    expect(rows.find((l) => l.startsWith('issue-2'))).toMatch(
      /done-no-commits .*finished without a new commit on branch issue-2: git commit failed: nothing added to commit but untracked files present \(use "git add" to track\)$/,
    );

    const ls = await agentRepo.run(['ls']);
    expect(ls.stdout).toMatch(/claude:done-no-commits/);
    expect(ls.stderr).toContain(
      'lanes: warning: issue-2: the agent finished without a new commit on branch issue-2: git commit failed: nothing added to commit',
    );
    const lsJson = json<{ name: string; agentState: string; warnings: string[] }[]>(
      await agentRepo.run(['ls', '--json']),
    );
    expect(lsJson.map((l) => [l.name, l.agentState, l.warnings.length])).toEqual([
      ['issue-1', 'done', 1],
      ['issue-2', 'done', 1],
    ]);
    // The work is there, uncommitted, and lanes diff shows it.
    const diff = await agentRepo.run(['diff', 'issue-1']);
    expect(diff.stdout).toContain('+++ b/work.txt');
  });
});
