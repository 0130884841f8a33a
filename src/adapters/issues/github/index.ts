/**
 * GitHub issues through Octokit (REST). The token comes from GITHUB_TOKEN, GH_TOKEN or
 * `gh auth token`, read at the first request and kept in memory only. Every request gets a
 * deadline, and a 403/429 that carries a rate-limit signal (retry-after, or x-ratelimit-remaining 0
 * with x-ratelimit-reset) is waited out within a bound and retried. Pull requests, which the
 * issues endpoint also returns, are skipped.
 */
import { Octokit } from '@octokit/rest';
import { InputError, LanesError, ToolError } from '../../../domain/errors.js';
import { acceptanceCriteriaFromMarkdown, type Issue } from '../../../domain/issue.js';
import { githubIssueNumber } from '../../../domain/issue-ref.js';
import type { IssueFilter, IssueSource } from '../../../contracts/issue-source.js';
import { exec } from '../../../infra/exec.js';
import {
  displayUrl,
  rateLimitDelayMs,
  requestSignal,
  transportFailure,
  withRateLimit,
  type TrackerRuntime,
} from '../tracker-http.js';

export const DEFAULT_LIST_LIMIT = 100;

export interface GithubSourceOptions {
  /** `owner/name`. */
  repo: string;
  /** REST API root: https://api.github.com (default), https://ghe.example.com/api/v3, or a test server. */
  baseUrl?: string | undefined;
  env: Record<string, string | undefined>;
  runtime?: TrackerRuntime;
}

interface GithubIssuePayload {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  labels: (string | { name?: string | null })[];
  assignee?: { login: string } | null;
  pull_request?: unknown;
}

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** The web host issue URLs live on, from the API root: api.github.com → github.com. */
export function githubWebHost(baseUrl: string | undefined): string {
  if (!baseUrl) return 'github.com';
  const host = new URL(baseUrl).host.toLowerCase();
  return host.startsWith('api.') ? host.slice(4) : host;
}

export function githubIssueSource(opts: GithubSourceOptions): IssueSource {
  const [owner, repo] = opts.repo.split('/') as [string, string];
  const apiUrl = opts.baseUrl?.replace(/\/+$/, '') ?? 'https://api.github.com';
  const webHost = githubWebHost(opts.baseUrl);
  let token: Promise<{ value: string; from: string }> | undefined;

  function requireToken(): Promise<{ value: string; from: string }> {
    token ??= resolveGithubToken(opts.env, webHost);
    return token;
  }

  async function client(signal: AbortSignal | undefined): Promise<{ octokit: Octokit; tokenFrom: string }> {
    const { value, from } = await requireToken();
    const octokit = new Octokit({
      auth: value,
      baseUrl: apiUrl,
      userAgent: 'lanes',
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    // Every request, pages included, gets its own deadline and the rate-limit wait. The options
    // object is changed in place: the hook chain reads that object, not the one passed to request.
    octokit.hook.wrap('request', (request, options) =>
      withRateLimit(
        'GitHub',
        async () => {
          options.request = { ...options.request, signal: requestSignal(signal, opts.runtime?.timeoutMs) };
          return request(options);
        },
        githubRateLimitDelay,
        { ...opts.runtime, signal },
      ),
    );
    return { octokit, tokenFrom: from };
  }

  async function call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (octokit: Octokit) => Promise<T>,
    onStatus?: (status: number) => LanesError | undefined,
  ): Promise<T> {
    const { octokit, tokenFrom } = await client(signal);
    try {
      return await fn(octokit);
    } catch (err) {
      throw githubFailure(err, { what, apiUrl, tokenFrom, signal, onStatus, timeoutMs: opts.runtime?.timeoutMs });
    }
  }

  const repoName = `${owner}/${repo}`;
  return {
    name: 'github',
    async getIssue(ref, signal) {
      const number = githubIssueNumber(ref, { owner, repo, webHost });
      const data = await call(
        `issue ${ref}`,
        signal,
        async (o) => (await o.rest.issues.get({ owner, repo, issue_number: number })).data as GithubIssuePayload,
        (status) =>
          status === 404 || status === 410
            ? new InputError(
                `unknown issue ${JSON.stringify(ref)}: GitHub has no issue #${number} in ${repoName}${status === 410 ? ' (it was deleted)' : ''}`,
                { hint: 'lanes issues lists the open issues' },
              )
            : undefined,
      );
      if (data.pull_request)
        throw new InputError(
          `${JSON.stringify(ref)} is pull request #${number} in ${repoName}, not an issue; lanes works from issues`,
        );
      return toIssue(data, repoName);
    },
    async listIssues(filter: IssueFilter, signal) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const perPage = Math.min(100, limit);
      return call(
        'the issue list',
        signal,
        async (o) => {
          const out: Issue[] = [];
          const iterator = filter.search
            ? o.paginate.iterator('GET /search/issues', { q: githubSearchQuery(repoName, filter), per_page: perPage })
            : o.paginate.iterator(o.rest.issues.listForRepo, {
                owner,
                repo,
                state: filter.state ?? 'open',
                per_page: perPage,
                ...(filter.label ? { labels: filter.label } : {}),
                ...(filter.assignee ? { assignee: filter.assignee } : {}),
              });
          for await (const page of iterator) {
            for (const item of page.data as GithubIssuePayload[]) {
              if (item.pull_request) continue;
              out.push(toIssue(item, repoName));
              if (out.length >= limit) return out;
            }
          }
          return out;
        },
        (status) =>
          status === 404
            ? new InputError(
                `GitHub repository ${repoName} not found at ${displayUrl(apiUrl)}, or the token cannot see it`,
                { hint: "check issues.repo in lanes.config.json and the token's access" },
              )
            : undefined,
      );
    },
    async comment(issue, text, signal) {
      await call(`a comment on issue ${issue.id}`, signal, (o) =>
        o.rest.issues.createComment({ owner, repo, issue_number: Number(issue.id), body: text }),
      );
    },
    async moveIssue(issue, state, signal) {
      const target = state.trim().toLowerCase();
      if (target !== 'open' && target !== 'closed') {
        throw new InputError(`issues.writeBack.moveTo ${JSON.stringify(state)}: GitHub issues are open or closed`);
      }
      await call(`moving issue ${issue.id}`, signal, (o) =>
        o.rest.issues.update({ owner, repo, issue_number: Number(issue.id), state: target }),
      );
    },
  };
}

/** `repo:o/r is:issue is:open label:"x" assignee:a text` for the search endpoint. */
export function githubSearchQuery(repo: string, filter: IssueFilter): string {
  const parts = [`repo:${repo}`, 'is:issue'];
  const state = filter.state ?? 'open';
  if (state !== 'all') parts.push(`is:${state}`);
  if (filter.label) parts.push(`label:${JSON.stringify(filter.label)}`);
  if (filter.assignee) parts.push(`assignee:${filter.assignee}`);
  if (filter.search) parts.push(filter.search);
  return parts.join(' ');
}

function toIssue(data: GithubIssuePayload, repo: string): Issue {
  const body = data.body ?? '';
  return {
    id: String(data.number),
    key: `${repo}#${data.number}`,
    title: data.title,
    body,
    labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    state: data.state === 'closed' ? 'closed' : 'open',
    assignee: data.assignee?.login,
    acceptanceCriteria: acceptanceCriteriaFromMarkdown(body),
    source: 'github',
    url: data.html_url,
  };
}

/** GITHUB_TOKEN, GH_TOKEN, then `gh auth token` for the host when gh is installed and logged in. */
export async function resolveGithubToken(
  env: Record<string, string | undefined>,
  webHost: string,
): Promise<{ value: string; from: string }> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return { value, from: name };
  }
  try {
    const res = await exec('gh', ['auth', 'token', '--hostname', webHost], { check: false, timeoutMs: 10_000 });
    const value = res.stdout.trim();
    if (res.exitCode === 0 && value) return { value, from: 'gh auth token' };
  } catch {
    // gh is not installed: fall through to the error that names the variables.
  }
  throw new InputError('GitHub needs a token: set GITHUB_TOKEN (or GH_TOKEN), or log in with gh auth login', {
    hint: 'a fine-grained token with read access to issues is enough; write access is needed only for issues.writeBack',
  });
}

function headerOf(err: HttpFailure, name: string): string | undefined {
  const headers = err.response?.headers ?? {};
  return headers[name] ?? headers[name.toLowerCase()];
}

/** The wait a GitHub rate-limit response asks for; undefined when the failure is something else. */
export function githubRateLimitDelay(err: unknown): number | undefined {
  const e = err as HttpFailure;
  if (e?.status !== 403 && e?.status !== 429) return undefined;
  const retryAfter = headerOf(e, 'retry-after');
  if (retryAfter) return rateLimitDelayMs({ retryAfter });
  if (headerOf(e, 'x-ratelimit-remaining') === '0')
    return rateLimitDelayMs({ resetAt: headerOf(e, 'x-ratelimit-reset') });
  // A secondary rate limit without retry-after: GitHub's documentation says to wait a minute.
  if (/secondary rate limit/i.test(e.message ?? '')) return 60_000;
  return undefined;
}

function githubFailure(
  err: unknown,
  ctx: {
    what: string;
    apiUrl: string;
    tokenFrom: string;
    signal: AbortSignal | undefined;
    onStatus: ((status: number) => LanesError | undefined) | undefined;
    timeoutMs: number | undefined;
  },
): LanesError {
  const transport = transportFailure('GitHub', displayUrl(ctx.apiUrl), err, ctx.signal, ctx.timeoutMs);
  if (transport) return transport;
  const e = err as HttpFailure;
  const status = e?.status;
  if (typeof status === 'number' && status >= 400) {
    const special = ctx.onStatus?.(status);
    if (special) return special;
    const detail = firstLine(e.message ?? '');
    if (status === 401) {
      return new InputError(`GitHub rejected the token from ${ctx.tokenFrom} (401${detail ? ` ${detail}` : ''})`, {
        hint: 'create a new token, or run gh auth login',
        cause: err,
      });
    }
    if (status === 403) {
      return new ToolError(
        `GitHub refused ${ctx.what} (403${detail ? `: ${detail}` : ''}); the token from ${ctx.tokenFrom} may lack access`,
        { cause: err },
      );
    }
    return new ToolError(`GitHub failed on ${ctx.what} (${status}${detail ? `: ${detail}` : ''})`, { cause: err });
  }
  return new ToolError(
    `GitHub request for ${ctx.what} failed: ${firstLine(err instanceof Error ? err.message : String(err))}`,
    { cause: err },
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim().slice(0, 200);
}
