/**
 * A fake GitHub REST API (the part lanes uses): get, list (with Link-header pagination), search,
 * comment on and update issues of one repository; list, open and update pull requests, and post
 * and list their reviews with line comments. It checks what a real GitHub checks — the token in
 * the Authorization header (401 "Bad credentials" otherwise), per_page bounds, the `owner:branch`
 * head filter, a head and base branch that exist (`branchSha`), one open pull request per head
 * and base, a review event GitHub knows and no approval of one's own pull request, line comments
 * on lines of the diff (`commentable`) — and can answer the next requests with a primary (403 +
 * x-ratelimit-*) or secondary (429 + retry-after) rate limit, or with a fault (401, 404, 422,
 * 500 …) in GitHub's documented error shape. Payloads follow the documented shapes. Merging a pull
 * request (`PUT …/pulls/{n}/merge`) checks what GitHub checks: a merge method the repository's
 * settings allow (`GET /repos/{o}/{r}`: allow_merge_commit …; 405 otherwise), the expected head
 * `sha` (409 "Head branch was modified" otherwise), an open pull request; `onMerge` makes the merge
 * happen in the test's real remote.
 */
import { execFileSync } from 'node:child_process';
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

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged?: boolean;
}

export interface FakeMerge {
  pull: number;
  sha: string | undefined;
  mergeMethod: string;
  /** The commit the merge made on the base. */
  commit: string;
}

export interface FakeReviewComment {
  path: string;
  line: number;
  start_line?: number;
  side?: string;
  start_side?: string;
  body: string;
}

export interface FakeReview {
  id: number;
  pull: number;
  commit_id: string;
  body: string;
  event: string;
  comments: FakeReviewComment[];
}

export interface FakeFault {
  status: number;
  /** GitHub's error body; the documented one for the status by default. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGithub extends FakeServer {
  issues: FakeGithubIssue[];
  comments: { number: number; body: string }[];
  pulls: FakePull[];
  reviews: FakeReview[];
  merges: FakeMerge[];
  /** Answer n requests, after `after` more successful ones, with a rate limit of this kind. */
  rateLimitNext(kind: 'primary' | 'secondary', n?: number, waitSeconds?: number, after?: number): void;
  /** Answer n requests, after `after` more successful ones, with this fault (401, 404, 422, 500 …). */
  failNext(fault: FakeFault | number, n?: number, after?: number): void;
}

export interface FakeGithubOptions {
  owner?: string;
  repo?: string;
  token?: string;
  issues?: FakeGithubIssue[];
  /** The commit a branch points at; undefined when there is no such branch (default: every branch exists). */
  branchSha?: (branch: string) => string | undefined;
  /** The repository's allowed merge methods (its settings); default: all three. */
  mergeMethods?: { merge?: boolean; squash?: boolean; rebase?: boolean };
  /** Performs a merge GitHub accepted (in the test's real remote); returns the commit made on the base. */
  onMerge?: (pull: FakePull, method: 'merge' | 'squash' | 'rebase') => string;
  /** Whether a line of the pull request's diff can carry a comment (default: every line). */
  commentable?: (pull: FakePull, path: string, line: number) => boolean;
}

const FAULT_BODIES: Record<number, unknown> = {
  401: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
  403: {
    message: 'Resource not accessible by integration',
    documentation_url: 'https://docs.github.com/rest',
    status: '403',
  },
  404: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
  422: {
    message: 'Validation Failed',
    errors: [{ resource: 'PullRequest', code: 'custom', message: 'Validation Failed' }],
    documentation_url: 'https://docs.github.com/rest',
    status: '422',
  },
  500: { message: 'Server Error' },
  502: { message: 'Server Error' },
};

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const owner = opts.owner ?? 'octo';
  const repo = opts.repo ?? 'app';
  const token = opts.token ?? 'ghp_test_token';
  const issues = opts.issues ?? defaultGithubIssues();
  const comments: FakeGithub['comments'] = [];
  let limited: { kind: 'primary' | 'secondary'; left: number; wait: number; after: number } | undefined;
  let faults: { fault: FakeFault; left: number; after: number } | undefined;
  const pulls: FakePull[] = [];
  const reviews: FakeReview[] = [];
  const merges: FakeMerge[] = [];
  const allowed = { merge: true, squash: true, rebase: true, ...opts.mergeMethods };
  const branchSha = opts.branchSha ?? ((branch: string) => fakeSha(branch));
  const commentable = opts.commentable ?? (() => true);
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

  const pullPayload = (p: FakePull) => ({
    url: `${base}/repos/${owner}/${repo}/pulls/${p.number}`,
    id: 5000 + p.number,
    node_id: `PR_kwDO${p.number}`,
    html_url: `${base}/${owner}/${repo}/pull/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: { login: 'lanes-bot', id: 7, type: 'User' },
    body: p.body,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-02T00:00:00Z',
    closed_at: null,
    merged_at: p.merged ? '2025-01-03T00:00:00Z' : null,
    merged: p.merged === true,
    draft: p.draft,
    head: {
      label: `${owner}:${p.head}`,
      ref: p.head,
      sha: branchSha(p.head) ?? fakeSha(p.head),
      user: { login: owner, id: 3, type: 'Organization' },
    },
    base: {
      label: `${owner}:${p.base}`,
      ref: p.base,
      sha: branchSha(p.base) ?? fakeSha(p.base),
      user: { login: owner, id: 3, type: 'Organization' },
    },
    author_association: 'OWNER',
  });

  const reviewPayload = (r: FakeReview) => ({
    id: r.id,
    node_id: `PRR_kwDO${r.id}`,
    user: { login: 'lanes-bot', id: 7, type: 'User' },
    body: r.body,
    state: r.event === 'COMMENT' ? 'COMMENTED' : r.event === 'APPROVE' ? 'APPROVED' : 'CHANGES_REQUESTED',
    html_url: `${base}/${owner}/${repo}/pull/${r.pull}#pullrequestreview-${r.id}`,
    pull_request_url: `${base}/repos/${owner}/${repo}/pulls/${r.pull}`,
    commit_id: r.commit_id,
    submitted_at: '2025-01-02T00:00:00Z',
    author_association: 'OWNER',
  });

  const invalid = (errors: unknown[], message = 'Validation Failed'): Reply => ({
    status: 422,
    body: { message, errors, documentation_url: `${DOCS}/pulls/pulls`, status: '422' },
  });

  const server = await startFake((req) => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    }
    if (faults && faults.after > 0) faults.after--;
    else if (faults && faults.left > 0) {
      faults.left--;
      const { status, body, headers } = faults.fault;
      return { status, headers: headers ?? {}, body: body ?? FAULT_BODIES[status] ?? { message: 'Error' } };
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
    const pullsRoute = handlePulls(req, repoPath, rateHeaders);
    if (pullsRoute) return pullsRoute;
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  });

  function handlePulls(req: RecordedRequest, repoPath: string, rateHeaders: Record<string, string>): Reply | undefined {
    const notFound: Reply = { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    if (req.path === repoPath && req.method === 'GET')
      return {
        status: 200,
        headers: rateHeaders,
        body: {
          id: 42,
          name: repo,
          full_name: `${owner}/${repo}`,
          private: false,
          default_branch: 'main',
          allow_merge_commit: allowed.merge,
          allow_squash_merge: allowed.squash,
          allow_rebase_merge: allowed.rebase,
        },
      };
    const mergePath = new RegExp(`^${repoPath}/pulls/(\\d+)/merge$`).exec(req.path);
    if (mergePath && req.method === 'PUT') {
      const pull = pulls.find((p) => p.number === Number(mergePath[1]));
      if (!pull) return notFound;
      const b = (req.json ?? {}) as { sha?: unknown; merge_method?: unknown };
      const method = b.merge_method === undefined ? 'merge' : b.merge_method;
      if (method !== 'merge' && method !== 'squash' && method !== 'rebase')
        return invalid([{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }]);
      if (!allowed[method])
        return {
          status: 405,
          body: {
            message: `${method === 'merge' ? 'Merge commits are' : method === 'squash' ? 'Squash merges are' : 'Rebase merges are'} not allowed on this repository.`,
            documentation_url: `${DOCS}/pulls/pulls#merge-a-pull-request`,
            status: '405',
          },
        };
      if (pull.state !== 'open')
        return {
          status: 405,
          body: { message: 'Pull Request is not mergeable', documentation_url: DOCS, status: '405' },
        };
      const head = branchSha(pull.head);
      if (typeof b.sha === 'string' && b.sha !== head)
        return {
          status: 409,
          body: {
            message: 'Head branch was modified. Review and try the merge again.',
            documentation_url: `${DOCS}/pulls/pulls#merge-a-pull-request`,
            status: '409',
          },
        };
      const commit = opts.onMerge?.(pull, method) ?? fakeSha(`${pull.head}-merged`);
      merges.push({
        pull: pull.number,
        sha: typeof b.sha === 'string' ? b.sha : undefined,
        mergeMethod: method,
        commit,
      });
      pull.state = 'closed';
      pull.merged = true;
      return {
        status: 200,
        headers: rateHeaders,
        body: { sha: commit, merged: true, message: 'Pull Request successfully merged' },
      };
    }
    if (req.path === `${repoPath}/pulls` && req.method === 'GET') {
      const state = req.query.get('state') ?? 'open';
      const head = req.query.get('head');
      const baseFilter = req.query.get('base');
      // Documented: "Filter pulls by head user or head organization and branch name in the format of user:ref-name".
      if (head !== null && !/^[^:]+:.+$/.test(head))
        return invalid([{ resource: 'Search', field: 'head', code: 'invalid' }]);
      const matching = pulls.filter(
        (p) =>
          (state === 'all' || p.state === state) &&
          (head === null || head === `${owner}:${p.head}`) &&
          (baseFilter === null || baseFilter === p.base),
      );
      const perPage = Number(req.query.get('per_page') ?? 30);
      const pageNo = Number(req.query.get('page') ?? 1);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return invalid([]);
      return {
        status: 200,
        headers: rateHeaders,
        body: matching.slice((pageNo - 1) * perPage, pageNo * perPage).map(pullPayload),
      };
    }
    if (req.path === `${repoPath}/pulls` && req.method === 'POST') {
      const b = (req.json ?? {}) as {
        title?: unknown;
        head?: unknown;
        base?: unknown;
        body?: unknown;
        draft?: unknown;
      };
      const missing = ['title', 'head', 'base'].filter(
        (k) => typeof b[k as keyof typeof b] !== 'string' || b[k as keyof typeof b] === '',
      );
      if (missing.length)
        return invalid(missing.map((field) => ({ resource: 'PullRequest', field, code: 'missing_field' })));
      const head = String(b.head).replace(new RegExp(`^${owner}:`), '');
      const baseBranch = String(b.base);
      if (!branchSha(head)) return invalid([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      if (!branchSha(baseBranch)) return invalid([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (pulls.some((p) => p.state === 'open' && p.head === head && p.base === baseBranch))
        return invalid([
          { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` },
        ]);
      if (branchSha(head) === branchSha(baseBranch))
        return invalid([
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${baseBranch} and ${head}` },
        ]);
      const pull: FakePull = {
        number: Math.max(150, ...issues.map((i) => i.number), ...pulls.map((p) => p.number)) + 1,
        title: String(b.title),
        body: typeof b.body === 'string' ? b.body : null,
        head,
        base: baseBranch,
        draft: b.draft === true,
        state: 'open',
      };
      pulls.push(pull);
      return { status: 201, headers: rateHeaders, body: pullPayload(pull) };
    }
    const one = new RegExp(`^${repoPath}/pulls/(\\d+)$`).exec(req.path);
    if (one) {
      const pull = pulls.find((p) => p.number === Number(one[1]));
      if (!pull) return notFound;
      if (req.method === 'GET') return { status: 200, headers: rateHeaders, body: pullPayload(pull) };
      if (req.method === 'PATCH') {
        const b = (req.json ?? {}) as { title?: unknown; body?: unknown; state?: unknown };
        if (b.title !== undefined && (typeof b.title !== 'string' || b.title === ''))
          return invalid([{ resource: 'PullRequest', field: 'title', code: 'invalid' }]);
        if (typeof b.title === 'string') pull.title = b.title;
        if (typeof b.body === 'string' || b.body === null) pull.body = b.body;
        if (b.state === 'open' || b.state === 'closed') pull.state = b.state;
        return { status: 200, headers: rateHeaders, body: pullPayload(pull) };
      }
    }
    const reviewPath = new RegExp(`^${repoPath}/pulls/(\\d+)/reviews$`).exec(req.path);
    if (reviewPath) {
      const pull = pulls.find((p) => p.number === Number(reviewPath[1]));
      if (!pull) return notFound;
      if (req.method === 'GET') {
        const perPage = Number(req.query.get('per_page') ?? 30);
        const pageNo = Number(req.query.get('page') ?? 1);
        const mine = reviews.filter((r) => r.pull === pull.number);
        return {
          status: 200,
          headers: rateHeaders,
          body: mine.slice((pageNo - 1) * perPage, pageNo * perPage).map(reviewPayload),
        };
      }
      if (req.method === 'POST') {
        const b = (req.json ?? {}) as { commit_id?: unknown; body?: unknown; event?: unknown; comments?: unknown };
        const event = b.event === undefined ? 'PENDING' : typeof b.event === 'string' ? b.event : '';
        if (!['APPROVE', 'REQUEST_CHANGES', 'COMMENT', 'PENDING'].includes(event))
          return invalid([{ resource: 'PullRequestReview', field: 'event', code: 'invalid' }]);
        // The token's user opened the pull request: GitHub refuses to let it approve or reject its own.
        if (event === 'APPROVE') return invalid(['Can not approve your own pull request'], 'Unprocessable Entity');
        if (event === 'REQUEST_CHANGES')
          return invalid(['Can not request changes on your own pull request'], 'Unprocessable Entity');
        if (event !== 'PENDING' && (typeof b.body !== 'string' || b.body === '') && !Array.isArray(b.comments))
          return invalid(['Body is required'], 'Unprocessable Entity');
        const comments = (Array.isArray(b.comments) ? b.comments : []) as Partial<FakeReviewComment>[];
        for (const c of comments) {
          if (typeof c.path !== 'string' || typeof c.body !== 'string' || typeof c.line !== 'number')
            return invalid(['Path, body and line are required for each comment'], 'Unprocessable Entity');
          if (c.side !== undefined && c.side !== 'LEFT' && c.side !== 'RIGHT')
            return invalid([{ resource: 'PullRequestReviewComment', field: 'side', code: 'invalid' }]);
          if (c.start_line !== undefined && (typeof c.start_line !== 'number' || c.start_line >= c.line))
            return invalid(['start_line must precede line'], 'Unprocessable Entity');
          for (const line of c.start_line !== undefined ? [c.start_line, c.line] : [c.line])
            if (!commentable(pull, c.path, line))
              return invalid(['Pull request review thread line must be part of the diff'], 'Unprocessable Entity');
        }
        const review: FakeReview = {
          id: 80 + reviews.length,
          pull: pull.number,
          commit_id: typeof b.commit_id === 'string' ? b.commit_id : (branchSha(pull.head) ?? ''),
          body: typeof b.body === 'string' ? b.body : '',
          event,
          comments: comments as FakeReviewComment[],
        };
        reviews.push(review);
        return { status: 200, headers: rateHeaders, body: reviewPayload(review) };
      }
    }
    return undefined;
  }
  base = server.url;
  return {
    ...server,
    issues,
    comments,
    pulls,
    reviews,
    merges,
    rateLimitNext(kind, n = 1, waitSeconds = 1, after = 0) {
      limited = { kind, left: n, wait: waitSeconds, after };
    },
    failNext(fault, n = 1, after = 0) {
      faults = { fault: typeof fault === 'number' ? { status: fault } : fault, left: n, after };
    },
  };
}

/** A stable 40-hex commit id for a name (branches of a fake without a real remote). */
function fakeSha(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(5);
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

/**
 * The commit a branch points at in a bare repository (the push remote a test gives the fake GitHub
 * as its `branchSha`); undefined when there is no repository yet or no such branch.
 */
export function bareBranchSha(gitDir: string | undefined, branch: string): string | undefined {
  if (!gitDir) return undefined;
  try {
    return execFileSync('git', ['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}
