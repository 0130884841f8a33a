// The SSH runner for real: an OpenSSH server this test starts on a loopback port (the "host" is
// this machine, reached only through ssh with a throwaway key), the real Claude Code CLI against
// the fake model server. The agent's commit arrives in the local lane; `lanes logs` shows its
// transcript; `lanes stop` ends it on the host; a dropped connection fails the run and leaves the
// lane resumable.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SSH_CONFIG_VARIABLE } from '../../src/adapters/executors/ssh/connection.js';
import {
  AGENTS_BIN,
  COMMIT_SUBJECT,
  isAlive,
  makeAgentRepo,
  startModelEndpoint,
  until,
  writeAndCommit,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing, sshdMissing } from '../helpers/requirements.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

const skip = sshdMissing() || agentsMissing();
const SECRET = 'sk-test-never-on-a-command-line-4821';

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
let sshd: TestSshd | undefined;
afterEach(async () => {
  sshd?.stop();
  // Whatever the tests left running on the "host".
  if (repo) for (const pid of hostPids(repo)) killGroup(pid);
  await repo?.dispose();
  await endpoint?.close();
  repo = endpoint = sshd = undefined;
});

async function setup(delayMs: number): Promise<{ repo: AgentRepo; sshd: TestSshd; host: string }> {
  endpoint = await startModelEndpoint(writeAndCommit({ delayMs }));
  repo = makeAgentRepo({ endpoint, issues: 1 });
  const hostDir = join(repo.parent, 'host');
  sshd = await startSshd(join(repo.parent, 'sshd'));
  // The repository's remote: a bare repository the "host" reads the lane from.
  execFileSync('git', ['init', '-q', '--bare', join(repo.parent, 'remote.git')]);
  repo.git('remote', 'add', 'origin', join(repo.parent, 'remote.git'));
  const config = JSON.parse(readFileSync(join(repo.root, 'lanes.config.json'), 'utf8')) as Record<string, unknown>;
  config.runners = {
    box: {
      type: 'ssh',
      host: sshd.alias,
      path: hostDir,
      // The host's commands see only what ssh gives them: a PATH that finds node and the agent
      // CLIs, and a git identity for the agent's commit (both literal, neither a secret).
      env: {
        PATH: `${AGENTS_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: repo.env.GIT_CONFIG_GLOBAL!,
        GIT_AUTHOR_NAME: 'Host Agent',
        GIT_AUTHOR_EMAIL: 'agent@host.test',
        GIT_COMMITTER_NAME: 'Host Agent',
        GIT_COMMITTER_EMAIL: 'agent@host.test',
      },
    },
  };
  repo.write('lanes.config.json', `${JSON.stringify(config, null, 2)}\n`);
  repo.commitAll('the ssh runner');
  repo.git('push', '-q', 'origin', 'main');
  expect((await repo.run(['new', '1', '--no-agent'])).code).toBe(0);
  return { repo, sshd, host: hostDir };
}

function env(): Record<string, string> {
  return { [SSH_CONFIG_VARIABLE]: sshd!.clientConfig, LANES_AGENT_API_KEY: SECRET };
}

/** The lane's worktree, run folder and recorded agent pid on the "host". */
function hostLane(hostDir: string): { wt: string; pidFile: string } {
  const key = (existsSync(hostDir) ? readdirSync(hostDir) : []).find((d) => d.startsWith('remote-'));
  if (!key) return { wt: '', pidFile: '' };
  return { wt: join(hostDir, key, 'lanes', 'issue-1'), pidFile: join(hostDir, key, 'runs', 'issue-1', 'agent.pid') };
}

function hostPids(r: AgentRepo): number[] {
  const hostDir = join(r.parent, 'host');
  if (!existsSync(hostDir)) return [];
  const { pidFile } = hostLane(hostDir);
  return pidFile && existsSync(pidFile) ? [Number(readFileSync(pidFile, 'utf8').trim())] : [];
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const finished = (r: AgentRepo) => {
  const run = r.runs().at(-1);
  return run && !['starting', 'running'].includes(run.status) ? run : undefined;
};

describe.skipIf(skip)('the SSH runner against a real sshd', () => {
  it('runs the agent on the host; its commit arrives in the local lane; logs show the transcript; no key in the launch', async () => {
    const { repo: r, host } = await setup(0);
    const before = r.git('rev-parse', 'issue-1');
    const start = await r.run(['start', 'issue-1', '--runner', 'box'], { env: env() });
    expect(start.code, start.stderr).toBe(0);
    const run = await until('the run to end', () => finished(r), 90_000);
    expect(run, readFileSync(join(run.runDir, 'stderr.log'), 'utf8')).toMatchObject({
      status: 'done',
      runner: 'box',
      reason: null,
    });

    // The commit was made on the host, then fetched and fast-forwarded into the local lane.
    expect(r.git('log', '--format=%s %an', `${before}..issue-1`)).toBe(`${COMMIT_SUBJECT('issue-1')} Host Agent`);
    expect(r.git('show', '--name-only', '--format=', 'issue-1')).toBe('issue-1.txt');
    const worktree = r
      .git('worktree', 'list', '--porcelain')
      .split('\n')
      .find((l) => l.startsWith('worktree ') && l.endsWith('/issue-1'))!
      .slice('worktree '.length);
    expect(readFileSync(join(worktree, 'issue-1.txt'), 'utf8')).toBe('written by the scripted model\n');
    const { wt } = hostLane(host);
    expect(execFileSync('git', ['-C', wt, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()).toBe(
      r.git('rev-parse', 'issue-1'),
    );
    // The lane was pushed to the remote first (never forced): the host read it from there.
    expect(r.git('ls-remote', 'origin', 'refs/heads/issue-1').split('\t')[0]).toBe(before);

    // The key reached the model (the agent had it) without being written anywhere on the host or
    // left in a stdin file beside the run.
    const keys = endpoint!.requests().map((q) => q.apiKey);
    expect(keys).toContain(SECRET);
    expect(() => execFileSync('grep', ['-r', '-l', SECRET, host], { encoding: 'utf8' })).toThrow();
    expect(readdirSync(run.runDir).filter((f) => f.startsWith('ssh-stdin'))).toEqual([]);

    const logs = await r.run(['logs', 'issue-1']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Committed the work.');

    // The host keeps the lane's worktree while the lane exists (a later run resumes there); once the
    // lane is gone, doctor reports it and --fix removes it from the host.
    const kinds = (res: { stdout: string }) =>
      (
        JSON.parse(res.stdout) as { problems: { kind: string; lane: string | null; fixed?: boolean }[] }
      ).problems.filter((p) => p.kind === 'remote-leftover');
    expect(kinds(await r.run(['doctor', '--json'], { env: env() }))).toEqual([]);
    expect((await r.run(['rm', 'issue-1', '--force'], { env: env() })).code).toBe(0);
    const found = kinds(await r.run(['doctor', '--json'], { env: env() }));
    expect(found).toMatchObject([{ kind: 'remote-leftover', lane: null }]);
    expect(existsSync(wt)).toBe(true);
    const fixed = kinds(await r.run(['doctor', '--fix', '--json'], { env: env() }));
    expect(fixed).toMatchObject([{ kind: 'remote-leftover', fixed: true }]);
    expect(existsSync(wt)).toBe(false);
    expect(kinds(await r.run(['doctor', '--json'], { env: env() }))).toEqual([]);
  }, 150_000);

  it('lanes stop ends the agent on the host and records the run stopped', async () => {
    const { repo: r, host } = await setup(60_000);
    expect((await r.run(['start', 'issue-1', '--runner', 'box'], { env: env() })).code).toBe(0);
    const pid = await until(
      'the agent to run on the host',
      () => {
        const { pidFile } = hostLane(host);
        return pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
      },
      60_000,
    );
    expect(isAlive(pid)).toBe(true);
    const stop = await r.run(['stop', 'issue-1']);
    expect(stop.code, stop.stderr).toBe(0);
    const run = await until('the run to end', () => finished(r), 30_000);
    expect(run).toMatchObject({ status: 'stopped', reason: 'stopped; lanes start resumes the lane' });
    // Its whole process group on the host is gone.
    await until('the remote agent to be gone', () => !groupAlive(pid), 15_000);
    expect(isAlive(pid)).toBe(false);
  }, 150_000);

  it('a dropped connection fails the run with one line; a later lanes start resumes the lane', async () => {
    const { repo: r, host, sshd: server } = await setup(4_000);
    const before = r.git('rev-parse', 'issue-1');
    expect((await r.run(['start', 'issue-1', '--runner', 'box'], { env: env() })).code).toBe(0);
    const pid = await until(
      'the agent to run on the host',
      () => {
        const { pidFile } = hostLane(host);
        return pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
      },
      60_000,
    );
    server.drop();
    const run = await until('the run to end', () => finished(r), 60_000);
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(
      /the ssh connection to lanes-test-host dropped while the agent ran \(.+\); the lane is as it was before this run, and lanes start issue-1 resumes it/,
    );
    expect(r.git('rev-parse', 'issue-1')).toBe(before);
    const ls = JSON.parse((await r.run(['ls', '--json'])).stdout) as { name: string; agentState: string }[];
    expect(ls.find((l) => l.name === 'issue-1')?.agentState).toBe('failed');

    // The host is back: the next start stops what the dropped run left there and runs afresh.
    await server.restart();
    const again = await r.run(['start', 'issue-1', '--runner', 'box'], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const second = await until(
      'the second run to end',
      () => {
        const last = finished(r);
        return last && last.id !== run.id ? last : undefined;
      },
      120_000,
    );
    expect(second, readFileSync(join(second.runDir, 'stderr.log'), 'utf8')).toMatchObject({ status: 'done' });
    // What the dropped run left running on the host was stopped by the next start.
    expect(groupAlive(pid)).toBe(false);
    expect(r.git('log', '--format=%s', `${before}..issue-1`)).toBe(COMMIT_SUBJECT('issue-1'));
  }, 240_000);
});
