// What goes wrong with agents stays in its lane: a crash, a hang past the phase timeout, Ctrl-C,
// a missing CLI and a CLI that asks for input each end (only) their own lane, with the reason.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, makeAgentRepo, endpointPool, until, writeAndCommit, type AgentRepo } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';

const withoutAgents = agentsMissing();

interface RunJson {
  lanes: {
    lane: string;
    status: string;
    reason: string | null;
    phases: { status: string; reason: string | null; startedAt: string | null; endedAt: string | null }[];
  }[];
  interrupted: boolean;
}
interface LsJson {
  name: string;
  agentState: string;
  path: string;
  agent: { status: string; reason: string | null } | null;
}

let repo: AgentRepo | undefined;
const endpoints = endpointPool();
const endpoint = endpoints.start;
afterEach(async () => {
  await repo?.dispose();
  await endpoints.closeAll();
  repo = undefined;
});

async function laneStates(r: AgentRepo): Promise<Record<string, LsJson>> {
  const ls = json<LsJson[]>(await r.run(['ls', '--json']));
  return Object.fromEntries(ls.map((l) => [l.name, l]));
}

/** Whether any process still runs in the process group the agent led (the tools it started). */
/**
 * Whether any process of the group still runs. Killed members can linger a moment as zombies
 * (in a container the reaper may be slow), so those do not count, and the answer is awaited.
 */
function groupRunning(pgid: number): boolean {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the parenthesised command: state, ppid, pgrp, …
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

async function groupAlive(pgid: number): Promise<boolean> {
  for (let i = 0; i < 50 && groupRunning(pgid); i++) await new Promise((r) => setTimeout(r, 100));
  return groupRunning(pgid);
}

describe.skipIf(withoutAgents)('agent failures with the real Claude Code CLI', () => {
  it('a crashed agent (the model answers 500) fails only its own lane, keeping worktree and transcript', async () => {
    const e = await endpoint(writeAndCommit(), {
      'issue-2': { turns: [{ kind: 'error', status: 500, message: 'scripted outage' }] },
    });
    repo = makeAgentRepo({ endpoint: e, issues: 3 });
    const res = await repo.run(['run', '1', '2', '3', '--parallel', '3', '--until', 'implement', '--json']);
    expect(res.code, res.stderr).toBe(1);
    const result = json<RunJson>(res);
    expect(result.lanes.map((l) => [l.lane, l.status])).toEqual([
      ['issue-1', 'done'],
      ['issue-2', 'failed'],
      ['issue-3', 'done'],
    ]);
    expect(result.lanes[1]!.reason).toMatch(/500|scripted outage|API Error/);

    const states = await laneStates(repo);
    expect(states['issue-1']!.agentState).toBe('done');
    expect(states['issue-3']!.agentState).toBe('done');
    expect(states['issue-2']!.agentState).toBe('failed');
    expect(states['issue-2']!.agent!.reason).toMatch(/500|scripted outage|API Error/);
    expect(existsSync(states['issue-2']!.path)).toBe(true);
    const run = repo.runs().find((r) => r.lane === 'issue-2')!;
    expect(readFileSync(join(run.runDir, 'output.jsonl'), 'utf8')).toContain('"type":"result"');
    expect(existsSync(join(run.runDir, 'prompt.md'))).toBe(true);
    expect(repo.git('log', '--format=%s', 'main..issue-2')).toBe('');
    expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
    const logs = await repo.run(['logs', 'issue-2']);
    expect(logs.stdout).toMatch(/# failed: .*(500|scripted outage|API Error)/);
  });

  it('a hung agent past phases.implement.timeoutMinutes fails its lane "timed out" and its process is gone', async () => {
    const e = await endpoint({ turns: [{ kind: 'hang' }] });
    repo = makeAgentRepo({
      endpoint: e,
      issues: 1,
      config: { phases: { implement: { model: 'claude-sonnet-4-5', timeoutMinutes: 0.05 } } },
    });
    const started = Date.now();
    const res = await repo.run(['run', '1', '--json']);
    expect(res.code, res.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    const [lane] = json<RunJson>(res).lanes;
    expect(lane).toMatchObject({ lane: 'issue-1', status: 'failed' });
    expect(lane!.reason).toMatch(/^timed out after 3 s/);
    const [run] = repo.runs();
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.agentPid).toBeGreaterThan(0);
    expect(isAlive(run!.agentPid)).toBe(false);
    expect(await groupAlive(run!.agentPid!)).toBe(false);
    expect(isAlive(run!.supervisorPid)).toBe(false);
    expect((await laneStates(repo))['issue-1']!.agentState).toBe('failed');
    expect(existsSync(join(repo.parent, 'app-worktrees', 'issue-1'))).toBe(true);
  });

  it('Ctrl-C (SIGINT) to lanes run exits 130, stops every agent it started, and the lanes resume with lanes start', async () => {
    const hang = await endpoint({ turns: [{ kind: 'hang' }] });
    repo = makeAgentRepo({ endpoint: hang, issues: 2 });
    const child = repo.run(['run', '1', '2', '--parallel', '2', '--until', 'implement', '--json']);
    const r = repo;
    const running = await until(
      'both agents running',
      () => {
        const runs = r.runs();
        return runs.length === 2 && runs.every((x) => x.status === 'running' && x.agentPid) ? runs : undefined;
      },
      45_000,
    );
    // Give the CLIs a moment to reach the model (they hang there).
    await until(
      'both agents waiting on the model',
      () => hang.requests().filter((q) => q.kind === 'hang').length >= 2,
      30_000,
    );
    process.kill(child.pid!, 'SIGINT');
    const res = await child;
    expect(res.code, res.stderr).toBe(130);
    const result = json<RunJson>(res);
    expect(result.interrupted).toBe(true);
    expect(result.lanes.map((l) => l.status)).toEqual(['stopped', 'stopped']);
    for (const run of running) {
      expect(isAlive(run.agentPid)).toBe(false);
      expect(await groupAlive(run.agentPid!)).toBe(false);
      expect(isAlive(run.supervisorPid)).toBe(false);
    }
    expect(repo.runs().map((x) => x.status)).toEqual(['stopped', 'stopped']);
    const states = await laneStates(repo);
    expect([states['issue-1']!.agentState, states['issue-2']!.agentState]).toEqual(['stopped', 'stopped']);

    // Resumable: lanes start runs the lane again (now against a model that answers).
    const good = await endpoint(writeAndCommit());
    const start = await repo.run(['start', 'issue-1', '--json'], { env: { LANES_AGENT_BASE_URL: good.url } });
    expect(start.code, start.stderr).toBe(0);
    const logs = await repo.run(['logs', 'issue-1', '-f']);
    expect(logs.stdout).toMatch(/# done\s*$/);
    expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
  });
});

describe('agent failures that need no real CLI', () => {
  const SCRIPT = {
    adapter: 'command',
    command: ['sh', '-c', 'echo working; echo done > w.txt; git add w.txt; git commit -qm w', 'sh', '{promptFile}'],
  };

  it('a missing CLI stops its run before any lane is made, naming the CLI and how to install it', async () => {
    const e = await endpoint(writeAndCommit());
    repo = makeAgentRepo({
      endpoint: e,
      issues: 2,
      config: { agents: { ghost: { adapter: 'claude', bin: '/nowhere/claude' }, script: SCRIPT } },
    });
    const [ghost, script] = await Promise.all([
      repo.run(['run', '1', '--agent', 'ghost']),
      repo.run(['run', '2', '--agent', 'script', '--until', 'implement']),
    ]);
    expect(ghost.code, ghost.stderr).toBe(1);
    expect(ghost.stderr).toBe(
      'lanes: Claude Code CLI not found: "/nowhere/claude" is not on PATH; install it with: npm install -g @anthropic-ai/claude-code, then run `claude` once to log in\n',
    );
    expect(ghost.stdout).toBe('');
    expect(script.code, script.stderr).toBe(0);
    const states = await laneStates(repo);
    // Checked before anything was made: no lane, no failed run for issue 1.
    expect(states['issue-1']).toBeUndefined();
    expect(repo.runs().map((r) => r.lane)).toEqual(['issue-2']);
    expect(states['issue-2']).toMatchObject({ agentState: 'done' });

    // The default agent with no claude on PATH: the same clear error from lanes start, which
    // leaves the lane as it was.
    expect((await repo.run(['new', '1', '--no-agent'])).code).toBe(0);
    const start = await repo.run(['start', 'issue-1'], { env: { PATH: '/usr/bin:/bin' } });
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(
      /^lanes: Claude Code CLI not found: "claude" is not on PATH; install it with: npm install -g @anthropic-ai\/claude-code/m,
    );
    expect((await laneStates(repo))['issue-1']).toMatchObject({ phase: 'ready', agentState: 'none', agent: null });
  });

  it('a CLI that asks for input in headless mode fails at once instead of hanging', async () => {
    const e = await endpoint(writeAndCommit());
    const asks = {
      adapter: 'command',
      command: ['sh', '-c', 'printf "Proceed? [y/N] "; read answer; test "$answer" = y', 'sh', '{promptFile}'],
    };
    const tty = {
      adapter: 'command',
      command: ['sh', '-c', 'printf "Password: "; read answer < /dev/tty; test -n "$answer"', 'sh', '{promptFile}'],
    };
    repo = makeAgentRepo({
      endpoint: e,
      issues: 2,
      config: { agents: { asks, tty }, phases: { implement: { timeoutMinutes: 1 } } },
    });
    const started = Date.now();
    const [a, b] = await Promise.all([
      repo.run(['run', '1', '--agent', 'asks', '--json']),
      repo.run(['run', '2', '--agent', 'tty', '--json']),
    ]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(a.code, a.stderr).toBe(1);
    expect(b.code, b.stderr).toBe(1);
    expect(json<RunJson>(a).lanes[0]!.reason).toBe('sh exited with code 1');
    expect(json<RunJson>(b).lanes[0]!.reason).toMatch(/^sh exited with code \d+: .*\/dev\/tty/);
  });
});
