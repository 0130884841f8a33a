// `lanes pr` then `lanes review` on GitHub: the real Codex CLI reviews (fake model server), the
// verdict is posted on the pull request of the fake GitHub server as one review whose line comments
// are the findings inside the diff, and a stored review returned again is not posted twice.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareBranchSha, startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { makeAgentRepo, startModelEndpoint, type AgentRepo, type ModelEndpoint } from '../helpers/agents.js';
import { agentsMissing } from '../helpers/requirements.js';
import { json } from '../helpers/repo.js';
import { reviewAnswer } from '../helpers/review.js';

const TOKEN = 'ghp_review_e2e';
let gh: FakeGithub | undefined;
let repo: AgentRepo | undefined;
let model: ModelEndpoint | undefined;
afterEach(async () => {
  await repo?.dispose();
  await model?.close();
  await gh?.close();
  repo = model = gh = undefined;
});

describe.skipIf(agentsMissing())('lanes review on a GitHub pull request', () => {
  it('posts the verdict as one review: findings in the diff as line comments, the others in its body', async () => {
    let remote = '';
    gh = await startFakeGithub({
      token: TOKEN,
      branchSha: (branch) => bareBranchSha(remote, branch),
    });
    model = await startModelEndpoint({
      turns: [
        {
          kind: 'text',
          text: reviewAnswer('request-changes', [
            { file: 'login.ts', line: 2, severity: 'major', category: 'bug', message: 'the password is logged' },
            {
              file: 'README.md',
              line: 1,
              severity: 'minor',
              category: 'other',
              message: 'the README says nothing of login',
            },
          ]),
        },
      ],
    });
    const r = makeAgentRepo({
      endpoint: model,
      issues: 1,
      config: {
        issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url },
        agents: { codex: { model: 'gpt-5-codex' } },
        phases: { review: { agent: 'codex' } },
      },
    });
    repo = r;
    remote = join(r.parent, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote], { env: r.env });
    r.git('remote', 'add', 'origin', remote);
    r.git('push', '-q', 'origin', 'main');
    const env = { GITHUB_TOKEN: TOKEN, GH_CONFIG_DIR: join(r.home, 'gh') };
    expect((await r.run(['new', '1', '--no-agent'], { env })).code).toBe(0);
    const lanePath = join(r.parent, 'app-worktrees', 'issue-1');
    writeFileSync(join(lanePath, 'login.ts'), 'export function login(user, password) {\n  console.log(password);\n}\n');
    for (const args of [
      ['add', '-A'],
      ['commit', '-q', '-m', 'Add login'],
    ])
      execFileSync('git', ['-C', lanePath, ...args], { env: r.env });
    const head = r.git('rev-parse', 'issue-1');

    const pr = await r.run(['pr', '1', '--json'], { env });
    expect(pr.code, pr.stderr).toBe(0);
    expect(gh.pulls).toHaveLength(1);

    const res = await r.run(['review', '1', '--json'], { env });
    expect(res.code, res.stderr).toBe(0);
    const review = json<{ verdict: string; published: { where: string; url: string | null; warning: string | null } }>(
      res,
    );
    expect(review.verdict).toBe('request-changes');
    expect(review.published).toMatchObject({ where: 'github', warning: null });
    expect(gh.reviews).toHaveLength(1);
    const posted = gh.reviews[0]!;
    expect(posted).toMatchObject({ pull: gh.pulls[0]!.number, commit_id: head, event: 'COMMENT' });
    expect(posted.comments.map((c) => [c.path, c.line])).toEqual([['login.ts', 2]]);
    expect(posted.comments[0]!.body).toContain('the password is logged');
    expect(posted.body).toContain('round 1: changes requested');
    expect(posted.body).toContain('the README says nothing of login');

    // The same head again: the stored review, and nothing posted twice.
    const again = await r.run(['review', '1', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ reused: boolean }>(again).reused).toBe(true);
    expect(gh.reviews).toHaveLength(1);
  });
});
