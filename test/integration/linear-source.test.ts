import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linearIssueSource } from '../../src/adapters/issues/linear/index.js';
import { InputError, ToolError } from '../../src/domain/errors.js';
import { deadUrl, startFake } from '../fakes/http-fake.js';
import { startFakeLinear, type FakeLinear } from '../fakes/linear-server.js';
import { failure } from '../helpers/failure.js';

const KEY = 'lin_api_test_key';
let linear: FakeLinear;

beforeAll(async () => {
  linear = await startFakeLinear({ apiKey: KEY });
});
afterAll(async () => {
  await linear.close();
});

function source(env: Record<string, string | undefined> = { LINEAR_API_KEY: KEY }, runtime = {}) {
  return linearIssueSource({ team: 'ENG', apiUrl: `${linear.url}/graphql`, env, runtime });
}

describe('Linear issue source (@linear/sdk against a fake Linear)', () => {
  it('fetches one issue by key with everything in one request, sending the API key', async () => {
    const before = linear.requests.length;
    const issue = await source().getIssue('ENG-42');
    expect(issue).toEqual({
      id: 'ENG-42',
      key: 'ENG-42',
      title: 'Checkout fails for guests',
      body: expect.stringContaining('Guests get a 500.'),
      labels: ['Bug', 'checkout'],
      state: 'open',
      assignee: 'ada',
      acceptanceCriteria: ['Guests can pay', 'An order email is sent'],
      source: 'linear',
      url: 'https://linear.app/acme/issue/ENG-42/checkout-fails-for-guests',
    });
    const reqs = linear.requests.slice(before);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.headers.authorization).toBe(KEY);
    expect(reqs[0]!.json).toMatchObject({ variables: { id: 'ENG-42' } });
  });

  it('accepts a bare number, a lower-case key and a Linear URL of the team', async () => {
    expect((await source().getIssue('42')).id).toBe('ENG-42');
    expect((await source().getIssue('eng-42')).id).toBe('ENG-42');
    expect((await source().getIssue('https://linear.app/acme/issue/ENG-42/checkout')).id).toBe('ENG-42');
  });

  it('maps completed and canceled states to closed', async () => {
    expect((await source().getIssue('ENG-43')).state).toBe('closed');
    expect((await source().getIssue('ENG-44')).state).toBe('closed');
  });

  it('lists open issues of the team over cursor pages', async () => {
    const before = linear.requests.length;
    const issues = await source().listIssues({ limit: 1000 });
    expect(issues.map((i) => i.id)).toEqual(
      linear.issues
        .filter((i) => i.identifier.startsWith('ENG-') && !['completed', 'canceled'].includes(i.stateType ?? ''))
        .map((i) => i.identifier),
    );
    const pages = linear.requests
      .slice(before)
      .map((r) => (r.json as { variables: Record<string, unknown> }).variables);
    expect(pages).toHaveLength(2);
    expect(pages[0]).toEqual({
      first: 100,
      after: null,
      filter: { and: [{ team: { key: { eq: 'ENG' } } }, { state: { type: { nin: ['completed', 'canceled'] } } }] },
    });
    expect(pages[1]!.after).toEqual(expect.any(String));
    expect(pages[1]!.first).toBe(100);
  });

  it('honours limit, label, assignee, search and state filters', async () => {
    expect(await source().listIssues({ limit: 3 })).toHaveLength(3);
    expect((await source().listIssues({ label: 'bug' })).map((i) => i.id)).toEqual(['ENG-42']);
    expect((await source().listIssues({ assignee: 'ADA' })).map((i) => i.id)).toEqual(['ENG-42']);
    expect((await source().listIssues({ assignee: 'me' })).map((i) => i.id)).toEqual(['ENG-42']);
    expect((await source().listIssues({ search: 'checkout' })).map((i) => i.id)).toEqual(['ENG-42']);
    expect((await source().listIssues({ state: 'closed' })).map((i) => i.id)).toEqual(['ENG-43', 'ENG-44']);
    // Without issues.team every team's issues are listed.
    const allTeams = linearIssueSource({ apiUrl: `${linear.url}/graphql`, env: { LINEAR_API_KEY: KEY } });
    expect((await allTeams.listIssues({ search: 'certificates' })).map((i) => i.id)).toEqual(['OPS-1']);
  });

  it('refuses an unknown issue and an issue of another team with exit 2', async () => {
    const unknown = await failure(source().getIssue('ENG-9999'));
    expect(unknown).toBeInstanceOf(InputError);
    expect(unknown.message).toBe('unknown issue "ENG-9999": Linear has no issue ENG-9999');
    const before = linear.requests.length;
    const other = await failure(source().getIssue('OPS-1'));
    expect(other).toBeInstanceOf(InputError);
    expect(other.message).toMatch(/belongs to Linear team OPS, not to the configured team ENG/);
    expect(linear.requests.length).toBe(before);
  });

  it('waits out RATELIMITED until the reset the headers name, then succeeds', async () => {
    const waits: string[] = [];
    linear.rateLimitNext(1, 800);
    const issue = await source(undefined, { onWait: (m: string) => waits.push(m) }).getIssue('ENG-42');
    expect(issue.id).toBe('ENG-42');
    expect(waits).toEqual([expect.stringMatching(/^Linear rate limit reached; waiting \d s as the server asks$/)]);
  });

  it('turns a rejected key into a one-line error naming LINEAR_API_KEY', async () => {
    const err = await failure(source({ LINEAR_API_KEY: 'lin_api_wrong' }).getIssue('ENG-42'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      'Linear rejected the API key from LINEAR_API_KEY (Authentication required, not authenticated)',
    );
    expect(err.message).not.toContain('lin_api_wrong');
  });

  it('names the variable when no key is set', async () => {
    const err = await failure(source({}).listIssues({}));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('Linear needs an API key: set LINEAR_API_KEY');
  });

  it('reports an unreachable API as a tool failure with the URL', async () => {
    const url = await deadUrl();
    const err = await failure(
      linearIssueSource({ team: 'ENG', apiUrl: `${url}/graphql`, env: { LINEAR_API_KEY: KEY } }).getIssue('ENG-1'),
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`cannot reach Linear at ${url}: connection refused`);
  });

  it('gives up on a server that does not answer within the request deadline', async () => {
    const hanging = await startFake(() => new Promise(() => {}));
    try {
      const err = await failure(
        linearIssueSource({
          team: 'ENG',
          apiUrl: `${hanging.url}/graphql`,
          env: { LINEAR_API_KEY: KEY },
          runtime: { timeoutMs: 300 },
        }).getIssue('ENG-1'),
      );
      expect(err).toBeInstanceOf(ToolError);
      expect(err.message).toBe(`Linear at ${hanging.url} did not answer within 300 ms`);
    } finally {
      await hanging.close();
    }
  });

  it('comments on an issue and moves it to a named workflow state', async () => {
    await source().comment!({ id: 'ENG-42', key: 'ENG-42' }, 'lanes started work');
    expect(linear.comments.at(-1)).toEqual({ issueId: 'ENG-42', body: 'lanes started work' });
    await source().moveIssue!({ id: 'ENG-100', key: 'ENG-100' }, 'in progress');
    expect(linear.issues.find((i) => i.identifier === 'ENG-100')!.stateName).toBe('In Progress');
    await expect(source().moveIssue!({ id: 'ENG-100', key: 'ENG-100' }, 'Nowhere')).rejects.toThrow(
      /has no workflow state of that name/,
    );
  });
});
