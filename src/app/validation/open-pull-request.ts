/**
 * `lanes pr`: pushes the lane's branch and opens (or updates) its pull request, or records the local
 * review request when the repository has no forge. STUB: the pull-request work replaces this file.
 */
import { ToolError } from '../../domain/errors.js';
import type { ReviewRequestRecord } from '../../infra/review-store.js';
import type { Context } from '../context.js';

export interface PullRequestOptions {
  draft?: boolean;
}

export interface PullRequestResult {
  lane: string;
  /** The record as stored (kind github or local, number, url, base, baseCommit, head, diffStat …). */
  request: ReviewRequestRecord;
  /** True when this call opened it; false when it updated the existing one. */
  created: boolean;
  /** The remote the branch was pushed to this time; null when nothing was pushed. */
  pushed: string | null;
}

export function openPullRequest(
  _ctx: Context,
  _laneName: string,
  _opts: PullRequestOptions = {},
): Promise<PullRequestResult> {
  return Promise.reject(new ToolError('lanes pr is not built yet'));
}
