// lanes new (starting the agent), start, stop, logs (-f), attach and the tmux runner, through the
// built CLI with the real Claude Code CLI or a command agent.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isAlive,
  makeAgentRepo,
  startModelEndpoint,
  until,
  writeAndCommit,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing, tmuxMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';

const withoutAgents = agentsMissing();

interface RunRecordJson {
  id: number;
  lane: string;
  agent: string;
  phase: string;
  status: string;
  reason: string | null;
}

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
afterEach(async () => {
  await repo?.dispose();
  await endpoint?.close();
  repo = endpoint = undefined;
});

const SLEEPER = {
  adapter: 'command',
  command: ['sh', '-c', 'echo "agent started in $LANES_LANE"; sleep 120; echo never', 'sh', '{promptFile}'],
};

function tmux(r: AgentRepo, ...args: string[]): string {
  return execFileSync('tmux', args, { env: { ...r.env, ...r.agentEnv }, encoding: 'utf8' });
}

describe.skipIf(withoutAgents)('agent commands with the real Claude Code CLI', () => {
  it('lanes new without --no-agent starts the agent; lanes logs -f follows it to its end', async () => {
    endpoint = await startModelEndpoint(writeAndCommit({ delayMs: 200 }));
    repo = makeAgentRepo({ endpoint, issues: 1 });
    const res = await repo.run(['new', '1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/issue-1: started claude; follow it with: lanes logs issue-1 -f/);
    const follow = await repo.run(['logs', 'issue-1', '-f']);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toMatch(
      /^# lane issue-1, run 1: implement with claude \(claude-sonnet-4-5\); prompt: .*prompt\.md$/m,
    );
    expect(follow.stdout).toContain('→ Write');
    expect(follow.stdout).toContain('Committed the work.');
    expect(follow.stdout).toMatch(/# done\s*$/);
    expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
    // --raw is the CLI's own stream-json.
    const raw = await repo.run(['logs', 'issue-1', '--raw']);
    expect(
      raw.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => (JSON.parse(l) as { type: string }).type),
    ).toContain('result');
  });

  it.skipIf(withoutAgents || tmuxMissing())(
    'lanes start --runner tmux runs the agent in a session whose pane shows its events, even when a tmux server already runs',
    async () => {
      endpoint = await startModelEndpoint(writeAndCommit());
      repo = makeAgentRepo({ endpoint, issues: 2 });
      expect((await repo.run(['new', '1', '2', '--no-agent'])).code).toBe(0);
      // A tmux server started by someone else, with an environment that has neither the CLIs nor the endpoint.
      execFileSync('tmux', ['new-session', '-d', '-s', 'someone-else'], {
        env: { ...repo.env, TMUX_TMPDIR: repo.agentEnv.TMUX_TMPDIR! },
      });

      const start = await repo.run(['start', 'issue-1', '--runner', 'tmux', '--json']);
      expect(start.code, start.stderr).toBe(0);
      expect(json<RunRecordJson>(start)).toMatchObject({ lane: 'issue-1', agent: 'claude', runner: 'tmux' });
      const r = repo;
      const session = await until('the lane session', () =>
        tmux(r, 'list-sessions', '-F', '#S')
          .split('\n')
          .find((s) => s.endsWith('-issue-1')),
      );
      const pane = await until(
        'the run to end in the pane',
        () => {
          const text = tmux(r, 'capture-pane', '-p', '-t', `=${session}:`);
          return /lanes: agent (done|failed|stopped)/.test(text) ? text : undefined;
        },
        45_000,
      );
      expect(pane).toContain('→ Write');
      expect(pane).toContain('→ Bash');
      expect(pane).toContain('lanes: agent done');
      expect(repo.git('log', '--format=%s', 'main..issue-1')).toBe('Add issue-1.txt');
      expect(
        json<{ name: string; agentState: string }[]>(await repo.run(['ls', '--json'])).find(
          (l) => l.name === 'issue-1',
        )!.agentState,
      ).toBe('done');
      // The environment file the supervisor was given is gone.
      expect(repo.runs()[0]!.runDir).toBeTruthy();
      expect(execFileSync('ls', [repo.runs()[0]!.runDir], { encoding: 'utf8' })).not.toContain('env.json');

      // Started again in tmux, the finished session makes way for the new run.
      const again = await repo.run(['start', 'issue-1', '--runner', 'tmux']);
      expect(again.code, again.stderr).toBe(0);
      const done = await repo.run(['logs', 'issue-1', '-f']);
      // The same script again finds its file already committed: done, and told it committed nothing.
      expect(done.stdout).toMatch(
        /# done: finished without a new commit on branch issue-1: git commit failed: nothing to commit, working tree clean\s*$/,
      );

      const attach = await repo.run(['attach', 'issue-2']);
      expect(attach.code).toBe(2);
      expect(attach.stderr).toMatch(/^lanes: lane issue-2 has no tmux session; start an agent with --runner tmux/m);
    },
  );
});

describe('agent commands with a command agent', () => {
  it('lanes stop ends a running agent and its tools; lanes logs -f ends with the run; start refuses a second agent', async () => {
    endpoint = await startModelEndpoint(writeAndCommit());
    repo = makeAgentRepo({ endpoint, issues: 1, config: { agent: 'sleeper', agents: { sleeper: SLEEPER } } });
    expect((await repo.run(['new', '1', '--no-agent'])).code).toBe(0);
    const start = await repo.run(['start', 'issue-1']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout.trim()).toBe('1');
    const r = repo;
    const run = await until('the agent running', () => r.runs().find((x) => x.status === 'running' && x.agentPid));
    const follow = repo.run(['logs', 'issue-1', '-f']);

    const second = await repo.run(['start', 'issue-1']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      'lane issue-1 already has an agent running (sleeper, implement); stop it first with: lanes stop issue-1',
    );

    await until('the agent to print', async () =>
      (await r.run(['logs', 'issue-1'])).stdout.includes('agent started in issue-1'),
    );
    // rm will not pull the worktree from under a working agent, forced or not.
    for (const args of [
      ['rm', 'issue-1'],
      ['rm', '--force', 'issue-1'],
    ]) {
      const rm = await repo.run(args);
      expect(rm.code, rm.stderr).toBe(3);
      expect(rm.stderr).toContain('agent is still running');
    }
    const stop = await repo.run(['stop', 'issue-1', '--json']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(json<RunRecordJson>(stop)).toMatchObject({ status: 'stopped' });
    expect(isAlive(run.agentPid)).toBe(false);
    expect(isAlive(run.supervisorPid)).toBe(false);
    const followed = await follow;
    expect(followed.stdout).toContain('agent started in issue-1');
    expect(followed.stdout).toMatch(/# stopped: stopped; lanes start resumes the lane\s*$/);
    expect(json<{ agentState: string }[]>(await repo.run(['ls', '--json']))[0]!.agentState).toBe('stopped');

    const none = await repo.run(['stop', 'issue-1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('lane issue-1 has no running agent (its last run is stopped)');
  });

  it('lanes logs on a lane without runs says how to start one', async () => {
    endpoint = await startModelEndpoint(writeAndCommit());
    repo = makeAgentRepo({ endpoint, issues: 1 });
    expect((await repo.run(['new', '1', '--no-agent'])).code).toBe(0);
    const logs = await repo.run(['logs', 'issue-1']);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toContain('lane issue-1 has no agent runs yet (lanes start issue-1 starts one)');
  });
});
