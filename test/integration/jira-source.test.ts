import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraIssueSource } from '../../src/adapters/issues/jira/index.js';
import { InputError, InterruptedError, ToolError } from '../../src/domain/errors.js';
import { deadUrl, startFake } from '../fakes/http-fake.js';
import { startFakeJira, type FakeJira } from '../fakes/jira-server.js';
import { failure } from '../helpers/failure.js';

const CLOUD = { JIRA_EMAIL: 'dev@acme.test', JIRA_API_TOKEN: 'jira_api_token' };
const DATA_CENTER = { JIRA_PAT: 'jira_pat_token' };
let jira: FakeJira;

beforeAll(async () => {
  jira = await startFakeJira();
});
afterAll(async () => {
  await jira.close();
});

function cloud(env: Record<string, string | undefined> = CLOUD, runtime = {}) {
  return jiraIssueSource({ host: jira.url, project: 'PROJ', env, runtime });
}
function dataCenter(env: Record<string, string | undefined> = DATA_CENTER) {
  return jiraIssueSource({ host: jira.url, project: 'PROJ', apiVersion: 2, env });
}

describe('Jira issue source (jira.js against a fake Jira)', () => {
  it('fetches a Cloud issue over REST v3 with basic auth, its ADF description as markdown', async () => {
    const before = jira.requests.length;
    const issue = await cloud().getIssue('PROJ-42');
    expect(issue).toEqual({
      id: 'PROJ-42',
      key: 'PROJ-42',
      title: 'Export invoices as CSV',
      body: 'Finance needs a CSV export.\n\n## Acceptance criteria\n\n- One row per invoice\n- Amounts use **two decimals**',
      labels: ['finance', 'export'],
      state: 'open',
      assignee: 'Dev Eloper',
      acceptanceCriteria: ['One row per invoice', 'Amounts use **two decimals**'],
      source: 'jira',
      url: `${jira.url}/browse/PROJ-42`,
    });
    const req = jira.requests[before]!;
    expect(req.path).toBe('/rest/api/3/issue/PROJ-42');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('dev@acme.test:jira_api_token').toString('base64')}`);
    expect(req.query.get('fields')).toBe('summary,description,labels,status,assignee');
  });

  it('fetches a Data Center issue over REST v2 with a bearer token, its wiki markup as markdown', async () => {
    const before = jira.requests.length;
    const issue = await dataCenter().getIssue('42');
    expect(issue.body).toBe(
      'Finance needs a CSV export.\n\n## Acceptance criteria\n- One row per invoice\n- Amounts use **two decimals**',
    );
    expect(issue.acceptanceCriteria).toEqual(['One row per invoice', 'Amounts use **two decimals**']);
    expect(jira.requests[before]!.path).toBe('/rest/api/2/issue/PROJ-42');
    expect(jira.requests[before]!.headers.authorization).toBe('Bearer jira_pat_token');
  });

  it('accepts a browse URL on the configured host and maps the done category to closed', async () => {
    expect((await cloud().getIssue(`${jira.url}/browse/PROJ-43`)).state).toBe('closed');
  });

  it('lists open project issues over enhanced-search pages (nextPageToken)', async () => {
    const before = jira.requests.length;
    const issues = await cloud().listIssues({ limit: 1000 });
    expect(issues.map((i) => i.id)).toEqual(
      jira.issues.filter((i) => i.key.startsWith('PROJ-') && i.status !== 'Done').map((i) => i.key),
    );
    const pages = jira.requests.slice(before);
    expect(pages.map((r) => r.path)).toEqual(['/rest/api/3/search/jql', '/rest/api/3/search/jql']);
    expect(pages[0]!.query.get('jql')).toBe('project = "PROJ" AND statusCategory != Done ORDER BY updated DESC');
    expect(pages[0]!.query.get('maxResults')).toBe('100');
    expect(pages[0]!.query.get('nextPageToken')).toBeNull();
    expect(pages[1]!.query.get('nextPageToken')).toEqual(expect.any(String));
  });

  it('lists over startAt pages on Data Center', async () => {
    const before = jira.requests.length;
    const issues = await dataCenter().listIssues({ limit: 1000 });
    expect(issues).toHaveLength(118);
    expect(jira.requests.slice(before).map((r) => [r.path, r.query.get('startAt')])).toEqual([
      ['/rest/api/2/search', '0'],
      ['/rest/api/2/search', '100'],
    ]);
  });

  it('turns filters into JQL', async () => {
    expect((await cloud().listIssues({ label: 'finance' })).map((i) => i.id)).toEqual(['PROJ-42']);
    expect((await cloud().listIssues({ assignee: 'me' })).map((i) => i.id)).toEqual(['PROJ-42']);
    expect((await cloud().listIssues({ search: 'invoices' })).map((i) => i.id)).toEqual(['PROJ-42']);
    expect((await cloud().listIssues({ state: 'closed' })).map((i) => i.id)).toEqual(['PROJ-43']);
    expect(jira.requests.at(-1)!.query.get('jql')).toBe(
      'project = "PROJ" AND statusCategory = Done ORDER BY updated DESC',
    );
    expect(await cloud().listIssues({ limit: 7 })).toHaveLength(7);
    expect(jira.requests.at(-1)!.query.get('maxResults')).toBe('7');
  });

  it('refuses an unknown issue and an issue of another project with exit 2', async () => {
    const unknown = await failure(cloud().getIssue('PROJ-9999'));
    expect(unknown).toBeInstanceOf(InputError);
    expect(unknown.message).toBe(
      `unknown issue "PROJ-9999": Jira at ${jira.url} has no issue PROJ-9999 (or the account cannot see it)`,
    );
    const before = jira.requests.length;
    expect((await failure(cloud().getIssue('OTHER-1'))).message).toMatch(
      /belongs to Jira project OTHER, not to the configured project PROJ/,
    );
    expect((await failure(cloud().getIssue('https://elsewhere.atlassian.net/browse/PROJ-1'))).message).toMatch(
      /is on elsewhere\.atlassian\.net/,
    );
    expect(jira.requests.length).toBe(before);
  });

  it('waits out a 429 with Retry-After, then succeeds', async () => {
    const waits: string[] = [];
    jira.rateLimitNext(1, 1);
    const started = Date.now();
    expect((await cloud(CLOUD, { onWait: (m: string) => waits.push(m) }).getIssue('PROJ-42')).id).toBe('PROJ-42');
    expect(waits).toEqual(['Jira rate limit reached; waiting 1 s as the server asks']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('turns a 401 into a one-line error naming the variables, never the token', async () => {
    const err = await failure(
      cloud({ JIRA_EMAIL: 'dev@acme.test', JIRA_API_TOKEN: 'wrong_secret' }).getIssue('PROJ-42'),
    );
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^Jira rejected the credentials from JIRA_EMAIL\/JIRA_API_TOKEN \(401/);
    expect(err.message).not.toContain('wrong_secret');
  });

  it('names the variables when credentials or the host are missing', async () => {
    expect((await failure(cloud({}).getIssue('PROJ-42'))).message).toBe(
      'Jira needs credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud), or JIRA_PAT / JIRA_BEARER_TOKEN (Data Center or OAuth)',
    );
    expect((await failure(cloud({ JIRA_API_TOKEN: 'x' }).getIssue('PROJ-42'))).message).toMatch(
      /^JIRA_API_TOKEN is set but JIRA_EMAIL is not/,
    );
    expect(() => jiraIssueSource({ project: 'PROJ', env: CLOUD })).toThrow(
      /set issues\.host in lanes\.config\.json or JIRA_HOST/,
    );
    expect(
      (await jiraIssueSource({ project: 'PROJ', env: { ...CLOUD, JIRA_HOST: jira.url } }).getIssue('PROJ-42')).id,
    ).toBe('PROJ-42');
  });

  it('reports an unreachable site as a tool failure with the URL', async () => {
    const url = await deadUrl();
    const err = await failure(jiraIssueSource({ host: url, project: 'PROJ', env: CLOUD }).listIssues({}));
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toBe(`cannot reach Jira at ${url}: connection refused`);
  });

  it('gives up on a silent server after the deadline, and stops at once when interrupted', async () => {
    const hanging = await startFake(() => new Promise(() => {}));
    try {
      const slow = jiraIssueSource({ host: hanging.url, project: 'PROJ', env: CLOUD, runtime: { timeoutMs: 300 } });
      const err = await failure(slow.getIssue('PROJ-1'));
      expect(err).toBeInstanceOf(ToolError);
      expect(err.message).toBe(`Jira at ${hanging.url} did not answer within 300 ms`);
      const controller = new AbortController();
      const pending = failure(
        jiraIssueSource({ host: hanging.url, project: 'PROJ', env: CLOUD }).listIssues({}, controller.signal),
      );
      setTimeout(() => controller.abort(), 100);
      expect(await pending).toBeInstanceOf(InterruptedError);
    } finally {
      await hanging.close();
    }
  });

  it('comments in ADF on Cloud and as text on Data Center, and moves issues by transition', async () => {
    await cloud().comment!({ id: 'PROJ-42' }, 'lanes started work in lane `proj-42`');
    expect(jira.comments.at(-1)).toMatchObject({ key: 'PROJ-42', version: 3, body: { type: 'doc', version: 1 } });
    await dataCenter().comment!({ id: 'PROJ-42' }, 'plain');
    expect(jira.comments.at(-1)).toEqual({ key: 'PROJ-42', version: 2, body: 'plain' });
    await cloud().moveIssue!({ id: 'PROJ-100' }, 'in progress');
    expect(jira.issues.find((i) => i.key === 'PROJ-100')!.status).toBe('In Progress');
    await expect(cloud().moveIssue!({ id: 'PROJ-100' }, 'Archived')).rejects.toThrow(
      /available: In Progress, Done, To Do/,
    );
  });
});
