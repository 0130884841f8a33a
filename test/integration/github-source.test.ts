import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubIssueSource } from '../../src/adapters/issues/github/index.js';
import { InputError, ToolError } from '../../src/domain/errors.js';
import { startFakeGithub, type FakeGithub } from '../fakes/github-server.js';
import { deadUrl, startFake } from '../fakes/http-fake.js';
import { failure } from '../helpers/failure.js';

const TOKEN = 'ghp_test_token';
let gh: FakeGithub;

beforeAll(async () => {
  gh = await startFakeGithub({ token: TOKEN });
});
afterAll(async () => {
  await gh.close();
});

function source(env: Record<string, string | undefined> = { GITHUB_TOKEN: TOKEN }, runtime = {}) {
  return githubIssueSource({ repo: 'octo/app', baseUrl: gh.url, env, runtime });
}

describe('GitHub issue source (Octokit against a fake GitHub)', () => {
  it('fetches one issue as the common model, sending the token', async () => {
    const before = gh.requests.length;
    const issue = await source().getIssue('#1');
    expect(issue).toEqual({
      id: '1',
      key: 'octo/app#1',
      title: 'Add login page',
      body: expect.stringContaining('Users need to sign in.'),
      labels: ['feature', 'ui'],
      state: 'open',
      assignee: 'ada',
      acceptanceCriteria: ['A form with email and password', 'Errors are shown inline'],
      source: 'github',
      url: `${gh.url}/octo/app/issues/1`,
    });
    const req = gh.requests[before]!;
    expect(req.path).toBe('/repos/octo/app/issues/1');
    expect(req.headers.authorization).toBe(`token ${TOKEN}`);
    expect(req.headers['user-agent']).toMatch(/^lanes /);
  });

  it('accepts owner/repo#n and the issue URL of the configured repository', async () => {
    expect((await source().getIssue('octo/app#2')).title).toBe('Crash on empty cart');
    expect((await source().getIssue(`${gh.url}/octo/app/issues/2`)).id).toBe('2');
  });

  it('lists open issues over several pages, skipping pull requests', async () => {
    const before = gh.requests.length;
    const issues = await source().listIssues({ limit: 500 });
    const expected = gh.issues.filter((i) => !i.pull && (i.state ?? 'open') === 'open').map((i) => String(i.number));
    expect(issues.map((i) => i.id)).toEqual(expected);
    const pages = gh.requests.slice(before);
    expect(pages.map((r) => [r.path, r.query.get('state'), r.query.get('per_page'), r.query.get('page')])).toEqual([
      ['/repos/octo/app/issues', 'open', '100', null],
      ['/repos/octo/app/issues', 'open', '100', '2'],
    ]);
  });

  it('stops paging once the limit is reached, and defaults to 100', async () => {
    const before = gh.requests.length;
    const five = await source().listIssues({ limit: 5 });
    expect(five.map((i) => i.id)).toEqual(['1', '2', '5', '6', '7']);
    // The first page of 5 holds pull request #4, so a second page completes the five.
    expect(gh.requests.slice(before).map((r) => r.query.get('per_page'))).toEqual(['5', '5']);
    expect(await source().listIssues({})).toHaveLength(100);
  });

  it('passes label, assignee and state filters to the API', async () => {
    const before = gh.requests.length;
    const bugs = await source().listIssues({ label: 'bug', state: 'all' });
    expect(bugs.map((i) => [i.id, i.state])).toEqual([
      ['2', 'open'],
      ['3', 'closed'],
    ]);
    expect(gh.requests[before]!.query.get('labels')).toBe('bug');
    const mine = await source().listIssues({ assignee: 'ada' });
    expect(mine.map((i) => i.id)).toEqual(['1']);
    expect(gh.requests.at(-1)!.query.get('assignee')).toBe('ada');
  });

  it('searches through the search endpoint, scoped to the repository', async () => {
    const found = await source().listIssues({ search: 'login' });
    expect(found.map((i) => i.id)).toEqual(['1']);
    const req = gh.requests.at(-1)!;
    expect(req.path).toBe('/search/issues');
    expect(req.query.get('q')).toBe('repo:octo/app is:issue is:open login');
  });

  it('refuses an unknown issue, a pull request and another repository with exit 2', async () => {
    const unknown = await failure(source().getIssue('999'));
    expect(unknown).toBeInstanceOf(InputError);
    expect(unknown.message).toBe('unknown issue "999": GitHub has no issue #999 in octo/app');
    expect((await failure(source().getIssue('4'))).message).toMatch(/is pull request #4 in octo\/app, not an issue/);
    const before = gh.requests.length;
    const other = await failure(source().getIssue('someone/else#1'));
    expect(other).toBeInstanceOf(InputError);
    expect(other.message).toMatch(/belongs to someone\/else, not to the configured repository octo\/app/);
    expect(gh.requests.length).toBe(before);
  });

  it('waits out a primary rate limit (403 + x-ratelimit-reset), then succeeds', async () => {
    const waits: string[] = [];
    gh.rateLimitNext('primary', 1, 1);
    const started = Date.now();
    const issue = await source(undefined, { onWait: (m: string) => waits.push(m) }).getIssue('1');
    expect(issue.id).toBe('1');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(/^GitHub rate limit reached; waiting \d s as the server asks$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('waits out a secondary rate limit (429 + retry-after), mid-pagination', async () => {
    gh.rateLimitNext('secondary', 1, 1, 1);
    const before = gh.requests.length;
    const issues = await source().listIssues({ limit: 150 });
    expect(issues).toHaveLength(gh.issues.filter((i) => !i.pull && (i.state ?? 'open') === 'open').length);
    // Page 1, page 2 refused with 429, page 2 again.
    expect(gh.requests.slice(before).map((r) => r.query.get('page'))).toEqual([null, '2', '2']);
  });

  it('fails with the reset time when the wait would exceed the bound', async () => {
    gh.rateLimitNext('primary', 1, 3600);
    const err = await failure(source(undefined, { maxRateLimitWaitMs: 5_000 }).getIssue('1'));
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toMatch(/^GitHub rate limit reached; it resets in \d+ s \(\d\d:\d\d:\d\d UTC\)$/);
    gh.rateLimitNext('primary', 0);
  });

  it('turns a 401 into a one-line error naming the variable, never the token', async () => {
    const err = await failure(source({ GITHUB_TOKEN: 'ghp_wrong' }).getIssue('1'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      'GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials - https://docs.github.com/rest)',
    );
    expect(err.message).not.toContain('ghp_wrong');
  });

  it('names the variables when no token is set (and gh gives none)', async () => {
    const err = await failure(source({ GH_CONFIG_DIR: '/nonexistent' }).listIssues({}));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with gh auth login');
  });

  it('uses GH_TOKEN when GITHUB_TOKEN is absent', async () => {
    expect((await source({ GH_TOKEN: TOKEN }).getIssue('1')).id).toBe('1');
  });

  it('reports an unreachable API as a tool failure with the URL', async () => {
    const url = await deadUrl();
    const dead = githubIssueSource({ repo: 'octo/app', baseUrl: url, env: { GITHUB_TOKEN: TOKEN } });
    const err = await failure(dead.getIssue('1'));
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`cannot reach GitHub at ${url}: connection refused`);
  });

  it('gives up on a server that does not answer within the request deadline', async () => {
    const hanging = await startFake(() => new Promise(() => {}));
    try {
      const err = await failure(
        githubIssueSource({
          repo: 'octo/app',
          baseUrl: hanging.url,
          env: { GITHUB_TOKEN: TOKEN },
          runtime: { timeoutMs: 300 },
        }).getIssue('1'),
      );
      expect(err).toBeInstanceOf(ToolError);
      expect(err.message).toBe(`GitHub at ${hanging.url} did not answer within 300 ms`);
    } finally {
      await hanging.close();
    }
  });

  it('comments on an issue and moves it', async () => {
    const s = source();
    await s.comment!({ id: '2' }, 'lanes started work');
    expect(gh.comments.at(-1)).toEqual({ number: 2, body: 'lanes started work' });
    await s.moveIssue!({ id: '2' }, 'closed');
    expect(gh.issues.find((i) => i.number === 2)!.state).toBe('closed');
    await s.moveIssue!({ id: '2' }, 'open');
    await expect(s.moveIssue!({ id: '2' }, 'In Progress')).rejects.toThrow(/GitHub issues are open or closed/);
  });
});
