/**
 * `lanes run` against the fake GitHub server through the built CLI (run `npm run build` first):
 * each issue is fetched once for the whole run, however many phases it goes through, and many
 * lanes at once under one Ctrl-C signal raise no listener-leak warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGithub, type FakeGithub, type FakeGithubIssue } from '../fakes/github-server.js';
import { json, lanesAsync, makeRepo, type TempRepo } from '../helpers/repo.js';

const GITHUB_TOKEN = 'ghp_fetch_once';
// Appends, so the plan and the implement phase each make a commit of their own.
const SCRIPT = {
  adapter: 'command',
  command: ['sh', '-c', 'echo step >> work.txt; git add work.txt; git commit -qm step', 'sh', '{promptFile}'],
};

let gh: FakeGithub | undefined;
let repo: TempRepo | undefined;
afterEach(async () => {
  await gh?.close();
  repo?.cleanup();
  gh = repo = undefined;
});

interface RunJson {
  lanes: { lane: string; status: string; phases: { phase: string; status: string }[] }[];
}

describe('lanes run with GitHub issues', () => {
  it('fetches each issue once for naming, creating and every phase of its lane, and warns about nothing', async () => {
    const count = 12;
    const issues: FakeGithubIssue[] = Array.from({ length: count }, (_, i) => ({
      number: i + 1,
      title: `Task ${i + 1}`,
      body: `Do task ${i + 1}.`,
    }));
    gh = await startFakeGithub({ token: GITHUB_TOKEN, issues });
    const config = {
      issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url },
      agent: 'script',
      agents: { script: SCRIPT },
      phases: { plan: { agent: 'script' }, implement: {} },
    };
    repo = makeRepo({ files: { 'lanes.config.json': `${JSON.stringify(config, null, 2)}\n` } });
    const refs = issues.map((i) => String(i.number));

    const res = await lanesAsync(
      repo,
      ['run', ...refs, '--parallel', String(count), '--until', 'implement', '--json'],
      {
        env: { GITHUB_TOKEN, NODE_OPTIONS: '--trace-warnings' },
      },
    );
    expect(res.code, res.stderr).toBe(0);
    const result = json<RunJson>(res);
    expect(
      result.lanes.map((l) => [l.lane, l.status, l.phases.map((p) => `${p.phase}:${p.status}`).join(',')]),
    ).toEqual(refs.map((n) => [`issue-${n}`, 'done', 'plan:done,implement:done']));

    const fetches = gh.requests
      .filter((r) => r.method === 'GET' && /\/issues\/\d+$/.test(r.path))
      .map((r) => Number(/(\d+)$/.exec(r.path)![1]));
    expect(fetches.sort((a, b) => a - b)).toEqual(issues.map((i) => i.number));
    expect(res.stderr).not.toMatch(/Warning/);
  });
});
