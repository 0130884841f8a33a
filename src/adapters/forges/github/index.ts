/**
 * Pull requests on GitHub through Octokit (REST), on the client the issue source uses (the token,
 * deadlines, rate-limit waits: ../../issues/github/client.ts). A lane's pull request is the open one
 * whose head is `owner:branch`; reviews are posted with the COMMENT event, because a token cannot
 * approve or request changes on a pull request its own user opened, and lanes' verdict is in the
 * body anyway.
 */
import { InputError, ToolError } from '../../../domain/errors.js';
import type { Forge, ForgeReview, MergeMethod, PullRequest } from '../../../contracts/forge.js';
import { displayUrl, type TrackerRuntime } from '../../issues/tracker-http.js';
import { githubClient, type StatusMessage } from '../../issues/github/client.js';

export interface GithubForgeOptions {
  /** `owner/name`. */
  repo: string;
  /** REST API root: https://api.github.com (default), a GitHub Enterprise /api/v3, or a test server. */
  baseUrl?: string | undefined;
  env: Record<string, string | undefined>;
  runtime?: TrackerRuntime | undefined;
}

interface PullPayload {
  number: number;
  html_url: string;
  state: string;
  draft?: boolean;
  head: { sha: string; ref: string };
}

interface RepoPayload {
  allow_merge_commit?: boolean;
  allow_squash_merge?: boolean;
  allow_rebase_merge?: boolean;
}

interface ReviewPayload {
  html_url: string;
  body?: string | null;
}

function toPullRequest(data: PullPayload): PullRequest {
  return {
    number: data.number,
    url: data.html_url,
    headSha: data.head.sha,
    draft: data.draft === true,
    state: data.state === 'closed' ? 'closed' : 'open',
  };
}

export function githubForge(opts: GithubForgeOptions): Forge {
  const [owner, repo] = opts.repo.split('/') as [string, string];
  const repoName = `${owner}/${repo}`;
  const github = githubClient({
    baseUrl: opts.baseUrl,
    env: opts.env,
    runtime: { ...opts.runtime, rateLimitHint: 'run the same lanes command again after the reset' },
    tokenHint: 'a token with write access to pull requests (fine-grained: "Pull requests: read and write")',
  });

  /** 404 on a repository path: the repository is not there, or the token cannot see it (GitHub hides both). */
  const notFound =
    (what: string): StatusMessage =>
    (status, _detail, cause) =>
      status === 404
        ? new InputError(
            `GitHub has no repository ${repoName} at ${displayUrl(github.apiUrl)}, or the token cannot see it (404 on ${what})`,
            {
              hint: "check forge.repo (or issues.repo) in lanes.config.json and the token's access to the repository",
              cause,
            },
          )
        : undefined;

  return {
    name: `GitHub ${repoName}`,

    async findPullRequest(branch, signal) {
      return github.call(
        `the pull requests of ${repoName}`,
        signal,
        async (o) => {
          // GitHub filters by head as `owner:branch`; only open ones: a closed pull request is history.
          const res = await o.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 10 });
          const found = (res.data as PullPayload[]).find((p) => p.head.ref === branch);
          return found ? toPullRequest(found) : undefined;
        },
        notFound('listing pull requests'),
      );
    },

    async createPullRequest(request, signal) {
      return github.call(
        `opening a pull request from ${request.branch} into ${request.base} in ${repoName}`,
        signal,
        async (o) => {
          const res = await o.rest.pulls.create({
            owner,
            repo,
            title: request.title,
            body: request.body,
            head: request.branch,
            base: request.base,
            draft: request.draft,
          });
          return toPullRequest(res.data);
        },
        (status, detail, cause) =>
          status === 422
            ? new ToolError(
                `GitHub refused to open a pull request from ${request.branch} into ${request.base} in ${repoName}: ${detail}`,
                {
                  hint: /already exists/i.test(detail)
                    ? 'GitHub lists that pull request; lanes looks for open ones whose head is this branch in this repository'
                    : `check that the base branch ${request.base} exists on GitHub and that the branch was pushed`,
                  cause,
                },
              )
            : notFound('opening a pull request')(status, detail, cause),
      );
    },

    async updatePullRequest(number, content, signal) {
      return github.call(
        `updating pull request #${number} of ${repoName}`,
        signal,
        async (o) => {
          const res = await o.rest.pulls.update({
            owner,
            repo,
            pull_number: number,
            title: content.title,
            body: content.body,
          });
          return toPullRequest(res.data);
        },
        (status, detail, cause) =>
          status === 422
            ? new ToolError(`GitHub refused the update of pull request #${number} of ${repoName}: ${detail}`, { cause })
            : notFound(`pull request #${number}`)(status, detail, cause),
      );
    },

    async postReview(number, review: ForgeReview, signal) {
      return github.call(
        `posting a review on pull request #${number} of ${repoName}`,
        signal,
        async (o) => {
          const res = await o.rest.pulls.createReview({
            owner,
            repo,
            pull_number: number,
            commit_id: review.commitId,
            body: review.body,
            event: 'COMMENT',
            comments: review.comments.map((c) => ({
              path: c.path,
              line: c.line,
              side: 'RIGHT',
              ...(c.startLine !== undefined && c.startLine < c.line
                ? { start_line: c.startLine, start_side: 'RIGHT' }
                : {}),
              body: c.body,
            })),
          });
          return (res.data as ReviewPayload).html_url;
        },
        (status, detail, cause) =>
          status === 422
            ? new ToolError(`GitHub refused the review on pull request #${number} of ${repoName}: ${detail}`, { cause })
            : notFound(`pull request #${number}`)(status, detail, cause),
      );
    },

    async findReview(number, marker, signal) {
      return github.call(
        `the reviews of pull request #${number} of ${repoName}`,
        signal,
        async (o) => {
          for await (const page of o.paginate.iterator(o.rest.pulls.listReviews, {
            owner,
            repo,
            pull_number: number,
            per_page: 100,
          })) {
            const found = (page.data as ReviewPayload[]).find((r) => (r.body ?? '').startsWith(marker));
            if (found) return found.html_url;
          }
          return undefined;
        },
        notFound(`pull request #${number}`),
      );
    },

    async allowedMergeMethods(signal) {
      return github.call(
        `the settings of ${repoName}`,
        signal,
        async (o) => {
          const data = (await o.rest.repos.get({ owner, repo })).data as RepoPayload;
          // A token without admin rights gets no allow_* fields: GitHub's defaults allow all three.
          const methods: MergeMethod[] = [];
          if (data.allow_merge_commit !== false) methods.push('merge');
          if (data.allow_squash_merge !== false) methods.push('squash');
          if (data.allow_rebase_merge !== false) methods.push('rebase');
          return methods;
        },
        notFound('reading the repository'),
      );
    },

    async mergePullRequest(number, merge, signal) {
      return github.call(
        `merging pull request #${number} of ${repoName}`,
        signal,
        async (o) => {
          const res = await o.rest.pulls.merge({
            owner,
            repo,
            pull_number: number,
            sha: merge.sha,
            merge_method: merge.method,
          });
          return (res.data as { sha: string }).sha;
        },
        (status, detail, cause) =>
          status === 409
            ? new ToolError(
                `GitHub did not merge pull request #${number} of ${repoName}: its head is no longer ${merge.sha.slice(0, 12)} (${detail})`,
                { hint: 'someone pushed to the branch; lanes land syncs and tests it again', cause },
              )
            : status === 405 || status === 422
              ? new ToolError(`GitHub refused to merge pull request #${number} of ${repoName}: ${detail}`, {
                  hint: "check the repository's allowed merge methods (land.mergeMethod) and its branch protection",
                  cause,
                })
              : notFound(`pull request #${number}`)(status, detail, cause),
      );
    },
  };
}
