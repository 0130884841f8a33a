/**
 * A fake Linear GraphQL API at POST /graphql for the operations lanes sends: one issue by
 * identifier, issue listings with cursor pagination and IssueFilter, comment creation, workflow
 * states and issue updates. It checks the request the way Linear does: the personal API key as
 * the bare Authorization header (401 with an authentication error otherwise), a JSON body with
 * query and variables, a known operation whose document asks for the fields an issue needs in
 * one round trip, `first` within Linear's bound, and only filter fields the schema has (a GraphQL
 * validation error otherwise). It can answer with Linear's RATELIMITED error and reset headers.
 */
import { startFake, type FakeServer, type RecordedRequest, type Reply } from './http-fake.js';

export interface FakeLinearIssue {
  identifier: string;
  title: string;
  description?: string | null;
  stateType?: 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled' | 'triage';
  stateName?: string;
  labels?: string[];
  assignee?: { name: string; displayName: string; email: string } | null;
}

export interface FakeLinear extends FakeServer {
  issues: FakeLinearIssue[];
  comments: { issueId: string; body: string }[];
  rateLimitNext(n?: number, waitMs?: number): void;
}

interface Body {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

const gqlError = (message: string, type: string, code: string, extra: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { type, code, userError: true, userPresentableMessage: message, ...extra } }],
});

export async function startFakeLinear(opts: { apiKey?: string; issues?: FakeLinearIssue[] } = {}): Promise<FakeLinear> {
  const apiKey = opts.apiKey ?? 'lin_api_test_key';
  const issues = opts.issues ?? defaultLinearIssues();
  const comments: FakeLinear['comments'] = [];
  let limited: { left: number; waitMs: number } | undefined;

  const node = (i: FakeLinearIssue) => ({
    id: `uuid-${i.identifier.toLowerCase()}`,
    identifier: i.identifier,
    title: i.title,
    description: i.description ?? null,
    url: `https://linear.app/acme/issue/${i.identifier}/${i.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    state: { name: i.stateName ?? defaultStateName(i.stateType ?? 'unstarted'), type: i.stateType ?? 'unstarted' },
    assignee: i.assignee ?? null,
    labels: { nodes: (i.labels ?? []).map((name) => ({ name })) },
    team: { key: i.identifier.split('-')[0] },
  });

  function handle(req: RecordedRequest): Reply {
    if (req.method !== 'POST' || req.path !== '/graphql') return { status: 404, body: 'Not found' };
    if (req.headers.authorization !== apiKey) {
      return {
        status: 401,
        body: gqlError('Authentication required, not authenticated', 'authentication error', 'AUTHENTICATION_ERROR'),
      };
    }
    if (!/application\/json/.test(req.headers['content-type'] ?? ''))
      return { status: 400, body: gqlError('Must provide query string.', 'graphql error', 'BAD_REQUEST') };
    const body = req.json as Body | undefined;
    if (!body?.query)
      return { status: 400, body: gqlError('Must provide query string.', 'graphql error', 'BAD_REQUEST') };
    if (limited && limited.left > 0) {
      limited.left--;
      const reset = Date.now() + limited.waitMs;
      return {
        status: 400,
        headers: {
          'x-ratelimit-requests-limit': '1500',
          'x-ratelimit-requests-remaining': '0',
          'x-ratelimit-requests-reset': String(reset),
        },
        body: gqlError('Rate limit exceeded', 'ratelimited', 'RATELIMITED', {
          userPresentableMessage: 'Rate limit exceeded. Please try again later.',
        }),
      };
    }
    const op = /^\s*(query|mutation)\s+(\w+)/.exec(body.query)?.[2];
    const vars = body.variables ?? {};
    try {
      switch (op) {
        case 'LanesIssue': {
          requireShape(body.query, [
            'issue(id: $id)',
            'identifier',
            'description',
            'state { name type }',
            'labels(first: 50) { nodes { name } }',
            'assignee {',
          ]);
          const issue = issues.find(
            (i) => i.identifier === vars.id || `uuid-${i.identifier.toLowerCase()}` === vars.id,
          );
          if (!issue) {
            return {
              status: 200,
              body: {
                data: null,
                ...gqlError('Entity not found: Issue', 'invalid input', 'INPUT_ERROR', {
                  statusCode: 404,
                  userPresentableMessage: 'Could not find referenced Issue.',
                }),
              },
            };
          }
          return { status: 200, body: { data: { issue: node(issue) } } };
        }
        case 'LanesIssues': {
          requireShape(body.query, [
            'issues(first: $first, after: $after, filter: $filter',
            'pageInfo { hasNextPage endCursor }',
            'identifier',
            'state { name type }',
            'labels(first: 50) { nodes { name } }',
          ]);
          const first = vars.first;
          if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > 250)
            throw new Error('Argument "first" must be an integer between 1 and 250');
          const matching = issues.filter((i) => matches(i, (vars.filter ?? {}) as Record<string, unknown>));
          const offset =
            typeof vars.after === 'string' ? Number(Buffer.from(vars.after, 'base64').toString('utf8')) : 0;
          const slice = matching.slice(offset, offset + first);
          const end = offset + slice.length;
          return {
            status: 200,
            body: {
              data: {
                issues: {
                  nodes: slice.map(node),
                  pageInfo: {
                    hasNextPage: end < matching.length,
                    endCursor: slice.length ? Buffer.from(String(end)).toString('base64') : null,
                  },
                },
              },
            },
          };
        }
        case 'LanesComment': {
          const input = vars.input as { issueId?: string; body?: string } | undefined;
          if (!input?.issueId || !input.body) throw new Error('Variable "$input" got invalid value');
          if (!issues.some((i) => i.identifier === input.issueId))
            return {
              status: 200,
              body: { data: null, ...gqlError('Entity not found: Issue', 'invalid input', 'INPUT_ERROR') },
            };
          comments.push({ issueId: input.issueId, body: input.body });
          return { status: 200, body: { data: { commentCreate: { success: true } } } };
        }
        case 'LanesStates': {
          const filter = vars.filter as { name?: { eqIgnoreCase?: string }; team?: { key?: { eq?: string } } };
          const names = ['Backlog', 'Todo', 'In Progress', 'In Review', 'Done', 'Canceled'];
          const team = filter.team?.key?.eq ?? 'ENG';
          const nodes = names
            .filter((n) => !filter.name?.eqIgnoreCase || n.toLowerCase() === filter.name.eqIgnoreCase.toLowerCase())
            .map((n) => ({ id: `state-${n}`, name: n, team: { key: team } }));
          return { status: 200, body: { data: { workflowStates: { nodes } } } };
        }
        case 'LanesMove': {
          const issue = issues.find((i) => i.identifier === vars.id);
          const stateId = (vars.input as { stateId?: string }).stateId ?? '';
          if (!issue)
            return {
              status: 200,
              body: { data: null, ...gqlError('Entity not found: Issue', 'invalid input', 'INPUT_ERROR') },
            };
          issue.stateName = stateId.replace(/^state-/, '');
          issue.stateType =
            issue.stateName === 'Done' ? 'completed' : issue.stateName === 'Canceled' ? 'canceled' : 'started';
          return { status: 200, body: { data: { issueUpdate: { success: true } } } };
        }
        default:
          return {
            status: 400,
            body: gqlError(`Unknown operation ${op ?? '(anonymous)'}`, 'graphql error', 'GRAPHQL_VALIDATION_FAILED'),
          };
      }
    } catch (err) {
      return { status: 400, body: gqlError((err as Error).message, 'graphql error', 'GRAPHQL_VALIDATION_FAILED') };
    }
  }

  const server = await startFake(handle);
  return {
    ...server,
    issues,
    comments,
    rateLimitNext(n = 1, waitMs = 1000) {
      limited = { left: n, waitMs };
    },
  };
}

function requireShape(query: string, parts: string[]): void {
  const flat = query.replace(/\s+/g, ' ');
  for (const part of parts) if (!flat.includes(part)) throw new Error(`query does not select ${part}`);
}

function defaultStateName(type: string): string {
  return (
    {
      backlog: 'Backlog',
      unstarted: 'Todo',
      started: 'In Progress',
      completed: 'Done',
      canceled: 'Canceled',
      triage: 'Triage',
    }[type] ?? 'Todo'
  );
}

const ISSUE_FILTER_FIELDS = new Set(['and', 'or', 'team', 'state', 'labels', 'assignee', 'title', 'description']);

/** The part of Linear's IssueFilter lanes sends; an unknown field fails like schema validation. */
function matches(issue: FakeLinearIssue, filter: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (!ISSUE_FILTER_FIELDS.has(key)) throw new Error(`Field "${key}" is not defined by type "IssueFilter".`);
    const v = value as Record<string, Record<string, unknown>>;
    switch (key) {
      case 'and':
        if (!(value as Record<string, unknown>[]).every((f) => matches(issue, f))) return false;
        break;
      case 'or':
        if (!(value as Record<string, unknown>[]).some((f) => matches(issue, f))) return false;
        break;
      case 'team':
        if (issue.identifier.split('-')[0] !== v.key?.eq) return false;
        break;
      case 'state': {
        const type = issue.stateType ?? 'unstarted';
        const t = v.type as { in?: string[]; nin?: string[] };
        if ((t.in && !t.in.includes(type)) || (t.nin && t.nin.includes(type))) return false;
        break;
      }
      case 'labels': {
        const wanted = String((v.some as { name?: { eqIgnoreCase?: string } }).name?.eqIgnoreCase ?? '').toLowerCase();
        if (!(issue.labels ?? []).some((l) => l.toLowerCase() === wanted)) return false;
        break;
      }
      case 'assignee': {
        const a = issue.assignee;
        const f = value as Record<string, unknown>;
        if (f.isMe) {
          if (a?.email !== 'me@acme.test') return false;
        } else if (f.or) {
          const wanted = (f.or as Record<string, { eqIgnoreCase: string }>[]).map((o) =>
            Object.values(o)[0]!.eqIgnoreCase.toLowerCase(),
          );
          if (!a || !wanted.some((w) => w === a.displayName.toLowerCase() || w === a.name.toLowerCase())) return false;
        } else if ((f.email as { eqIgnoreCase?: string } | undefined)?.eqIgnoreCase) {
          if (a?.email.toLowerCase() !== (f.email as { eqIgnoreCase: string }).eqIgnoreCase.toLowerCase()) return false;
        }
        break;
      }
      case 'title':
      case 'description': {
        const text = (key === 'title' ? issue.title : (issue.description ?? '')).toLowerCase();
        if (!text.includes(String((v as unknown as { containsIgnoreCase: string }).containsIgnoreCase).toLowerCase()))
          return false;
        break;
      }
    }
  }
  return true;
}

/** 130 ENG issues (two pages of 100 and more), one of another team, some done or canceled. */
export function defaultLinearIssues(): FakeLinearIssue[] {
  const ada = { name: 'Ada Lovelace', displayName: 'ada', email: 'me@acme.test' };
  const issues: FakeLinearIssue[] = [
    {
      identifier: 'ENG-42',
      title: 'Checkout fails for guests',
      description: 'Guests get a 500.\n\n### Acceptance criteria\n\n* Guests can pay\n* An order email is sent\n',
      stateType: 'started',
      labels: ['Bug', 'checkout'],
      assignee: ada,
    },
    { identifier: 'ENG-43', title: 'Shipped already', description: null, stateType: 'completed' },
    { identifier: 'ENG-44', title: 'Dropped idea', stateType: 'canceled', labels: ['Feature'] },
    { identifier: 'OPS-1', title: 'Rotate certificates', stateType: 'unstarted' },
  ];
  for (let n = 100; n < 227; n++)
    issues.push({
      identifier: `ENG-${n}`,
      title: `Linear issue ${n}`,
      description: `- [ ] criterion of ${n}`,
      stateType: n % 3 === 0 ? 'backlog' : 'unstarted',
    });
  return issues;
}
