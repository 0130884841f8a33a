/**
 * `lanes pr` through the built CLI (run `npm run build` first): real git with a local bare
 * repository as the push remote, the fake GitHub server as the forge (its branches are the bare
 * repository's), and the faults a user meets: a rejected push, and GitHub's 401, 404, 422, 500 and
 * rate limits.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bareBranchSha, startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { lanesAsync, makeRepo, type CliResult, type TempRepo } from '../helpers/repo.js';

const GITHUB_TOKEN = 'ghp_pr_e2e';

interface PrJson {
  lane: string;
  created: boolean;
  pushed: string | null;
  pushStatus: string | null;
  title: string;
  warnings: string[];
  request: {
    lane: string;
    kind: 'github' | 'local';
    number: number | null;
    url: string | null;
    base: string;
    baseCommit: string;
    head: string;
    diffStat: { files: number; insertions: number; deletions: number };
    draft: boolean;
    pushedTo: string | null;
    createdAt: string;
    updatedAt: string;
  };
}

let gh: FakeGithub;
let repo: TempRepo | undefined;
/** The bare repository the current test pushes to: the fake GitHub's branches are its branches. */
let remote: string | undefined;

beforeAll(async () => {
  gh = await startFakeGithub({
    token: GITHUB_TOKEN,
    branchSha: (branch) => bareBranchSha(remote, branch),
  });
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.pulls.length = 0;
  gh.comments.length = 0;
  gh.requests.length = 0;
  gh.failNext(0, 0);
  gh.rateLimitNext('primary', 0);
});
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
  remote = undefined;
});

const githubConfig = () => ({ issues: { source: 'github', repo: 'octo/app', baseUrl: gh.url } });

function run(r: TempRepo, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return lanesAsync(r, args, { env: { GITHUB_TOKEN, GH_CONFIG_DIR: join(r.home, 'gh'), NO_COLOR: '1', ...env } });
}

function parse(res: CliResult): PrJson {
  try {
    return JSON.parse(res.stdout) as PrJson;
  } catch {
    throw new Error(`not JSON (exit ${res.code}):\n${res.stdout}\n--- stderr ---\n${res.stderr}`);
  }
}

/** A repository with the config, an origin that is a bare repository (unless `withRemote` is false), lane issue-1. */
async function laneRepo(
  config: Record<string, unknown>,
  withRemote = true,
): Promise<{ r: TempRepo; lanePath: string }> {
  const r = makeRepo();
  repo = r;
  writeFileSync(join(r.root, 'lanes.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (config.issues && (config.issues as { source: string }).source === 'local') {
    r.write('issues/1.md', '---\ntitle: "Add login page"\n---\n\n## Acceptance criteria\n- [ ] A form\n');
  }
  r.commitAll('config');
  if (withRemote) {
    remote = join(r.parent, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote], { env: r.env });
    r.git('remote', 'add', 'origin', remote);
    r.git('push', '-q', 'origin', 'main');
  }
  const made = await run(r, ['new', '1', '--no-agent']);
  expect(made.code, made.stderr).toBe(0);
  return { r, lanePath: join(r.parent, 'app-worktrees', 'issue-1') };
}

function commitInLane(r: TempRepo, lanePath: string, file: string, text: string, subject: string): string {
  writeFileSync(join(lanePath, file), text);
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', lanePath, ...args], { env: r.env, encoding: 'utf8' }).trim();
  git('add', '-A');
  git('commit', '-q', '-m', subject);
  return git('rev-parse', 'HEAD');
}

describe('lanes pr with GitHub', () => {
  it('pushes the branch and opens the pull request: title, summary, Closes, criteria; --json has the record', async () => {
    const { r, lanePath } = await laneRepo(githubConfig());
    const head = commitInLane(r, lanePath, 'login.ts', 'export const form = 1;\nexport const x = 2;\n', 'Add the form');
    const res = await run(r, ['pr', '1', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const out = parse(res);
    const pull = gh.pulls[0]!;
    expect(out).toMatchObject({
      lane: 'issue-1',
      created: true,
      pushed: 'origin',
      pushStatus: 'new',
      title: 'Add login page',
      warnings: [],
      request: {
        lane: 'issue-1',
        kind: 'github',
        number: pull.number,
        url: `${gh.url}/octo/app/pull/${pull.number}`,
        base: 'main',
        baseCommit: r.git('rev-parse', 'main'),
        head,
        diffStat: { files: 1, insertions: 2, deletions: 0 },
        draft: false,
        pushedTo: 'origin',
      },
    });
    expect(out.request.createdAt).toBe(out.request.updatedAt);
    expect(bareBranchSha(remote, 'issue-1')).toBe(head);
    expect(gh.pulls).toHaveLength(1);
    expect(pull).toMatchObject({ title: 'Add login page', head: 'issue-1', base: 'main', draft: false, state: 'open' });
    expect(pull.body).toContain('## Summary\n\n- Add the form\n');
    expect(pull.body).toContain(`[1: Add login page](${gh.url}/octo/app/issues/1)`);
    expect(pull.body).toContain('\nCloses #1\n');
    expect(pull.body).toContain('- [ ] A form with email and password\n- [ ] Errors are shown inline\n');
    expect(pull.body).toContain('<!-- lanes:pull-request lane=issue-1 -->');
    // The head filter GitHub documents: owner:branch.
    expect(gh.requests.some((q) => q.path === '/repos/octo/app/pulls' && q.query.get('head') === 'octo:issue-1')).toBe(
      true,
    );
  });

  it('re-running updates the same pull request (never a second), keeping createdAt; says so plainly', async () => {
    const { r, lanePath } = await laneRepo(githubConfig());
    commitInLane(r, lanePath, 'a.ts', 'a\n', 'First step');
    const first = parse(await run(r, ['pr', 'issue-1', '--json']));
    const head = commitInLane(r, lanePath, 'b.ts', 'b\n', 'Second step');
    const again = await run(r, ['pr', 'issue-1']);
    expect(again.code, again.stderr).toBe(0);
    const number = first.request.number!;
    expect(again.stdout).toContain("pushed issue-1's branch to origin (fast-forward)");
    expect(again.stdout).toContain(`updated pull request #${number}: ${gh.url}/octo/app/pull/${number}`);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]!.body).toContain('- First step\n- Second step\n');
    expect(
      gh.requests.filter((q) => q.method === 'PATCH' && q.path === `/repos/octo/app/pulls/${number}`),
    ).toHaveLength(1);
    expect(bareBranchSha(remote, 'issue-1')).toBe(head);

    const third = parse(await run(r, ['pr', 'issue-1', '--json']));
    expect(third).toMatchObject({ created: false, pushStatus: 'up-to-date', request: { number, head } });
    expect(third.request.createdAt).toBe(first.request.createdAt);
    expect(third.request.diffStat).toEqual({ files: 2, insertions: 2, deletions: 0 });
  });

  it('--draft opens a draft pull request; write-back comments its link on the issue once', async () => {
    const { r, lanePath } = await laneRepo({
      issues: { ...githubConfig().issues, writeBack: { onPullRequest: true } },
    });
    commitInLane(r, lanePath, 'a.ts', 'a\n', 'Work');
    const res = await run(r, ['pr', '1', '--draft']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^opened pull request #\d+ \(draft\): /m);
    expect(gh.pulls[0]!.draft).toBe(true);
    const url = `${gh.url}/octo/app/pull/${gh.pulls[0]!.number}`;
    expect(gh.comments).toEqual([
      { number: 1, body: `lanes opened a pull request for this issue from lane \`issue-1\`: ${url}` },
    ]);
    expect((await run(r, ['pr', '1'])).code).toBe(0);
    expect(gh.comments).toHaveLength(1);
    expect(gh.requests.find((q) => q.method === 'POST' && q.path === '/repos/octo/app/pulls')!.json).toMatchObject({
      draft: true,
    });
  });

  it('refuses a lane with no commits beyond its base (exit 2): nothing pushed, no pull request', async () => {
    const { r, lanePath } = await laneRepo(githubConfig());
    writeFileSync(join(lanePath, 'wip.ts'), 'not committed\n');
    const res = await run(r, ['pr', '1']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      'lanes: lane issue-1 has no commits beyond its base main: there is nothing to review (its worktree has 1 uncommitted change; lanes pr commits nothing for you)',
    );
    expect(bareBranchSha(remote, 'issue-1')).toBeUndefined();
    expect(gh.pulls).toHaveLength(0);
  });

  it('a push the remote rejects (non-fast-forward) is a clear exit 1; nothing is lost on either side', async () => {
    const { r, lanePath } = await laneRepo(githubConfig());
    const mine = commitInLane(r, lanePath, 'a.ts', 'mine\n', 'My work');
    // Someone else pushed to the lane's branch first.
    const other = join(r.parent, 'other');
    execFileSync('git', ['clone', '-q', remote!, other], { env: r.env });
    execFileSync('git', ['-C', other, 'checkout', '-q', '-b', 'issue-1'], { env: r.env });
    writeFileSync(join(other, 'theirs.ts'), 'theirs\n');
    execFileSync('git', ['-C', other, 'add', '-A'], { env: r.env });
    execFileSync('git', ['-C', other, 'commit', '-q', '-m', 'Their work'], { env: r.env });
    execFileSync('git', ['-C', other, 'push', '-q', 'origin', 'issue-1'], { env: r.env });
    const theirs = bareBranchSha(remote, 'issue-1');

    const res = await run(r, ['pr', '1']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      'lanes: the remote origin refused issue-1 ([rejected] (fetch first)): its issue-1 has commits the lane does not; nothing was pushed and nothing changed locally',
    );
    expect(r.git('rev-parse', 'issue-1')).toBe(mine);
    expect(bareBranchSha(remote, 'issue-1')).toBe(theirs);
    expect(gh.pulls).toHaveLength(0);

    // Once their commits are fetched, git calls it non-fast-forward: the same refusal.
    r.git('fetch', '-q', 'origin');
    const fetched = await run(r, ['pr', '1']);
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toContain('lanes: the remote origin refused issue-1 ([rejected] (non-fast-forward))');
    expect(r.git('rev-parse', 'issue-1')).toBe(mine);
    expect(bareBranchSha(remote, 'issue-1')).toBe(theirs);
  });
});

describe('lanes pr without a forge', () => {
  it('records the local review request (base, head, diff stat); re-running updates it, nothing pushed', async () => {
    // origin is a bare repository, not GitHub: no forge, and no push nobody asked for.
    const { r, lanePath } = await laneRepo({ issues: { source: 'local' } });
    const head = commitInLane(r, lanePath, 'a.ts', 'one\ntwo\nthree\n', 'Local work');
    const res = await run(r, ['pr', '1', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const out = parse(res);
    expect(out).toMatchObject({
      created: true,
      pushed: null,
      pushStatus: null,
      request: {
        kind: 'local',
        number: null,
        url: null,
        base: 'main',
        baseCommit: r.git('rev-parse', 'main'),
        head,
        diffStat: { files: 1, insertions: 3, deletions: 0 },
        pushedTo: null,
      },
    });
    const human = await run(r, ['pr', '1']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('nothing pushed\nupdated the local review request of issue-1\n');
    const again = parse(await run(r, ['pr', '1', '--json']));
    expect(again.created).toBe(false);
    expect(again.request.createdAt).toBe(out.request.createdAt);
    expect(gh.requests.some((q) => q.path.includes('/pulls'))).toBe(false);
    expect(bareBranchSha(remote, 'issue-1')).toBeUndefined();
  });

  it('pushes to forge.remote when a local forge names one', async () => {
    const { r, lanePath } = await laneRepo({ issues: { source: 'local' }, forge: { type: 'local', remote: 'origin' } });
    const head = commitInLane(r, lanePath, 'a.ts', 'x\n', 'Work');
    const out = parse(await run(r, ['pr', '1', '--json']));
    expect(out).toMatchObject({ pushed: 'origin', pushStatus: 'new', request: { kind: 'local', pushedTo: 'origin' } });
    expect(bareBranchSha(remote, 'issue-1')).toBe(head);
  });
});

describe('lanes pr when GitHub fails', () => {
  async function ready(config: Record<string, unknown> = githubConfig()) {
    const { r, lanePath } = await laneRepo(config);
    commitInLane(r, lanePath, 'a.ts', 'a\n', 'Work');
    return r;
  }

  it('401: the token is refused (exit 2), named by its variable', async () => {
    const r = await ready();
    const res = await run(r, ['pr', '1'], { GITHUB_TOKEN: 'ghp_wrong' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      'lanes: GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials - https://docs.github.com/rest)',
    );
    expect(res.stderr).not.toContain('ghp_wrong');
  });

  it('404: the repository is missing or hidden from the token (exit 2)', async () => {
    const r = await ready({ ...githubConfig(), forge: { type: 'github', repo: 'octo/gone', baseUrl: gh.url } });
    const res = await run(r, ['pr', '1']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `lanes: GitHub has no repository octo/gone at ${gh.url}, or the token cannot see it (404 on listing pull requests)`,
    );
  });

  it('422: what GitHub refused, after the push (which stands)', async () => {
    const r = await ready();
    // The issue, the pull request list, then the refused creation.
    gh.failNext(
      {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            { resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for octo:issue-1.' },
          ],
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        },
      },
      1,
      2,
    );
    const res = await run(r, ['pr', '1']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'lanes: issue-1 was pushed to origin, but GitHub octo/app did not take the pull request:\n' +
        'lanes: GitHub refused to open a pull request from issue-1 into main in octo/app: A pull request already exists for octo:issue-1.\n',
    );
    expect(bareBranchSha(remote, 'issue-1')).toBe(r.git('rev-parse', 'issue-1'));
  });

  it('500: the service failed (exit 1, try again); the next run opens the pull request', async () => {
    const r = await ready();
    gh.failNext(500, 1, 2);
    const res = await run(r, ['pr', '1']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'lanes: GitHub failed on opening a pull request from issue-1 into main in octo/app (500: Server Error); try again later',
    );
    expect(gh.pulls).toHaveLength(0);
    const again = await run(r, ['pr', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("pushed issue-1's branch to origin (it was up to date)");
    expect(gh.pulls).toHaveLength(1);
  });

  it('a rate limit is waited out as GitHub asks, then the pull request opens', async () => {
    const r = await ready();
    gh.rateLimitNext('secondary', 1, 1, 1);
    const res = await run(r, ['pr', '1']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('lanes: GitHub rate limit reached; waiting 1 s as the server asks\n');
    expect(gh.pulls).toHaveLength(1);
  });
});
