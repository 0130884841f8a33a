/**
 * GitHub issues through Octokit (REST), on the client the forge shares (client.ts: the token from
 * GITHUB_TOKEN, GH_TOKEN or `gh auth token`, a deadline on every request, rate limits waited out
 * within a bound). Pull requests, which the issues endpoint also returns, are skipped.
 */
import { InputError } from '../../../domain/errors.js';
import { acceptanceCriteriaFromMarkdown, type Issue } from '../../../domain/issue.js';
import { githubIssueNumber } from '../../../domain/issue-ref.js';
import type { IssueFilter, IssueSource } from '../../../contracts/issue-source.js';
import { displayUrl, type TrackerRuntime } from '../tracker-http.js';
import { githubClient } from './client.js';

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

export function githubIssueSource(opts: GithubSourceOptions): IssueSource {
  const [owner, repo] = opts.repo.split('/') as [string, string];
  const github = githubClient({
    baseUrl: opts.baseUrl,
    env: opts.env,
    runtime: opts.runtime,
    tokenHint:
      'a fine-grained token with read access to issues is enough; write access is needed only for issues.writeBack',
  });
  const { apiUrl, webHost } = github;
  const call = github.call.bind(github);

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
