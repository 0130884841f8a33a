// `lanes land` with real git in temporary repositories: disjoint lanes land in order and are then
// removable by `lanes rm --merged`; the dry run predicts conflicts pair by pair; a conflict between
// two lanes is resolved by the real Claude Code CLI (fake model server) on the way; a lane whose
// commands fail on top of the others goes back to review; a commit to the base while a lane is
// tested is detected and the lane is synced and tried again; a dirty base checkout is refused.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LandResult } from '../../src/app/landing/land.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import type { FakeScript } from '../fakes/model-server/index.js';
import { makeAgentRepo, startModelEndpoint, type AgentRepo, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { commitInLane, insertVerdict, openStore } from '../helpers/verdicts.js';

let repo: AgentRepo | undefined;
let endpoint: ModelEndpoint | undefined;
let gh: FakeGithub | undefined;
afterEach(async () => {
  await repo?.dispose();
  await endpoint?.close();
  await gh?.close();
  repo = endpoint = gh = undefined;
});

async function setup(
  lanes: number,
  opts: { script?: FakeScript; config?: Record<string, unknown>; files?: Record<string, string> } = {},
): Promise<AgentRepo> {
  endpoint = await startModelEndpoint(opts.script ?? { turns: [] });
  const r = makeAgentRepo({ endpoint, issues: lanes, config: opts.config ?? {}, files: opts.files ?? {} });
  repo = r;
  const made = await r.run(['new', ...Array.from({ length: lanes }, (_, i) => String(i + 1)), '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  return r;
}

function subjects(r: AgentRepo, ref = 'main'): string[] {
  return r.git('log', '--format=%s', ref).split('\n');
}

describe.skipIf(agentsMissing())('lanes land', () => {
  it('lands three lanes editing disjoint files in order; rm --merged then removes them without force', async () => {
    const r = await setup(3);
    for (const n of [3, 1, 2]) {
      commitInLane(r, `issue-${n}`, `file-${n}.txt`, `lane ${n}\n`, `Add file-${n}`);
      insertVerdict(r, `issue-${n}`, { verdict: 'approve' });
    }
    const before = r.git('rev-parse', 'main');

    const dry = await r.run(['land', '--approved', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json<LandResult>(dry);
    expect(plan.order.map((o) => o.lane)).toEqual(['issue-1', 'issue-2', 'issue-3']);
    expect(plan.pairs).toHaveLength(3);
    expect(plan.pairs.every((p) => p.conflicts.length === 0)).toBe(true);
    expect(r.git('rev-parse', 'main')).toBe(before);

    const res = await r.run(['land', '--approved', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const landed = json<LandResult>(res);
    expect(landed.lanes.map((l) => [l.lane, l.status, l.via])).toEqual([
      ['issue-1', 'landed', 'local'],
      ['issue-2', 'landed', 'local'],
      ['issue-3', 'landed', 'local'],
    ]);
    // The base moved forward only, one lane on top of the other, and the main worktree followed.
    expect(subjects(r).slice(0, 4)).toEqual(['Add file-3', 'Add file-2', 'Add file-1', 'issues']);
    expect(r.git('merge-base', '--is-ancestor', before, 'main')).toBe('');
    expect(r.git('status', '--porcelain')).toBe('');
    expect(r.git('show', 'HEAD:file-2.txt')).toBe('lane 2');

    const rm = await r.run(['rm', '--merged', '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    const store = openStore(r);
    try {
      expect(store.listLanes()).toEqual([]);
      const run = store.landRuns.get(landed.runId!)!;
      expect(run).toMatchObject({ kind: 'land', status: 'done', lanes: ['issue-1', 'issue-2', 'issue-3'] });
      expect(run.steps.filter((s) => s.step === 'landed').map((s) => s.lane)).toEqual([
        'issue-1',
        'issue-2',
        'issue-3',
      ]);
    } finally {
      store.close();
    }
  });

  it('predicts conflicts pair by pair and puts the lane with fewest first; the agent resolves the conflict while landing', async () => {
    const r = await setup(3, {
      files: { 'shared.txt': 'one\ntwo\nthree\n' },
      script: {
        turns: [
          {
            kind: 'shell',
            command:
              "printf 'one\\ntwo by 1, two by 2\\nthree\\n' > shared.txt && git add shared.txt && GIT_EDITOR=true git rebase --continue",
          },
          { kind: 'text', text: 'Resolved.' },
        ],
      },
    });
    commitInLane(r, 'issue-1', 'shared.txt', 'one\ntwo by 1\nthree\n', 'Lane 1 edits two');
    commitInLane(r, 'issue-2', 'shared.txt', 'one\ntwo by 2\nthree\n', 'Lane 2 edits two');
    commitInLane(r, 'issue-3', 'other.txt', 'other\n', 'Lane 3 adds other');
    const before = r.git('rev-parse', 'main');

    const dry = await r.run(['land', '1', '2', '3', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = json<LandResult>(dry);
    expect(plan.order.map((o) => [o.lane, o.conflictsWith])).toEqual([
      ['issue-3', []],
      ['issue-1', ['issue-2']],
      ['issue-2', ['issue-1']],
    ]);
    expect(plan.pairs.find((p) => p.a === 'issue-1' && p.b === 'issue-2')?.conflicts).toEqual(['shared.txt']);
    // Named lanes without an approving review: a warning each.
    expect(dry.stderr).toContain('lane issue-1 has no approving review; landing it because you named it');
    const text = await r.run(['land', '1', '2', '3', '--dry-run']);
    expect(text.stdout).toMatch(/issue-1\s+issue-2\s+shared\.txt/);
    expect(r.git('rev-parse', 'main')).toBe(before);
    expect(r.git('for-each-ref', 'refs/lanes/')).toBe('');

    const res = await r.run(['land', '1', '2', '3', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const landed = json<LandResult>(res);
    expect(landed.lanes.map((l) => [l.lane, l.status])).toEqual([
      ['issue-3', 'landed'],
      ['issue-1', 'landed'],
      ['issue-2', 'landed'],
    ]);
    expect(landed.lanes[2]!.sync).toMatchObject({ status: 'resolved', conflicts: ['shared.txt'] });
    expect(r.git('show', 'main:shared.txt')).toBe('one\ntwo by 1, two by 2\nthree');
    expect(subjects(r).slice(0, 3)).toEqual(['Lane 2 edits two', 'Lane 1 edits two', 'Lane 3 adds other']);
    // Landed, even the one whose conflict was resolved: rm --merged removes all three without force.
    const rm = await r.run(['rm', '--merged', '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(r.git('for-each-ref', 'refs/lanes/')).toBe('');
    expect(r.git('branch', '--list', 'issue-*')).toBe('');
  });

  it('sends a lane whose commands fail after sync back to review, and goes on with the next', async () => {
    // Each lane passes alone; lane 2 fails on top of lane 1 (the command forbids both files at once).
    const r = await setup(3, {
      config: {
        validate: {
          commands: ['! { test -f a.txt && test -f b.txt; } || { echo "a.txt and b.txt clash" >&2; exit 1; }'],
        },
      },
    });
    commitInLane(r, 'issue-1', 'a.txt', 'a\n', 'Add a');
    commitInLane(r, 'issue-2', 'b.txt', 'b\n', 'Add b');
    commitInLane(r, 'issue-3', 'c.txt', 'c\n', 'Add c');
    for (const n of [1, 2, 3]) insertVerdict(r, `issue-${n}`, { verdict: 'approve' });

    const res = await r.run(['land', '--approved', '--json', '--yes']);
    expect(res.code).toBe(1);
    const landed = json<LandResult>(res);
    expect(landed.lanes.map((l) => [l.lane, l.status])).toEqual([
      ['issue-1', 'landed'],
      ['issue-2', 'changes-requested'],
      ['issue-3', 'landed'],
    ]);
    expect(landed.lanes[1]!.commands[0]).toMatchObject({ exitCode: 1 });
    expect(subjects(r).slice(0, 2)).toEqual(['Add c', 'Add a']);
    const store = openStore(r);
    try {
      const lane = store.getLane('issue-2')!;
      expect(lane.validation).toMatchObject({ state: 'changes-requested', round: 2 });
      const verdict = store.reviews.latestVerdict('issue-2', lane.createdAt)!;
      expect(verdict).toMatchObject({ verdict: 'request-changes', round: 2, reviewers: ['lanes'] });
      expect(verdict.findings).toHaveLength(1);
      expect(verdict.findings[0]).toMatchObject({ id: 'R2-1', severity: 'blocker', reviewers: ['lanes'] });
      expect(verdict.findings[0]!.message).toContain('a.txt and b.txt clash');
    } finally {
      store.close();
    }
  });

  it('detects a commit to the base while a lane is tested, syncs the lane again and lands it on top', async () => {
    // The main worktree is detached, so the base moves by update-ref with its old value. The lane's
    // command commits to main the first time it runs: a push landing while the queue works.
    const mark = 'concurrent-done';
    const r = await setup(1, {
      config: {
        validate: {
          commands: [
            `test -f "$LANE_MARK" || { touch "$LANE_MARK" && c=$(git commit-tree -p refs/heads/main -m concurrent "refs/heads/main^{tree}") && git update-ref refs/heads/main "$c"; }`,
          ],
        },
      },
    });
    r.git('checkout', '-q', '--detach');
    commitInLane(r, 'issue-1', 'lane.txt', 'lane\n', 'Add lane');
    const res = await r.run(['land', '1', '--json', '--yes'], { env: { LANE_MARK: join(r.parent, mark) } });
    expect(res.code, res.stderr).toBe(0);
    const [lane] = json<LandResult>(res).lanes;
    expect(lane).toMatchObject({ lane: 'issue-1', status: 'landed', attempts: 2 });
    expect(subjects(r).slice(0, 3)).toEqual(['Add lane', 'concurrent', 'issues']);
    expect(r.git('rev-parse', 'main')).toBe(lane!.head);
  });

  it('refuses (exit 3) while the base checkout has uncommitted changes to files a lane changes', async () => {
    const r = await setup(1, { files: { 'shared.txt': 'one\n' } });
    const head = commitInLane(r, 'issue-1', 'shared.txt', 'lane\n', 'Lane edits shared');
    insertVerdict(r, 'issue-1', { verdict: 'approve' });
    r.write('shared.txt', 'my own edit\n');
    const before = r.git('rev-parse', 'main');
    const res = await r.run(['land', '--approved']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(
      'has main checked out with uncommitted changes to files the lane changes (shared.txt)',
    );
    expect(r.git('rev-parse', 'main')).toBe(before);
    expect(r.git('rev-parse', 'issue-1')).toBe(head);
    expect(execFileSync('cat', [join(r.root, 'shared.txt')], { encoding: 'utf8' })).toBe('my own edit\n');
  });

  it("merges a lane's GitHub pull request through the API with the repository's merge method and the tested head", async () => {
    const TOKEN = 'ghp_land_e2e';
    let remote = '';
    const remoteGit = (...args: string[]) =>
      execFileSync('git', ['--git-dir', remote, ...args], { encoding: 'utf8', env: repo!.env }).trim();
    gh = await startFakeGithub({
      token: TOKEN,
      // The repository allows no merge commits: lanes must pick squash.
      mergeMethods: { merge: false, squash: true, rebase: true },
      branchSha: (branch) => {
        try {
          return remoteGit('rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
        } catch {
          return undefined;
        }
      },
      onMerge: (pull, method) => {
        expect(method).toBe('squash');
        const commit = remoteGit(
          'commit-tree',
          '-p',
          `refs/heads/${pull.base}`,
          '-m',
          `${pull.title} (#${pull.number})`,
          `refs/heads/${pull.head}^{tree}`,
        );
        remoteGit('update-ref', `refs/heads/${pull.base}`, commit);
        return commit;
      },
    });
    endpoint = await startModelEndpoint({ turns: [] });
    const r = makeAgentRepo({
      endpoint,
      issues: 1,
      config: { issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url } },
    });
    repo = r;
    remote = join(r.parent, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote], { env: r.env });
    r.git('remote', 'add', 'origin', remote);
    r.git('push', '-q', 'origin', 'main');
    const env = { GITHUB_TOKEN: TOKEN, GH_CONFIG_DIR: join(r.home, 'gh') };
    expect((await r.run(['new', '1', '--no-agent'], { env })).code).toBe(0);
    commitInLane(r, 'issue-1', 'login.ts', 'export const login = true;\n', 'Add login');
    const pr = await r.run(['pr', '1'], { env });
    expect(pr.code, pr.stderr).toBe(0);
    // The base moves on (and is pushed): the lane is synced before it lands.
    r.write('base.txt', 'base\n');
    const base = r.commitAll('Base moves');
    r.git('push', '-q', 'origin', 'main');
    insertVerdict(r, 'issue-1', { verdict: 'approve' });

    const res = await r.run(['land', '--approved', '--json'], { env });
    expect(res.code, res.stderr).toBe(0);
    const [lane] = json<LandResult>(res).lanes;
    const synced = r.git('rev-parse', 'issue-1');
    expect(r.git('rev-parse', 'issue-1~1')).toBe(base);
    expect(lane).toMatchObject({ lane: 'issue-1', status: 'landed', via: 'github', head: synced });
    expect(lane!.pullRequest).toMatchObject({ number: gh.pulls[0]!.number, method: 'squash', sha: synced });
    expect(gh.merges).toEqual([
      { pull: gh.pulls[0]!.number, sha: synced, mergeMethod: 'squash', commit: lane!.pullRequest!.mergeSha },
    ]);
    expect(gh.pulls[0]).toMatchObject({ state: 'closed', merged: true });
    // The synced branch was pushed (with a lease), and the merged base fetched: the local main followed it.
    expect(remoteGit('rev-parse', 'refs/heads/issue-1')).toBe(synced);
    expect(remoteGit('rev-parse', 'refs/heads/main')).toBe(lane!.pullRequest!.mergeSha);
    expect(r.git('rev-parse', 'main')).toBe(lane!.pullRequest!.mergeSha);
    expect(r.git('rev-parse', 'origin/main')).toBe(lane!.pullRequest!.mergeSha);
    expect(r.git('show', 'main:login.ts')).toBe('export const login = true;');
    expect(r.git('status', '--porcelain')).toBe('');
  });
});
