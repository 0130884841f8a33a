/**
 * The GitHub forge (Octokit) against the fake GitHub server: pull requests found by head, opened,
 * updated; reviews posted with line comments and found again by their marker; and the faults a
 * user meets (401, 404, 422, 500, rate limits) as one-line errors with their exit codes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubForge } from '../../src/adapters/forges/github/index.js';
import { InputError, ToolError } from '../../src/domain/errors.js';
import { startFakeGithub, type FakeGithub, type FakePull } from '../fakes/github-server.js';
import { failure } from '../helpers/failure.js';

const TOKEN = 'ghp_forge_token';
const signal = new AbortController().signal;
let gh: FakeGithub;
/** Lines 10–20 of src/a.ts are the diff; nothing else is. */
const commentable = (_pull: FakePull, path: string, line: number) => path === 'src/a.ts' && line >= 10 && line <= 20;

beforeAll(async () => {
  gh = await startFakeGithub({
    token: TOKEN,
    branchSha: (b) => (b === 'missing' ? undefined : b === 'main' ? 'a'.repeat(40) : 'b'.repeat(40)),
    commentable,
  });
});
afterAll(async () => {
  await gh.close();
});
beforeEach(() => {
  gh.pulls.length = 0;
  gh.reviews.length = 0;
  gh.merges.length = 0;
  gh.failNext(0, 0);
  gh.rateLimitNext('primary', 0);
});

function forge(env: Record<string, string | undefined> = { GITHUB_TOKEN: TOKEN }, runtime = {}) {
  return githubForge({ repo: 'octo/app', baseUrl: gh.url, env, runtime });
}

describe('GitHub forge (Octokit against a fake GitHub)', () => {
  it('opens a pull request, then finds it by its head branch', async () => {
    const f = forge();
    expect(f.name).toBe('GitHub octo/app');
    expect(await f.findPullRequest('issue-1', signal)).toBeUndefined();
    const list = gh.requests.at(-1)!;
    expect([list.method, list.path, list.query.get('head'), list.query.get('state')]).toEqual([
      'GET',
      '/repos/octo/app/pulls',
      'octo:issue-1',
      'open',
    ]);

    const pr = await f.createPullRequest(
      { title: 'Add login page', body: 'the body', branch: 'issue-1', base: 'main', draft: true },
      signal,
    );
    const create = gh.requests.at(-1)!;
    expect([create.method, create.path]).toEqual(['POST', '/repos/octo/app/pulls']);
    expect(create.json).toEqual({
      title: 'Add login page',
      body: 'the body',
      head: 'issue-1',
      base: 'main',
      draft: true,
    });
    expect(create.headers.authorization).toBe(`token ${TOKEN}`);
    expect(pr).toEqual({
      number: 151,
      url: `${gh.url}/octo/app/pull/151`,
      headSha: 'b'.repeat(40),
      draft: true,
      state: 'open',
    });
    expect(await f.findPullRequest('issue-1', signal)).toEqual(pr);
    expect(await f.findPullRequest('issue-2', signal)).toBeUndefined();
  });

  it('does not take a closed pull request of the branch for its open one', async () => {
    const f = forge();
    const pr = await f.createPullRequest(
      { title: 't', body: 'b', branch: 'issue-3', base: 'main', draft: false },
      signal,
    );
    gh.pulls.find((p) => p.number === pr.number)!.state = 'closed';
    expect(await f.findPullRequest('issue-3', signal)).toBeUndefined();
  });

  it('updates the title and body of a pull request', async () => {
    const f = forge();
    const pr = await f.createPullRequest(
      { title: 'old', body: 'old', branch: 'issue-4', base: 'main', draft: false },
      signal,
    );
    const updated = await f.updatePullRequest(pr.number, { title: 'new title', body: 'new body' }, signal);
    expect(updated.number).toBe(pr.number);
    expect(gh.requests.at(-1)!.method).toBe('PATCH');
    expect(gh.requests.at(-1)!.json).toEqual({ title: 'new title', body: 'new body' });
    expect(gh.pulls.find((p) => p.number === pr.number)).toMatchObject({ title: 'new title', body: 'new body' });
  });

  it('posts a COMMENT review with line and range comments on the right side, and finds it by its marker', async () => {
    const f = forge();
    const pr = await f.createPullRequest(
      { title: 't', body: 'b', branch: 'issue-5', base: 'main', draft: false },
      signal,
    );
    const url = await f.postReview(
      pr.number,
      {
        commitId: 'b'.repeat(40),
        body: '<!-- lanes:review lane=issue-5 round=1 head=bbbb -->\nverdict',
        comments: [
          { path: 'src/a.ts', line: 12, body: 'one line' },
          { path: 'src/a.ts', line: 15, startLine: 13, body: 'a range' },
        ],
      },
      signal,
    );
    expect(url).toBe(`${gh.url}/octo/app/pull/${pr.number}#pullrequestreview-80`);
    const req = gh.requests.at(-1)!;
    expect(req.path).toBe(`/repos/octo/app/pulls/${pr.number}/reviews`);
    expect(req.json).toEqual({
      commit_id: 'b'.repeat(40),
      body: '<!-- lanes:review lane=issue-5 round=1 head=bbbb -->\nverdict',
      event: 'COMMENT',
      comments: [
        { path: 'src/a.ts', line: 12, side: 'RIGHT', body: 'one line' },
        { path: 'src/a.ts', line: 15, side: 'RIGHT', start_line: 13, start_side: 'RIGHT', body: 'a range' },
      ],
    });
    expect(await f.findReview(pr.number, '<!-- lanes:review lane=issue-5 round=1 head=bbbb -->', signal)).toBe(url);
    expect(
      await f.findReview(pr.number, '<!-- lanes:review lane=issue-5 round=2 head=bbbb -->', signal),
    ).toBeUndefined();
  });

  it('says what GitHub refused (422): a comment off the diff, a second pull request, a base it lacks', async () => {
    const f = forge();
    const pr = await f.createPullRequest(
      { title: 't', body: 'b', branch: 'issue-6', base: 'main', draft: false },
      signal,
    );
    const offDiff = await failure(
      f.postReview(
        pr.number,
        { commitId: 'b'.repeat(40), body: 'x', comments: [{ path: 'src/a.ts', line: 99, body: 'c' }] },
        signal,
      ),
    );
    expect(offDiff).toBeInstanceOf(ToolError);
    expect(offDiff.message).toBe(
      `GitHub refused the review on pull request #${pr.number} of octo/app: Pull request review thread line must be part of the diff`,
    );
    expect(gh.reviews).toHaveLength(0);

    const twice = await failure(
      f.createPullRequest({ title: 't', body: 'b', branch: 'issue-6', base: 'main', draft: false }, signal),
    );
    expect(twice).toBeInstanceOf(ToolError);
    expect(twice.message).toBe(
      'GitHub refused to open a pull request from issue-6 into main in octo/app: A pull request already exists for octo:issue-6.',
    );
    expect(gh.pulls).toHaveLength(1);

    const noBase = await failure(
      f.createPullRequest({ title: 't', body: 'b', branch: 'issue-7', base: 'missing', draft: false }, signal),
    );
    expect(noBase.message).toBe(
      'GitHub refused to open a pull request from issue-7 into missing in octo/app: PullRequest base invalid',
    );
  });

  it('turns a 401 into an input error naming where the token came from, never the token', async () => {
    const err = await failure(forge({ GITHUB_TOKEN: 'ghp_wrong' }).findPullRequest('issue-1', signal));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      'GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials - https://docs.github.com/rest)',
    );
    expect(err.message).not.toContain('ghp_wrong');
  });

  it('turns a 404 into an input error naming the repository and the token access', async () => {
    const err = await failure(
      githubForge({ repo: 'octo/gone', baseUrl: gh.url, env: { GITHUB_TOKEN: TOKEN } }).findPullRequest('x', signal),
    );
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      `GitHub has no repository octo/gone at ${gh.url}, or the token cannot see it (404 on listing pull requests)`,
    );
  });

  it('turns a 500 into a tool failure that says to try again', async () => {
    gh.failNext(500);
    const err = await failure(
      forge().createPullRequest({ title: 't', body: 'b', branch: 'issue-8', base: 'main', draft: false }, signal),
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(
      'GitHub failed on opening a pull request from issue-8 into main in octo/app (500: Server Error); try again later',
    );
    expect(gh.pulls).toHaveLength(0);
  });

  it('waits out a secondary rate limit (429 + retry-after) on a post, then posts once', async () => {
    const waits: string[] = [];
    const f = forge(undefined, { onWait: (m: string) => waits.push(m) });
    const pr = await f.createPullRequest(
      { title: 't', body: 'b', branch: 'issue-9', base: 'main', draft: false },
      signal,
    );
    gh.rateLimitNext('secondary', 1, 1);
    const before = gh.requests.length;
    await f.postReview(pr.number, { commitId: 'b'.repeat(40), body: 'x', comments: [] }, signal);
    expect(waits).toEqual(['GitHub rate limit reached; waiting 1 s as the server asks']);
    expect(gh.requests.slice(before).map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(gh.reviews).toHaveLength(1);
  });

  it('waits out a primary rate limit (403 + x-ratelimit-reset); a reset beyond the bound fails with its time', async () => {
    const waits: string[] = [];
    gh.rateLimitNext('primary', 1, 1);
    expect(await forge(undefined, { onWait: (m: string) => waits.push(m) }).findPullRequest('issue-1', signal)).toBe(
      undefined,
    );
    expect(waits).toHaveLength(1);

    gh.rateLimitNext('primary', 1, 3600);
    const err = await failure(forge(undefined, { maxRateLimitWaitMs: 5_000 }).findPullRequest('issue-1', signal));
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toMatch(/^GitHub rate limit reached; it resets in \d+ s \(\d\d:\d\d:\d\d UTC\)$/);
    expect((err as ToolError).hint).toBe('run the same lanes command again after the reset');
  });

  it('reads the allowed merge methods and merges a pull request only at the expected head', async () => {
    const f = forge();
    expect(await f.allowedMergeMethods(signal)).toEqual(['merge', 'squash', 'rebase']);
    const pr = await f.createPullRequest(
      { title: 'T', body: 'B', branch: 'issue-7', base: 'main', draft: false },
      signal,
    );
    // Someone pushed to the branch: GitHub answers 409 and nothing is merged.
    const moved = await failure(f.mergePullRequest(pr.number, { sha: 'c'.repeat(40), method: 'squash' }, signal));
    expect(moved).toBeInstanceOf(ToolError);
    expect(moved.message).toContain(`its head is no longer cccccccccccc`);
    expect(gh.merges).toEqual([]);
    const sha = await f.mergePullRequest(pr.number, { sha: 'b'.repeat(40), method: 'squash' }, signal);
    const put = gh.requests.at(-1)!;
    expect([put.method, put.path, put.json]).toEqual([
      'PUT',
      `/repos/octo/app/pulls/${pr.number}/merge`,
      { sha: 'b'.repeat(40), merge_method: 'squash' },
    ]);
    expect(gh.merges).toEqual([{ pull: pr.number, sha: 'b'.repeat(40), mergeMethod: 'squash', commit: sha }]);
    // Merged: a second merge is refused (405), with the forge's words.
    const again = await failure(f.mergePullRequest(pr.number, { sha: 'b'.repeat(40), method: 'squash' }, signal));
    expect(again.message).toContain('GitHub refused to merge pull request');
  });
});
