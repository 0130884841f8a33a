/**
 * A fake Jira REST API: v3 (Cloud: ADF descriptions, enhanced search at /rest/api/3/search/jql
 * with nextPageToken) and v2 (Data Center: wiki markup, /rest/api/2/search with startAt). It
 * checks authentication the way Jira does — Basic base64(email:token) or a Bearer token, 401 with
 * Jira's plain-text message otherwise — parses the JQL lanes sends (an unknown clause is Jira's
 * 400 "Error in the JQL Query") and can answer with 429 + Retry-After.
 */
import { startFake, type FakeServer, type RecordedRequest, type Reply } from './http-fake.js';

export interface FakeJiraIssue {
  key: string;
  summary: string;
  /** ADF document (served on v3) … */
  adf?: unknown;
  /** … and wiki markup (served on v2). */
  wiki?: string | null;
  status?: 'To Do' | 'In Progress' | 'Done';
  labels?: string[];
  assignee?: { accountId: string; displayName: string; emailAddress?: string } | null;
}

export interface FakeJira extends FakeServer {
  issues: FakeJiraIssue[];
  comments: { key: string; body: unknown; version: 2 | 3 }[];
  rateLimitNext(n?: number, retryAfterSeconds?: number): void;
}

export async function startFakeJira(
  opts: { email?: string; apiToken?: string; bearer?: string; issues?: FakeJiraIssue[] } = {},
): Promise<FakeJira> {
  const email = opts.email ?? 'dev@acme.test';
  const apiToken = opts.apiToken ?? 'jira_api_token';
  const bearer = opts.bearer ?? 'jira_pat_token';
  const issues = opts.issues ?? defaultJiraIssues();
  const comments: FakeJira['comments'] = [];
  let limited: { left: number; retryAfter: number } | undefined;
  let base = '';

  const category = (s: string | undefined) =>
    s === 'Done'
      ? { id: 3, key: 'done', name: 'Done' }
      : s === 'In Progress'
        ? { id: 4, key: 'indeterminate', name: 'In Progress' }
        : { id: 2, key: 'new', name: 'To Do' };
  const payload = (i: FakeJiraIssue, version: 2 | 3) => ({
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: String(10000 + Number(i.key.split('-')[1])),
    self: `${base}/rest/api/${version}/issue/${i.key}`,
    key: i.key,
    fields: {
      summary: i.summary,
      description: version === 3 ? (i.adf ?? null) : (i.wiki ?? null),
      labels: i.labels ?? [],
      status: {
        self: `${base}/rest/api/${version}/status/1`,
        name: i.status ?? 'To Do',
        id: '1',
        statusCategory: category(i.status),
      },
      assignee: i.assignee ? { ...i.assignee, active: true, timeZone: 'UTC', accountType: 'atlassian' } : null,
    },
  });

  function handle(req: RecordedRequest): Reply {
    const auth = req.headers.authorization ?? '';
    const basic = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
    if (auth !== basic && auth !== `Bearer ${bearer}`) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'OAuth realm="https%3A%2F%2Facme.atlassian.net"' },
        body: 'Client must be authenticated to access this resource.',
      };
    }
    if (limited && limited.left > 0) {
      limited.left--;
      return {
        status: 429,
        headers: {
          'retry-after': String(limited.retryAfter),
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '0',
        },
        body: { errorMessages: ['Rate limit exceeded.'], errors: {} },
      };
    }
    const m = /^\/rest\/api\/(2|3)\/(.*)$/.exec(req.path);
    if (!m) return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
    const version = Number(m[1]) as 2 | 3;
    const rest = m[2]!;
    const one = /^issue\/([A-Z][A-Z0-9_]*-\d+)$/.exec(rest);
    const notFound: Reply = {
      status: 404,
      body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
    };
    if (req.method === 'GET' && one) {
      const issue = issues.find((i) => i.key === one[1]);
      return issue ? { status: 200, body: payload(issue, version) } : notFound;
    }
    const comment = /^issue\/([A-Z][A-Z0-9_]*-\d+)\/comment$/.exec(rest);
    if (req.method === 'POST' && comment) {
      if (!issues.some((i) => i.key === comment[1])) return notFound;
      const body = (req.json as { body?: unknown } | undefined)?.body;
      // v3 takes an ADF document, v2 a string; the other shape is Jira's 400.
      if (version === 3 ? (body as { type?: string } | undefined)?.type !== 'doc' : typeof body !== 'string') {
        return { status: 400, body: { errorMessages: [], errors: { comment: 'Comment body is not valid!' } } };
      }
      comments.push({ key: comment[1]!, body, version });
      return {
        status: 201,
        body: {
          id: String(comments.length),
          body,
          self: `${base}/rest/api/${version}/issue/${comment[1]}/comment/${comments.length}`,
        },
      };
    }
    const transitions = /^issue\/([A-Z][A-Z0-9_]*-\d+)\/transitions$/.exec(rest);
    if (transitions) {
      const issue = issues.find((i) => i.key === transitions[1]);
      if (!issue) return notFound;
      const all = [
        { id: '11', name: 'Start work', to: { name: 'In Progress' } },
        { id: '21', name: 'Resolve', to: { name: 'Done' } },
        { id: '31', name: 'Reopen', to: { name: 'To Do' } },
      ];
      if (req.method === 'GET') return { status: 200, body: { expand: 'transitions', transitions: all } };
      const id = (req.json as { transition?: { id?: string } }).transition?.id;
      const t = all.find((x) => x.id === id);
      if (!t) return { status: 400, body: { errorMessages: ['Transition id is not valid.'], errors: {} } };
      issue.status = t.to.name as FakeJiraIssue['status'];
      return { status: 204 };
    }
    if (req.method === 'GET' && ((version === 3 && rest === 'search/jql') || (version === 2 && rest === 'search'))) {
      let predicate: (i: FakeJiraIssue) => boolean;
      try {
        predicate = parseJql(req.query.get('jql') ?? '');
      } catch (err) {
        return {
          status: 400,
          body: {
            errorMessages: [`Error in the JQL Query: ${(err as Error).message}`],
            errors: {},
            warningMessages: [],
          },
        };
      }
      const maxResults = Number(req.query.get('maxResults') ?? 50);
      if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)
        return { status: 400, body: { errorMessages: ['maxResults must be between 1 and 100'], errors: {} } };
      const fields = req.query.get('fields')?.split(',') ?? [];
      if (!fields.includes('summary') || !fields.includes('description'))
        return { status: 400, body: { errorMessages: ['lanes must ask for summary and description'], errors: {} } };
      const matching = issues.filter(predicate);
      if (version === 3) {
        const start = req.query.get('nextPageToken')
          ? Number(Buffer.from(req.query.get('nextPageToken')!, 'base64url').toString('utf8'))
          : 0;
        const slice = matching.slice(start, start + maxResults);
        const end = start + slice.length;
        const isLast = end >= matching.length;
        return {
          status: 200,
          body: {
            issues: slice.map((i) => payload(i, 3)),
            isLast,
            ...(isLast ? {} : { nextPageToken: Buffer.from(String(end)).toString('base64url') }),
          },
        };
      }
      const startAt = Number(req.query.get('startAt') ?? 0);
      return {
        status: 200,
        body: {
          expand: 'schema,names',
          startAt,
          maxResults,
          total: matching.length,
          issues: matching.slice(startAt, startAt + maxResults).map((i) => payload(i, 2)),
        },
      };
    }
    return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
  }

  const server = await startFake(handle);
  base = server.url;
  return {
    ...server,
    issues,
    comments,
    rateLimitNext(n = 1, retryAfterSeconds = 1) {
      limited = { left: n, retryAfter: retryAfterSeconds };
    },
  };
}

/** The JQL lanes writes: clauses joined by AND, then ORDER BY. Anything else is a JQL error. */
function parseJql(jql: string): (i: FakeJiraIssue) => boolean {
  const [where = '', order] = jql.split(/\s+ORDER BY\s+/i);
  if (order !== undefined && !/^(updated|created)\s+(ASC|DESC)$/i.test(order.trim()))
    throw new Error(`cannot order by ${order}`);
  const str = (s: string) => JSON.parse(s.trim()) as string;
  const tests = where
    .split(/\s+AND\s+/)
    .filter((c) => c.trim() !== '')
    .map((clause): ((i: FakeJiraIssue) => boolean) => {
      let m: RegExpExecArray | null;
      if ((m = /^project = ("(?:[^"\\]|\\.)*")$/.exec(clause))) {
        const p = str(m[1]!);
        return (i) => i.key.startsWith(`${p}-`);
      }
      if (clause === 'statusCategory != Done') return (i) => i.status !== 'Done';
      if (clause === 'statusCategory = Done') return (i) => i.status === 'Done';
      if ((m = /^labels = ("(?:[^"\\]|\\.)*")$/.exec(clause))) {
        const l = str(m[1]!);
        return (i) => (i.labels ?? []).includes(l);
      }
      if (clause === 'assignee = currentUser()') return (i) => i.assignee?.emailAddress === 'dev@acme.test';
      if ((m = /^assignee = ("(?:[^"\\]|\\.)*")$/.exec(clause))) {
        const a = str(m[1]!);
        return (i) => i.assignee?.accountId === a || i.assignee?.displayName === a;
      }
      if ((m = /^text ~ ("(?:[^"\\]|\\.)*")$/.exec(clause))) {
        const t = str(m[1]!).toLowerCase();
        return (i) => `${i.summary} ${i.wiki ?? ''} ${JSON.stringify(i.adf ?? '')}`.toLowerCase().includes(t);
      }
      throw new Error(`the clause ${JSON.stringify(clause)} is not valid`);
    });
  return (i) => tests.every((t) => t(i));
}

const p = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** 120 PROJ issues (two pages of 100 on either API), one of another project, some done. */
export function defaultJiraIssues(): FakeJiraIssue[] {
  const issues: FakeJiraIssue[] = [
    {
      key: 'PROJ-42',
      summary: 'Export invoices as CSV',
      adf: {
        type: 'doc',
        version: 1,
        content: [
          p('Finance needs a CSV export.'),
          { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Acceptance criteria' }] },
          {
            type: 'bulletList',
            content: [
              { type: 'listItem', content: [p('One row per invoice')] },
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      { type: 'text', text: 'Amounts use ' },
                      { type: 'text', text: 'two decimals', marks: [{ type: 'strong' }] },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      wiki: 'Finance needs a CSV export.\n\nh2. Acceptance criteria\n* One row per invoice\n* Amounts use *two decimals*',
      status: 'In Progress',
      labels: ['finance', 'export'],
      assignee: { accountId: '5b10a2844c20165700ede21g', displayName: 'Dev Eloper', emailAddress: 'dev@acme.test' },
    },
    { key: 'PROJ-43', summary: 'Finished work', adf: null, wiki: null, status: 'Done' },
    { key: 'OTHER-1', summary: 'Another project', status: 'To Do' },
  ];
  for (let n = 100; n < 217; n++)
    issues.push({
      key: `PROJ-${n}`,
      summary: `Jira issue ${n}`,
      adf: { type: 'doc', version: 1, content: [p(`Body ${n}`)] },
      wiki: `Body ${n}`,
      status: 'To Do',
    });
  return issues;
}
