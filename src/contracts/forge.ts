/**
 * Forge: where pull requests live (GitHub through Octokit today). `lanes pr` opens or updates one
 * per lane and `lanes review` posts its findings on it as a review with line comments. A repository
 * with no forge gets the local review request instead (state only), which every later step treats
 * the same way; that choice is made by the composition root's factory, never by a use case.
 *
 * Contract: every call takes an AbortSignal and has its own deadline; a rate limit the API
 * announces (retry-after, x-ratelimit-reset) is waited out within a bound and retried; any other
 * failure is a LanesError whose message names the forge, the request and what to do (401: the
 * token; 404: the repository or its access; 422: what GitHub refused).
 */

export interface PullRequest {
  number: number;
  url: string;
  /** The head commit the forge has for it. */
  headSha: string;
  draft: boolean;
  state: 'open' | 'closed';
}

export interface PullRequestContent {
  title: string;
  body: string;
}

export interface ReviewComment {
  path: string;
  /** The last line of the commented range, in the new version of the file. */
  line: number;
  /** The first line, for a range. */
  startLine?: number;
  body: string;
}

export interface ForgeReview {
  /** The commit reviewed: comments refer to its lines. */
  commitId: string;
  body: string;
  /** Comments on lines the diff touches; the rest belong in `body`. */
  comments: ReviewComment[];
}

/** How a pull request is merged (GitHub's merge_method). */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface Forge {
  /** For messages: "GitHub owner/name". */
  readonly name: string;
  /** The open pull request whose head is this branch, if any. */
  findPullRequest(branch: string, signal: AbortSignal): Promise<PullRequest | undefined>;
  createPullRequest(
    request: PullRequestContent & { branch: string; base: string; draft: boolean },
    signal: AbortSignal,
  ): Promise<PullRequest>;
  updatePullRequest(number: number, content: PullRequestContent, signal: AbortSignal): Promise<PullRequest>;
  /** Posts a review (comment event: a token cannot approve its own pull request); resolves with its URL. */
  postReview(number: number, review: ForgeReview, signal: AbortSignal): Promise<string>;
  /**
   * The URL of a review already on the pull request whose body starts with `marker`, if any: posting
   * a round's verdict again (after a failure, or `lanes review` returning the stored review) finds
   * the one posted before instead of adding a second.
   */
  findReview(number: number, marker: string, signal: AbortSignal): Promise<string | undefined>;
  /** The merge methods the repository allows, in GitHub's order (merge, squash, rebase). */
  allowedMergeMethods(signal: AbortSignal): Promise<MergeMethod[]>;
  /**
   * Merges the pull request only while its head is `sha` (`lanes land`): a head that moved is a
   * ToolError naming it, nothing merged. Resolves with the commit the merge made on the base.
   */
  mergePullRequest(number: number, merge: { sha: string; method: MergeMethod }, signal: AbortSignal): Promise<string>;
}
