// `lanes sync` with real git in temporary repositories: a clean rebase, refusals, and conflicts handed
// to the real Claude Code CLI driven by the fake model server (scripted shell turns that resolve the
// file and continue the rebase, or an agent that gives up: the lane is then restored exactly as it was).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncResult } from '../../src/app/landing/sync-lane.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import {
  isAlive,
  makeAgentRepo,
  startModelEndpoint,
  until,
  type AgentRepo,
  type ModelEndpoint,
} from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { commitInLane, openStore, worktreeOf } from '../helpers/verdicts.js';

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
afterEach(async () => {
  await repo?.dispose();
  await endpoint?.close();
  repo = endpoint = undefined;
});

interface SyncJson {
  lanes: SyncResult[];
  failed: { lane: string; status: string; reason: string; exitCode: number }[];
}

async function setup(script: FakeScript, files: Record<string, string> = {}): Promise<AgentRepo> {
  endpoint = await startModelEndpoint(script);
  const r = makeAgentRepo({ endpoint, issues: 2, files });
  repo = r;
  const made = await r.run(['new', '1', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  return r;
}

function laneGit(r: AgentRepo, lane: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: worktreeOf(r, lane), env: r.env, encoding: 'utf8' }).trim();
}

/** Both sides change line 2 of shared.txt: a rebase of the lane stops on it. */
function conflictingLane(r: AgentRepo): { laneHead: string; baseHead: string } {
  const laneHead = commitInLane(r, 'issue-1', 'shared.txt', 'one\nlane two\nthree\n', 'Lane edits line two');
  r.write('shared.txt', 'one\nbase two\nthree\n');
  const baseHead = r.commitAll('Base edits line two');
  return { laneHead, baseHead };
}

const SHARED = { 'shared.txt': 'one\ntwo\nthree\n' };

describe.skipIf(agentsMissing())('lanes sync', () => {
  it('rebases a lane onto its moved base and keeps the old head under a backup ref', async () => {
    const r = await setup({ turns: [] });
    const old = commitInLane(r, 'issue-1', 'lane.txt', 'lane\n', 'Add lane.txt');
    r.write('base.txt', 'base\n');
    const base = r.commitAll('Add base.txt');

    const res = await r.run(['sync', '1', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const [synced] = json<SyncJson>(res).lanes;
    expect(synced).toMatchObject({ lane: 'issue-1', status: 'synced', method: 'rebase', from: old, onto: base });
    expect(synced!.to).not.toBe(old);
    expect(r.git('rev-parse', 'issue-1')).toBe(synced!.to);
    expect(r.git('rev-parse', 'issue-1~1')).toBe(base);
    expect(r.git('rev-parse', synced!.backup!)).toBe(old);
    expect(synced!.backup).toMatch(/^refs\/lanes\/backup\/issue-1\/\d{8}T\d{9}Z$/);

    // Up to date now: nothing rewritten, no second backup.
    const again = await r.run(['sync', '1', '--json']);
    expect(json<SyncJson>(again).lanes[0]).toMatchObject({ status: 'up-to-date', backup: null });
    expect(r.git('for-each-ref', '--format=%(refname)', 'refs/lanes/backup/').split('\n')).toHaveLength(1);

    // The backup lives as long as the lane: removing the lane (its work is merged) removes it.
    r.git('merge', '-q', '--ff-only', 'issue-1');
    const rm = await r.run(['rm', '1']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(r.git('for-each-ref', 'refs/lanes/backup/')).toBe('');
  });

  it('merges the base into the lane with --merge', async () => {
    const r = await setup({ turns: [] });
    const old = commitInLane(r, 'issue-1', 'lane.txt', 'lane\n', 'Add lane.txt');
    r.write('base.txt', 'base\n');
    const base = r.commitAll('Add base.txt');
    const res = await r.run(['sync', '1', '--merge', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const [synced] = json<SyncJson>(res).lanes;
    expect(synced).toMatchObject({ status: 'synced', method: 'merge', from: old, onto: base });
    expect(r.git('rev-list', '--parents', '-n', '1', 'issue-1').split(' ').slice(1)).toEqual([old, base]);
    expect(r.git('log', '-1', '--format=%s', 'issue-1')).toBe('Merge main into issue-1');
    expect(r.git('rev-parse', synced!.backup!)).toBe(old);
  });

  it('refuses a lane with uncommitted changes (exit 3) and changes nothing', async () => {
    const r = await setup({ turns: [] });
    const old = commitInLane(r, 'issue-1', 'lane.txt', 'lane\n', 'Add lane.txt');
    r.write('base.txt', 'base\n');
    r.commitAll('Add base.txt');
    writeFileSync(join(worktreeOf(r, 'issue-1'), 'lane.txt'), 'edited, not committed\n');
    const res = await r.run(['sync', '1']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('refusing to sync lane issue-1: it has uncommitted changes (lane.txt)');
    expect(r.git('rev-parse', 'issue-1')).toBe(old);
    expect(r.git('for-each-ref', 'refs/lanes/backup/')).toBe('');
    expect(readFileSync(join(worktreeOf(r, 'issue-1'), 'lane.txt'), 'utf8')).toBe('edited, not committed\n');
  });

  it('refuses a lane whose agent is running (exit 2)', async () => {
    const r = await setup({ turns: [{ kind: 'text', text: 'Working on it.', delayMs: 3_000 }] });
    const old = commitInLane(r, 'issue-1', 'lane.txt', 'lane\n', 'Add lane.txt');
    r.write('base.txt', 'base\n');
    r.commitAll('Add base.txt');
    const started = await r.run(['start', '1']);
    expect(started.code, started.stderr).toBe(0);
    const res = await r.run(['sync', '1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/lane issue-1 has an agent (starting|running) \(claude, implement\)/);
    expect(r.git('rev-parse', 'issue-1')).toBe(old);
    await until('the agent to end', () => r.runs().every((x) => x.status !== 'running' && x.status !== 'starting'));
  });

  it("hands a conflict to the lane's agent, which resolves it and finishes the rebase", async () => {
    const r = await setup(
      {
        turns: [
          {
            kind: 'shell',
            command:
              "printf 'one\\nbase two, lane two\\nthree\\n' > shared.txt && git add shared.txt && GIT_EDITOR=true git rebase --continue",
          },
          { kind: 'text', text: 'Resolved the conflict and continued the rebase.' },
        ],
      },
      SHARED,
    );
    const { laneHead, baseHead } = conflictingLane(r);

    const res = await r.run(['sync', '1', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const [synced] = json<SyncJson>(res).lanes;
    expect(synced).toMatchObject({ status: 'resolved', from: laneHead, onto: baseHead, conflicts: ['shared.txt'] });
    expect(synced!.run).toMatchObject({ agent: 'claude', status: 'done' });
    expect(r.git('rev-parse', 'issue-1~1')).toBe(baseHead);
    expect(r.git('show', 'issue-1:shared.txt')).toBe('one\nbase two, lane two\nthree');
    expect(laneGit(r, 'issue-1', 'status', '--porcelain')).toBe('');
    expect(r.git('rev-parse', synced!.backup!)).toBe(laneHead);
    // The agent got the conflict: the file with its markers, both sides, the issue.
    const run = r.runs().find((x) => x.phase === 'resolve')!;
    const prompt = readFileSync(join(run.runDir, 'prompt.md'), 'utf8');
    expect(prompt).toContain('# Issue 1: Issue number 1');
    expect(prompt).toContain('<<<<<<<');
    expect(prompt).toContain('Lane edits line two');
    expect(prompt).toContain('Base edits line two');
    expect(prompt).toContain('git rebase --continue');
  });

  it('restores a lane exactly as it was when its agent cannot resolve the conflict, and marks it needs-you', async () => {
    const r = await setup(
      {
        turns: [
          // It edits the file half-way, leaves an untracked scratch file, and gives up.
          { kind: 'shell', command: "printf 'half\\n' > shared.txt && printf 'scratch\\n' > notes.txt" },
          { kind: 'text', text: 'I cannot tell which side is right.' },
        ],
      },
      SHARED,
    );
    const { laneHead } = conflictingLane(r);

    const res = await r.run(['sync', '1', '--json']);
    expect(res.code).toBe(1);
    const [restored] = json<SyncJson>(res).lanes;
    expect(restored).toMatchObject({ status: 'restored', from: laneHead, to: laneHead, conflicts: ['shared.txt'] });
    expect(restored!.reason).toMatch(/rebase is still in progress/);
    expect(r.git('rev-parse', 'issue-1')).toBe(laneHead);
    expect(laneGit(r, 'issue-1', 'rev-parse', 'HEAD')).toBe(laneHead);
    expect(laneGit(r, 'issue-1', 'symbolic-ref', 'HEAD')).toBe('refs/heads/issue-1');
    expect(laneGit(r, 'issue-1', 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(worktreeOf(r, 'issue-1'), 'shared.txt'), 'utf8')).toBe('one\nlane two\nthree\n');
    expect(r.git('rev-parse', restored!.backup!)).toBe(laneHead);
    const store = openStore(r);
    try {
      expect(store.getLane('issue-1')?.validation).toMatchObject({ state: 'needs-you' });
      expect(store.getLane('issue-1')?.validation?.reason).toContain(restored!.backup!);
    } finally {
      store.close();
    }
    // In words too: the backup ref is printed.
    const plain = await r.run(['sync', '1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/restored as it was \(old head also at refs\/lanes\/backup\/issue-1\//);
  });

  it('lanes doctor --fix restores a lane whose sync was killed mid-rebase', async () => {
    // The resolve agent takes its time and never continues the rebase; lanes is killed meanwhile.
    const r = await setup({ turns: [{ kind: 'text', text: 'Still thinking about it.', delayMs: 3_000 }] }, SHARED);
    const { laneHead } = conflictingLane(r);
    const sync = r.run(['sync', '1']);
    const run = await until('the resolve run to start', () =>
      r.runs().find((x) => x.phase === 'resolve' && x.status === 'running'),
    );
    process.kill(sync.pid!, 'SIGKILL');
    await sync;
    await until('the resolve run to end', () =>
      r.runs().find((x) => x.id === run.id && x.status !== 'running' && x.status !== 'starting'),
    );
    await until('its supervisor to exit', () => !isAlive(r.runs().find((x) => x.id === run.id)!.supervisorPid));
    // Mid-rebase now: the worktree is detached with the conflict in it.
    expect(laneGit(r, 'issue-1', 'status', '--porcelain')).toContain('shared.txt');

    const found = await r.run(['doctor', '--json']);
    expect(found.code).toBe(1);
    const problems = json<{ problems: { kind: string; lane: string; detail: string; fixed: boolean }[] }>(
      found,
    ).problems;
    const land = problems.find((p) => p.kind === 'interrupted-land')!;
    expect(land).toMatchObject({ lane: 'issue-1', fixed: false });
    expect(land.detail).toContain('a rebase is in progress: --fix restores it');

    const fixed = await r.run(['doctor', '--fix', '--json']);
    const repaired = json<{ problems: { kind: string; fixed: boolean; detail: string }[] }>(fixed).problems;
    expect(repaired.find((p) => p.kind === 'interrupted-land')).toMatchObject({ fixed: true });
    expect(r.git('rev-parse', 'issue-1')).toBe(laneHead);
    expect(laneGit(r, 'issue-1', 'symbolic-ref', 'HEAD')).toBe('refs/heads/issue-1');
    expect(laneGit(r, 'issue-1', 'status', '--porcelain')).toBe('');
    const again = await r.run(['doctor', '--json']);
    expect(json<{ problems: { kind: string }[] }>(again).problems.filter((p) => p.kind === 'interrupted-land')).toEqual(
      [],
    );
  });
});
