/**
 * A fake GitHub REST API (the part lanes uses): get, list (with Link-header pagination), search,
 * comment on and update issues of one repository. It checks what a real GitHub checks — the
 * token in the Authorization header (401 "Bad credentials" otherwise), per_page bounds — and
 * can answer the next requests with a primary (403 + x-ratelimit-*) or secondary (429 +
 * retry-after) rate limit. Payloads follow the documented shapes, pull requests included.
 */
import { epochSeconds, startFake, type FakeServer, type RecordedRequest, type Reply } from './http-fake.js';

export interface FakeGithubIssue {
  number: number;
  title: string;
  body?: string | null;
  state?: 'open' | 'closed';
  labels?: string[];
  assignee?: string | null;
  /** A pull request: the issues endpoints return these too. */
  pull?: boolean;
}

export interface FakeGithub extends FakeServer {
  issues: FakeGithubIssue[];
  comments: { number: number; body: string }[];
  /** Answer n requests, after `after` more successful ones, with a rate limit of this kind. */
  rateLimitNext(kind: 'primary' | 'secondary', n?: number, waitSeconds?: number, after?: number): void;
}

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGithub(
  opts: { owner?: string; repo?: string; token?: string; issues?: FakeGithubIssue[] } = {},
): Promise<FakeGithub> {
  const owner = opts.owner ?? 'octo';
  const repo = opts.repo ?? 'app';
  const token = opts.token ?? 'ghp_test_token';
  const issues = opts.issues ?? defaultGithubIssues();
  const comments: FakeGithub['comments'] = [];
  let limited: { kind: 'primary' | 'secondary'; left: number; wait: number; after: number } | undefined;
  let base = '';

  const payload = (i: FakeGithubIssue) => ({
    url: `${base}/repos/${owner}/${repo}/issues/${i.number}`,
    html_url: `${base}/${owner}/${repo}/${i.pull ? 'pull' : 'issues'}/${i.number}`,
    id: 1000 + i.number,
    node_id: `I_kwDO${i.number}`,
    number: i.number,
    title: i.title,
    user: { login: 'reporter', id: 1, type: 'User' },
    labels: (i.labels ?? []).map((name, k) => ({
      id: k + 1,
      name,
      color: 'ededed',
      default: false,
      description: null,
    })),
    state: i.state ?? 'open',
    locked: false,
    assignee: i.assignee ? { login: i.assignee, id: 2, type: 'User' } : null,
    assignees: i.assignee ? [{ login: i.assignee, id: 2, type: 'User' }] : [],
    comments: 0,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-02T00:00:00Z',
    closed_at: i.state === 'closed' ? '2025-01-03T00:00:00Z' : null,
    author_association: 'OWNER',
    body: i.body ?? null,
    ...(i.pull
      ? {
          pull_request: {
            url: `${base}/repos/${owner}/${repo}/pulls/${i.number}`,
            html_url: `${base}/${owner}/${repo}/pull/${i.number}`,
          },
        }
      : {}),
  });

  function page(req: RecordedRequest, items: FakeGithubIssue[]): { items: unknown[]; link?: string } | Reply {
    const perPage = Number(req.query.get('per_page') ?? 30);
    const pageNo = Number(req.query.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)
      return { status: 422, body: { message: 'Validation Failed', documentation_url: DOCS } };
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number) => {
      const q = new URLSearchParams(req.query);
      q.set('page', String(n));
      return `${base}${req.path}?${q}`;
    };
    const rels: string[] = [];
    if (pageNo < last) rels.push(`<${link(pageNo + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (pageNo > 1) rels.push(`<${link(1)}>; rel="first"`, `<${link(pageNo - 1)}>; rel="prev"`);
    return { items: slice.map(payload), ...(rels.length ? { link: rels.join(', ') } : {}) };
  }

  const server = await startFake((req) => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    }
    if (limited && limited.after > 0) limited.after--;
    else if (limited && limited.left > 0) {
      limited.left--;
      if (limited.kind === 'primary') {
        return {
          status: 403,
          headers: {
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': '5000',
            'x-ratelimit-reset': String(epochSeconds(limited.wait * 1000)),
            'x-ratelimit-resource': 'core',
          },
          body: {
            message: `API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.`,
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
            status: '403',
          },
        };
      }
      return {
        status: 429,
        headers: { 'retry-after': String(limited.wait) },
        body: {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: DOCS,
          status: '429',
        },
      };
    }
    const rateHeaders = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(epochSeconds(3_600_000)),
    };
    const repoPath = `/repos/${owner}/${repo}`;
    const one = new RegExp(`^${repoPath}/issues/(\\d+)$`).exec(req.path);
    if (req.method === 'GET' && one) {
      const issue = issues.find((i) => i.number === Number(one[1]));
      if (!issue)
        return {
          status: 404,
          body: { message: 'Not Found', documentation_url: `${DOCS}/issues/issues#get-an-issue`, status: '404' },
        };
      return { status: 200, headers: rateHeaders, body: payload(issue) };
    }
    if (req.method === 'PATCH' && one) {
      const issue = issues.find((i) => i.number === Number(one[1]));
      if (!issue) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
      const patch = req.json as { state?: 'open' | 'closed' };
      if (patch.state) issue.state = patch.state;
      return { status: 200, headers: rateHeaders, body: payload(issue) };
    }
    const commentPath = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(req.path);
    if (req.method === 'POST' && commentPath) {
      const body = (req.json as { body?: string } | undefined)?.body;
      if (!body) return { status: 422, body: { message: 'Validation Failed', documentation_url: DOCS, status: '422' } };
      comments.push({ number: Number(commentPath[1]), body });
      return {
        status: 201,
        headers: rateHeaders,
        body: {
          id: comments.length,
          body,
          html_url: `${base}/${owner}/${repo}/issues/${commentPath[1]}#issuecomment-${comments.length}`,
        },
      };
    }
    if (req.method === 'GET' && req.path === `${repoPath}/issues`) {
      const state = req.query.get('state') ?? 'open';
      const labels = req.query.get('labels')?.split(',').filter(Boolean) ?? [];
      const assignee = req.query.get('assignee');
      const matching = issues.filter(
        (i) =>
          (state === 'all' || (i.state ?? 'open') === state) &&
          labels.every((l) => i.labels?.includes(l)) &&
          (!assignee ||
            (assignee === 'none' ? !i.assignee : assignee === '*' ? !!i.assignee : i.assignee === assignee)),
      );
      const p = page(req, matching);
      if ('status' in p) return p;
      return { status: 200, headers: { ...rateHeaders, ...(p.link ? { link: p.link } : {}) }, body: p.items };
    }
    if (req.method === 'GET' && req.path === '/search/issues') {
      const q = req.query.get('q') ?? '';
      if (!q.includes(`repo:${owner}/${repo}`))
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ message: 'The listed users and repositories cannot be searched' }],
            documentation_url: DOCS,
          },
        };
      const terms = q.split(/\s+/).filter((t) => !/^(repo|is|label|assignee):/.test(t));
      const label = /label:"([^"]+)"/.exec(q)?.[1];
      const state = /is:(open|closed)/.exec(q)?.[1];
      const matching = issues.filter(
        (i) =>
          !i.pull &&
          (!state || (i.state ?? 'open') === state) &&
          (!label || i.labels?.includes(label)) &&
          terms.every((t) => `${i.title} ${i.body ?? ''}`.toLowerCase().includes(t.toLowerCase())),
      );
      const p = page(req, matching);
      if ('status' in p) return p;
      return {
        status: 200,
        headers: { ...rateHeaders, ...(p.link ? { link: p.link } : {}) },
        body: { total_count: matching.length, incomplete_results: false, items: p.items },
      };
    }
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  });
  base = server.url;
  return {
    ...server,
    issues,
    comments,
    rateLimitNext(kind, n = 1, waitSeconds = 1, after = 0) {
      limited = { kind, left: n, wait: waitSeconds, after };
    },
  };
}

/** 150 issues and pull requests: enough for two pages of 100, with closed, labelled and assigned ones. */
export function defaultGithubIssues(): FakeGithubIssue[] {
  const issues: FakeGithubIssue[] = [
    {
      number: 1,
      title: 'Add login page',
      body: 'Users need to sign in.\n\n## Acceptance criteria\n- [ ] A form with email and password\n- [ ] Errors are shown inline\n\n## Notes\n- [ ] not a criterion',
      labels: ['feature', 'ui'],
      assignee: 'ada',
    },
    {
      number: 2,
      title: 'Crash on empty cart',
      body: 'Steps:\n1. open cart\n\n- [x] reproduce\n- [ ] fix',
      labels: ['bug'],
    },
    { number: 3, title: 'Old bug', body: null, state: 'closed', labels: ['bug'] },
    { number: 4, title: 'Fix the login redirect', body: 'A pull request', pull: true },
  ];
  for (let n = 5; n <= 150; n++)
    issues.push({
      number: n,
      title: `Issue number ${n}`,
      body: `Body of ${n}`,
      labels: n % 10 === 0 ? ['chore'] : [],
      pull: n % 25 === 0,
    });
  return issues;
}
